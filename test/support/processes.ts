import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const DIST = resolve(__dirname, '../../dist/src');

export type Entry = 'main' | 'worker';

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a built entry point as a real process with exactly `env` (plus PATH), from an empty directory so that
 * no developer's .env file can leak in.
 */
export function spawnEntry(entry: Entry, env: Record<string, string | undefined>): Spawned {
  const script = join(DIST, `${entry}.js`);
  if (!existsSync(script)) {
    throw new Error(`${script} is missing: run "npm run build" first (npm test does it for you)`);
  }
  const child = spawn(process.execPath, [script], {
    cwd: mkdtempSync(join(tmpdir(), 'hairone-')),
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  return { child, output: () => output, exited };
}

export async function waitForOutput(spawned: Spawned, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(spawned.output())) {
    if (spawned.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`Did not see ${pattern} in the output:\n${spawned.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
