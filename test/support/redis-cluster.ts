import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import Redis, { Cluster } from 'ioredis';

import { freePort } from './ports';

const run = promisify(execFile);

/**
 * A throw-away Redis Cluster of three masters on free ports (redis-server in cluster mode, joined with
 * `redis-cli --cluster create`), keeping nothing on disk.
 */
export class LocalRedisCluster {
  private readonly directory = mkdtempSync('/tmp/hairone-redis-cluster-');
  private readonly nodes: ChildProcess[] = [];
  ports: number[] = [];

  async start(masters = 3): Promise<this> {
    this.ports = await Promise.all(Array.from({ length: masters }, () => freePort()));
    for (const port of this.ports) {
      this.nodes.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(this.directory, `nodes-${port}.conf`),
            '--dir',
            this.directory,
            '--save',
            '',
            '--appendonly',
            'no',
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const port of this.ports) await this.waitFor(() => this.ping(port));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...this.ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await this.waitFor(async () =>
      (await Promise.all(this.ports.map((port) => this.info(port)))).every((info) =>
        info.includes('cluster_state:ok'),
      ),
    );
    return this;
  }

  client(): Cluster {
    return new Redis.Cluster([{ host: '127.0.0.1', port: this.ports[0] }], {
      redisOptions: { maxRetriesPerRequest: null, enableReadyCheck: false },
    });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(
        (node) =>
          new Promise<void>((resolve) => {
            if (node.exitCode !== null) return resolve();
            node.once('exit', () => resolve());
            node.kill('SIGTERM');
          }),
      ),
    );
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async ping(port: number): Promise<boolean> {
    return (
      await run('redis-cli', ['-p', String(port), 'ping']).catch(() => ({ stdout: '' }))
    ).stdout.includes('PONG');
  }

  private async info(port: number): Promise<string> {
    return (await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).stdout;
  }

  private async waitFor(check: () => Promise<boolean>): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('The Redis Cluster did not come up');
  }
}
