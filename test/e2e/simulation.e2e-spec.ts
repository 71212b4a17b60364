import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as fc from 'fast-check';

import { drain } from '../support/simulation/checks';
import { allCommands, firstBookings } from '../support/simulation/commands';
import { newModel } from '../support/simulation/model';
import { World } from '../support/simulation/world';

/**
 * Issue 21: random histories of operations under injected faults against the real API, worker, PostgreSQL, Redis,
 * Bull and Razorpay stand-in, with every invariant checked after every step (test/support/simulation). A failure
 * prints the seed, the path and the shrunk sequence; `npm run test:simulation -- --seed S --path P` replays it.
 *
 * `npm test` runs a bounded number of sequences; `npm run test:simulation -- --runs N` soaks (scripts/simulation.sh).
 */
const env = process.env;
const runs = Number(env.SIM_RUNS ?? 6);
const maxCommands = Number(env.SIM_MAX_COMMANDS ?? 25);
const seed = env.SIM_SEED !== undefined ? Number(env.SIM_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const path = env.SIM_PATH;
const replayPath = env.SIM_REPLAY_PATH;
// A cap on the whole property, shrinking included; the sequences themselves are counted, not timed.
const timeLimitMs = Number(env.SIM_TIME_LIMIT_SECONDS ?? 600) * 1000;

describe('Simulation: random operation sequences under faults, every invariant after every step', () => {
  const world = new World();

  beforeAll(() => world.start(), 120_000);
  afterAll(() => world.stop(), 60_000);

  it(
    `keeps every invariant over ${runs} random sequences of up to ${maxCommands} steps (seed ${seed})`,
    async () => {
      const stats = { seed, runs, maxCommands, sequences: 0, steps: 0, workerStarts: 0, durationMs: 0 };
      const started = Date.now();
      process.stdout.write(`simulation: seed ${seed}, ${runs} sequences of up to ${maxCommands} steps\n`);
      const property = fc.asyncProperty(
        fc.commands(allCommands(), { maxCommands, replayPath, size: 'max' }),
        async (commands) => {
          stats.sequences += 1;
          await world.restoreAll();
          await world.startWorker();
          const model = await newModel(world);
          await firstBookings(model, world);
          const first = world.step;
          try {
            await fc.asyncModelRun(() => ({ model, real: world }), commands);
            await drain(world, model);
          } catch (error) {
            const calls = world.calls
              .slice(-25)
              .map(
                (call) =>
                  `  step ${call.step} ${call.method.toUpperCase()} ${call.path} -> ${call.status} ${call.code ?? ''} ${call.during}`,
              )
              .join('\n');
            (error as Error).message +=
              `\n\nsteps run:\n${model.log.map((line, i) => `  ${i + 1}. ${line}`).join('\n')}\n\nlast answers:\n${calls}`;
            throw error;
          } finally {
            stats.steps += world.step - first;
            await world.restoreAll().catch(() => undefined);
          }
        },
      );
      try {
        await fc.assert(property, {
          numRuns: runs,
          seed,
          path,
          interruptAfterTimeLimit: timeLimitMs,
          markInterruptAsFailure: false,
          verbose: 1,
        });
      } catch (error) {
        (error as Error).message +=
          `\n\nReplay: npm run test:simulation -- --seed ${seed} --path <path above>` +
          ' (add --replay-path <replayPath> from the counterexample to replay its commands exactly)';
        throw error;
      } finally {
        stats.durationMs = Date.now() - started;
        stats.workerStarts = world.workerStarts;
        const summary = JSON.stringify(stats);
        process.stdout.write(`simulation: ${summary}\n`);
        const dir = join(__dirname, '../../.test-results');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'simulation.json'), summary);
      }
    },
    timeLimitMs + 180_000,
  );
});
