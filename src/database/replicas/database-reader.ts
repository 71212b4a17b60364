import { AsyncLocalStorage } from 'node:async_hooks';

import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';

import { parseLsn } from '../../../libs/replication/lsn';
import { freshReplicas, PrimaryPositions, ReplicaState } from '../../../libs/replication/replica-selection';
import { withTimeout } from '../../common/async/with-timeout';
import { isDatabaseUnavailable } from '../../common/database/pg-errors';
import { poolQuery } from '../../common/database/pool-query';
import { AppConfig } from '../../config/app.config';
import { APP_CONFIG } from '../../config/config.constants';
import { MetricsService } from '../../metrics/metrics.service';
import { REDIS_CLIENT } from '../../redis/redis.constants';
import { buildDataSourceOptions } from '../data-source.options';

/** Whether this process sends any read to replicas (the API does; the worker does not). */
export const READS_FROM_REPLICAS = Symbol('READS_FROM_REPLICAS');

/** How often the primary's write position and every replica's replay position are read. */
const CHECK_INTERVAL_MS = 200;
const CHECK_TIMEOUT_MS = 1000;
/** How long a user's last write decides where their reads go (far longer than any lag a replica may have). */
const OWN_WRITE_TTL_SECONDS = 60;

/** What one request has decided about its reads: who asks, and (once chosen) where every read of it goes. */
interface ReadScope {
  userId?: string;
  target?: Promise<Target>;
}

interface Target {
  source: DataSource;
  replica: number | null;
}

interface Replica extends ReplicaState {
  url: string;
  source: DataSource;
  up: boolean;
}

/**
 * Read/write splitting. Writes, and every read inside a transaction, use the primary (repositories take the
 * transaction's EntityManager for those). Reads that may be a little stale (nearby search, slot inputs on a cache
 * miss, lists and reports) go through {@link query}, which sends them to a replica that is at most
 * DATABASE_REPLICA_MAX_LAG_MS behind the primary and has replayed the caller's own last write, else to the primary.
 *
 * Freshness is measured, not assumed: every CHECK_INTERVAL_MS the primary's WAL write position and each replica's
 * replay position are read. A request keeps one target for all its reads (a replica only moves forward, so what a
 * request reads later is never older than what it read first). A replica that fails a query or a check takes no
 * reads until it answers again; the read is retried on the primary.
 */
@Injectable()
export class DatabaseReader implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseReader.name);
  private readonly scopes = new AsyncLocalStorage<ReadScope>();
  private readonly replicas: Replica[];
  private readonly primaryPositions: PrimaryPositions;
  private readonly reads: Counter<'target'>;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private next = 0;

  constructor(
    @InjectDataSource() private readonly primary: DataSource,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(READS_FROM_REPLICAS) readsFromReplicas: boolean,
    metrics: MetricsService,
  ) {
    const urls = readsFromReplicas ? config.database.replicaUrls : [];
    this.replicas = urls.map((url) => ({
      url,
      up: false,
      replayed: null,
      source: new DataSource({
        ...buildDataSourceOptions(
          { ...config, database: { ...config.database, url } },
          'hairone-api-replica',
        ),
        migrations: [],
      }),
    }));
    this.primaryPositions = new PrimaryPositions(Math.max(config.database.replicaMaxLagMs, 1000) * 2);
    this.reads = metrics.dbReads;
    if (this.replicas.length > 0) metrics.watchReplicaLag(() => this.lags());
  }

  get hasReplicas(): boolean {
    return this.replicas.length > 0;
  }

  onModuleInit(): void {
    if (!this.hasReplicas) return;
    const tick = () => {
      this.checking = this.check().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, CHECK_INTERVAL_MS);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.checking;
    await Promise.all(
      this.replicas.map((replica) => replica.source.isInitialized && replica.source.destroy()),
    );
  }

  /** Runs `work` (one request) with its own read scope: `userId` is whose writes its reads must see. */
  runInScope<T>(userId: string | undefined, work: () => T): T {
    return this.scopes.run({ userId }, work);
  }

  /** A read that may come from a replica (see the class comment). Outside transactions only. */
  async query<T = unknown>(sql: string, parameters: unknown[] = []): Promise<T> {
    if (!this.hasReplicas) return this.read(this.primary, 'primary', sql, parameters);
    const scope = this.scopes.getStore();
    const target = await (scope ? (scope.target ??= this.choose(scope.userId)) : this.choose(undefined));
    if (target.replica === null) return this.read(this.primary, 'primary', sql, parameters);
    try {
      return await this.read(target.source, 'replica', sql, parameters);
    } catch (error) {
      if (!isDatabaseUnavailable(error) && !isRecoveryConflict(error)) throw error;
      this.markDown(this.replicas[target.replica], error);
      if (scope) scope.target = Promise.resolve({ source: this.primary, replica: null });
      return this.read(this.primary, 'primary', sql, parameters);
    }
  }

  /**
   * Remembers the primary's write position after `userId` changed something, so that their next reads wait for a
   * replica that has it (or go to the primary). Kept in Redis, so every API instance honours it; if Redis cannot
   * keep it, that user's reads go to the primary until it can.
   */
  async rememberWrite(userId: string): Promise<void> {
    if (!this.hasReplicas) return;
    try {
      const [{ lsn }] = await withTimeout(
        this.primary.query<Array<{ lsn: string }>>('SELECT pg_current_wal_lsn()::text AS lsn'),
        CHECK_TIMEOUT_MS,
      );
      await withTimeout(
        this.redis.set(this.ownWriteKey(userId), lsn, 'EX', OWN_WRITE_TTL_SECONDS),
        CHECK_TIMEOUT_MS,
      );
      this.unrecorded.delete(userId);
    } catch {
      this.unrecorded.set(userId, Date.now() + OWN_WRITE_TTL_SECONDS * 1000);
    }
  }

  /** Users whose last write could not be recorded, until when: they read from the primary meanwhile. */
  private readonly unrecorded = new Map<string, number>();

  private readsPrimaryOnly(userId: string): boolean {
    const until = this.unrecorded.get(userId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.unrecorded.delete(userId);
    return false;
  }

  private async choose(userId: string | undefined): Promise<Target> {
    let ownWrite: bigint | null = null;
    if (userId) {
      if (this.readsPrimaryOnly(userId)) return { source: this.primary, replica: null };
      try {
        const lsn = await withTimeout(this.redis.get(this.ownWriteKey(userId)), CHECK_TIMEOUT_MS);
        ownWrite = lsn ? parseLsn(lsn) : null;
      } catch {
        // Without Redis nobody knows what this user wrote last: the primary has it.
        return { source: this.primary, replica: null };
      }
    }
    const fresh = freshReplicas(
      this.replicas.map((replica) => ({ replayed: replica.up ? replica.replayed : null })),
      this.primaryPositions,
      Date.now(),
      this.config.database.replicaMaxLagMs,
      ownWrite,
    );
    if (fresh.length === 0) return { source: this.primary, replica: null };
    const index = fresh[this.next++ % fresh.length];
    return { source: this.replicas[index].source, replica: index };
  }

  private async read<T>(
    source: DataSource,
    target: 'primary' | 'replica',
    sql: string,
    parameters: unknown[],
  ) {
    // Straight through the source's pg pool (the same errors as source.query), not a TypeORM query runner per read.
    const rows = (await poolQuery(source, sql, parameters)) as T;
    this.reads.inc({ target });
    return rows;
  }

  /** Samples the primary's write position, then each replica's replay position (so replicas are never overrated). */
  private async check(): Promise<void> {
    try {
      const [{ lsn }] = await withTimeout(
        this.primary.query<Array<{ lsn: string }>>('SELECT pg_current_wal_lsn()::text AS lsn'),
        CHECK_TIMEOUT_MS,
      );
      this.primaryPositions.record(Date.now(), parseLsn(lsn));
    } catch {
      // The primary is away: health reports it; the replicas are still checked.
    }
    await Promise.all(this.replicas.map((replica) => this.checkReplica(replica)));
  }

  private async checkReplica(replica: Replica): Promise<void> {
    try {
      if (!replica.source.isInitialized) await withTimeout(replica.source.initialize(), CHECK_TIMEOUT_MS * 5);
      const [{ lsn }] = await withTimeout(
        replica.source.query<Array<{ lsn: string | null }>>('SELECT pg_last_wal_replay_lsn()::text AS lsn'),
        CHECK_TIMEOUT_MS,
      );
      if (lsn === null) throw new Error('not a standby (pg_last_wal_replay_lsn() is null)');
      replica.replayed = parseLsn(lsn);
      if (!replica.up) this.logger.log({ msg: 'Replica takes reads', replica: redact(replica.url) });
      replica.up = true;
    } catch (error) {
      this.markDown(replica, error);
    }
  }

  private markDown(replica: Replica, error: unknown): void {
    if (replica.up) {
      this.logger.warn({
        msg: 'Replica takes no reads until it answers again',
        replica: redact(replica.url),
        err: error,
      });
    }
    replica.up = false;
    replica.replayed = null;
  }

  private ownWriteKey(userId: string): string {
    return `${this.config.redis.keyPrefix}own-write:${userId}`;
  }

  /** Each replica's replay lag in WAL bytes, or -1 while it is not known (the replica takes no reads then). */
  private lags(): number[] {
    const primary = this.primaryPositions.at(Date.now());
    return this.replicas.map((replica) =>
      replica.up && replica.replayed !== null && primary !== null
        ? Math.max(0, Number(primary - replica.replayed))
        : -1,
    );
  }
}

/** A standby cancels a read that holds back WAL replay (SQLSTATE 40001 there); the primary can answer it. */
function isRecoveryConflict(error: unknown): boolean {
  return (error as { driverError?: { code?: string } }).driverError?.code === '40001';
}

/** A connection URL without its password, for logs. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
