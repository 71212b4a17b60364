import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Client } from 'pg';

const run = promisify(execFile);

/** The newest PostgreSQL server installed from Debian's packages (initdb, pg_ctl, pg_basebackup live there). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(a) - Number(b)) : [];
  if (versions.length === 0)
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  return join(root, versions[versions.length - 1], 'bin');
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to (and runs as) the postgres user. */
const asRoot = userInfo().uid === 0;

async function pg(tool: string, args: string[]): Promise<string> {
  const command = join(binDir(), tool);
  const { stdout } = asRoot
    ? await run('runuser', ['-u', 'postgres', '--', command, ...args], { timeout: 120_000 })
    : await run(command, args, { timeout: 120_000 });
  return stdout;
}

function ownDirectory(label: string): string {
  const directory = mkdtempSync(join('/tmp', `hairone-${label}-`));
  if (asRoot) {
    const { uid, gid } = postgresIds();
    chownSync(directory, uid, gid);
  }
  chmodSync(directory, 0o700);
  return directory;
}

let ids: { uid: number; gid: number } | undefined;
export function postgresIds(): { uid: number; gid: number } {
  if (!ids) {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('postgres:'));
    if (!line) throw new Error('There is no postgres user to run the test cluster as');
    const [, , uid, gid] = line.split(':');
    ids = { uid: Number(uid), gid: Number(gid) };
  }
  return ids;
}

/**
 * A throw-away PostgreSQL cluster of a test's own, on its own port and directory: a primary made with initdb, or a
 * streaming replica of one made with pg_basebackup. Trust authentication on 127.0.0.1 only; fsync off (nothing
 * here needs to survive a crash of the machine).
 */
export class PostgresCluster {
  private constructor(
    readonly directory: string,
    readonly port: number,
  ) {}

  static async primary(port: number): Promise<PostgresCluster> {
    const directory = ownDirectory('pg-primary');
    await pg('initdb', [
      '-D',
      directory,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-instructions',
    ]);
    const cluster = new PostgresCluster(directory, port);
    await cluster.start([
      '-c wal_level=replica',
      '-c max_wal_senders=10',
      '-c hot_standby=on',
      // No crash safety needed; commits stay synchronous, as in production, so the primary's WAL position after a
      // commit is the end of that commit record (with asynchronous commits it runs ahead of what a standby can replay).
      '-c fsync=off',
    ]);
    return cluster;
  }

  /** A hot standby streaming from `primary`; it replays what the primary writes, normally within milliseconds. */
  static async replicaOf(primary: PostgresCluster, port: number): Promise<PostgresCluster> {
    const directory = ownDirectory('pg-replica');
    await pg('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      directory,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
    const cluster = new PostgresCluster(directory, port);
    await cluster.start(['-c hot_standby=on', '-c fsync=off']);
    return cluster;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(settings: string[] = []): Promise<void> {
    const options = [`-p ${this.port}`, '-c listen_addresses=127.0.0.1', `-k ${this.directory}`, ...settings];
    await pg('pg_ctl', [
      '-D',
      this.directory,
      '-o',
      options.join(' '),
      '-l',
      join(this.directory, 'log'),
      '-w',
      'start',
    ]);
  }

  /** A fast shutdown: open connections are cut, as when a server goes away. */
  async stop(): Promise<void> {
    await pg('pg_ctl', ['-D', this.directory, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  async query<T = Record<string, unknown>>(sql: string, database = 'postgres'): Promise<T[]> {
    const client = new Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }
}
