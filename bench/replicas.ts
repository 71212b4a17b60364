/**
 * npm run bench:replicas [-- --shops 100000 --seconds 15 --connections 50 --rounds 3]
 *
 * Read throughput with and without a streaming replica, side by side on this machine: a primary of the bench's own
 * (initdb) and a hot standby of it (pg_basebackup), the built API started once against the primary alone and once
 * with DATABASE_REPLICA_URLS, alternately, under the same wrk load of nearby searches (bench/wrk.ts). Reports requests/s and
 * latency per setup (medians over the rounds) and where the reads ran (transactions counted by each server). The
 * last line is `ratio: <with replica / primary only requests/s>`.
 *
 * Both servers share this machine's cores, so the replica adds no capacity here: what this measures is the cost of
 * the split (freshness checks, read-your-writes lookups) and that the reads leave the primary.
 */
import { Pool } from 'pg';

import { buildAppConfig } from '../src/config/app.config';
import { runMigrations } from '../src/database/migrate';
import { PostgresCluster } from '../test/support/postgres-cluster';
import {
  argument,
  benchEnv,
  freePort,
  median,
  nearbySearchPaths,
  printTable,
  seedShops,
  startApi,
} from './support';
import { wrk } from './wrk';

const SHOPS = argument('shops', 100_000);
const SECONDS = argument('seconds', 15);
const CONNECTIONS = argument('connections', 50);
const ROUNDS = argument('rounds', 3);
const DATABASE = 'hairone_bench_replicas';

type Setup = 'primary only' | 'primary + replica';

interface Round {
  setup: Setup;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  primaryTransactions: number;
  replicaTransactions: number;
}

const searchRequests = nearbySearchPaths().map((path) => ({ path }));

async function transactions(cluster: PostgresCluster): Promise<number> {
  const [row] = await cluster.query<{ n: string }>(
    `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = '${DATABASE}'`,
  );
  return Number(row?.n ?? 0);
}

async function measure(setup: Setup, primary: PostgresCluster, replica: PostgresCluster): Promise<Round> {
  const extra: Record<string, string> =
    setup === 'primary + replica' ? { DATABASE_REPLICA_URLS: replica.url(DATABASE) } : {};
  const api = await startApi(benchEnv(primary.url(DATABASE), extra));
  try {
    const load = (duration: number) =>
      wrk(api.url, { requests: searchRequests, connections: CONNECTIONS, seconds: duration });
    await load(3); // warm-up: connections, caches, the replica's first freshness checks
    const before = [await transactions(primary), await transactions(replica)];
    const result = await load(SECONDS);
    const after = [await transactions(primary), await transactions(replica)];
    return {
      setup,
      requestsPerSecond: result.rps,
      p50: result.p50,
      p99: result.p99,
      errors: result.socketErrors + result.non2xx,
      primaryTransactions: after[0] - before[0],
      replicaTransactions: after[1] - before[1],
    };
  } finally {
    await api.stop();
  }
}

async function main(): Promise<void> {
  console.log('Starting a primary (initdb) of the bench’s own...');
  const primary = await PostgresCluster.primary(await freePort());
  let replica: PostgresCluster | undefined;
  try {
    await primary.query(`CREATE DATABASE ${DATABASE}`);
    const databaseUrl = primary.url(DATABASE);
    await runMigrations(buildAppConfig(benchEnv(databaseUrl)));
    const pool = new Pool({ connectionString: databaseUrl, max: 1 });
    await seedShops(pool, SHOPS);
    await pool.end();
    console.log('Making a hot standby with pg_basebackup...');
    replica = await PostgresCluster.replicaOf(primary, await freePort());

    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const setup of ['primary only', 'primary + replica'] as const) {
        process.stdout.write(`Round ${round}: ${setup}, ${CONNECTIONS} connections for ${SECONDS} s\n`);
        rounds.push(await measure(setup, primary, replica));
      }
    }

    const summary = (setup: Setup) => {
      const of = rounds.filter((round) => round.setup === setup);
      const reads = of.reduce((sum, round) => sum + round.primaryTransactions + round.replicaTransactions, 0);
      return {
        setup,
        'requests/s (median)': median(of.map((round) => round.requestsPerSecond)).toFixed(0),
        'p50 ms': median(of.map((round) => round.p50)).toFixed(1),
        'p99 ms': median(of.map((round) => round.p99)).toFixed(1),
        errors: of.reduce((sum, round) => sum + round.errors, 0),
        'transactions on primary': `${((100 * of.reduce((sum, round) => sum + round.primaryTransactions, 0)) / reads).toFixed(1)} %`,
        'transactions on replica': `${((100 * of.reduce((sum, round) => sum + round.replicaTransactions, 0)) / reads).toFixed(1)} %`,
      };
    };
    console.log(`\nNearby search over HTTP, ${SHOPS} shops, ${ROUNDS} rounds of each setup, alternating`);
    printTable([summary('primary only'), summary('primary + replica')]);
    printTable(
      rounds.map((round) => ({
        setup: round.setup,
        'requests/s': round.requestsPerSecond.toFixed(0),
        'p99 ms': round.p99.toFixed(1),
        'primary xacts': round.primaryTransactions,
        'replica xacts': round.replicaTransactions,
      })),
    );
    const ratio =
      median(
        rounds.filter((round) => round.setup === 'primary + replica').map((round) => round.requestsPerSecond),
      ) /
      median(
        rounds.filter((round) => round.setup === 'primary only').map((round) => round.requestsPerSecond),
      );
    console.log(`ratio: ${ratio.toFixed(2)}`);
  } finally {
    await replica?.destroy();
    await primary.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
