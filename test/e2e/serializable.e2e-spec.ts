import { DataSource } from 'typeorm';

import { isDatabaseUnavailable } from '../../src/common/database/pg-errors';
import { inSerializableTransaction } from '../../src/common/database/serializable';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * Found by the simulation (issue 21): PostgreSQL cut in the middle of a SERIALIZABLE transaction made its ROLLBACK
 * fail on the query runner TypeORM had already released, and that error (not the connection's) reached the client
 * as a 500 instead of the 503 DATABASE_UNAVAILABLE of an outage.
 */
describe('A SERIALIZABLE transaction whose connection is cut half way (real PostgreSQL through a proxy)', () => {
  const url = new URL(process.env.DATABASE_URL as string);
  const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
  let dataSource: DataSource;

  beforeAll(async () => {
    await proxy.start();
    dataSource = new DataSource({ type: 'postgres', url: proxy.url(url.toString()), poolSize: 2 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await proxy.start();
    await dataSource?.destroy();
    await proxy.stop();
  });

  it('fails with the connection error, which the API answers as 503, and the pool recovers', async () => {
    const failure = await inSerializableTransaction(
      dataSource,
      async (manager) => {
        await manager.query('SELECT 1');
        await proxy.stop();
        await manager.query('SELECT 2');
      },
      { attempts: 3 },
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).not.toBe('QueryRunnerAlreadyReleasedError');
    expect(isDatabaseUnavailable(failure)).toBe(true);

    await proxy.start();
    const [row] = await inSerializableTransaction(dataSource, (manager) => manager.query('SELECT 3 AS n'), {
      attempts: 3,
    });
    expect(row).toEqual({ n: 3 });
  });
});
