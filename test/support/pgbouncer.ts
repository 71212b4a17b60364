import { ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import { postgresIds } from './postgres-cluster';

const PGBOUNCER = '/usr/sbin/pgbouncer';

/**
 * Debian's PgBouncer (`apt-get install pgbouncer`; `npm test` installs it when missing) in transaction pooling mode,
 * in front of one PostgreSQL server, on a port of the test's own. Every client transaction may run on another server
 * connection, so nothing may rely on session state. It refuses to run as root: as root it runs as postgres.
 */
export class PgBouncer {
  private process?: ChildProcess;
  private readonly directory = mkdtempSync('/tmp/hairone-pgbouncer-');

  constructor(
    readonly port: number,
    private readonly server: { host: string; port: number },
  ) {}

  static available(): boolean {
    return existsSync(PGBOUNCER);
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const config = join(this.directory, 'pgbouncer.ini');
    writeFileSync(join(this.directory, 'userlist.txt'), '"postgres" ""\n');
    writeFileSync(
      config,
      [
        '[databases]',
        `* = host=${this.server.host} port=${this.server.port}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${this.port}`,
        `unix_socket_dir = ${this.directory}`,
        'auth_type = trust',
        `auth_file = ${join(this.directory, 'userlist.txt')}`,
        'pool_mode = transaction',
        'admin_users = postgres',
        // Fewer server connections than the app's pool: clients must share them, transaction by transaction.
        'default_pool_size = 4',
        'max_client_conn = 500',
        `logfile = ${join(this.directory, 'pgbouncer.log')}`,
        '',
      ].join('\n'),
    );
    if (userInfo().uid === 0) {
      const { uid, gid } = postgresIds();
      for (const file of ['', 'pgbouncer.ini', 'userlist.txt'])
        chownSync(join(this.directory, file), uid, gid);
    }
    const command =
      userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', PGBOUNCER, config]] : [PGBOUNCER, [config]];
    this.process = spawn(command[0] as string, command[1] as string[], { stdio: 'ignore' });
    await this.listening();
  }

  /** A command on PgBouncer's admin console (SHOW STATS, SHOW POOLS, ...). */
  async admin<T>(command: string): Promise<T[]> {
    const client = new Client({ connectionString: this.url('pgbouncer') });
    await client.connect();
    try {
      return (await client.query(command)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child && child.exitCode === null) {
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
    }
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async listening(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = createConnection(this.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`PgBouncer did not listen on port ${this.port}`);
  }
}
