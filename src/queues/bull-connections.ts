import { Injectable } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';

/** The three kinds of connection Bull asks for. */
export type BullConnectionType = 'client' | 'subscriber' | 'bclient';

/**
 * Owns the Redis connections Bull uses. Bull does not close connections it got from `createClient`, so this
 * class keeps them and {@link QueuesModule} disconnects them once its queues have closed (Bull reconnects its blocking connection while pausing, so
 * a connection that ended once is still kept).
 *
 * Bull's blocking and subscriber connections must retry forever (Bull refuses them otherwise); the command
 * connection fails requests after a few retries so a producer never hangs on a Redis outage.
 */
@Injectable()
export class BullConnections {
  private readonly open = new Set<Redis>();

  create(url: string, type: BullConnectionType): Redis {
    const options: RedisOptions =
      type === 'client'
        ? { maxRetriesPerRequest: 3, connectionName: 'hairone-bull' }
        : { maxRetriesPerRequest: null, enableReadyCheck: false, connectionName: `hairone-bull-${type}` };
    const connection = new Redis(url, {
      ...options,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    this.open.add(connection);
    return connection;
  }

  disconnectAll(): void {
    for (const connection of this.open) connection.disconnect();
    this.open.clear();
  }
}
