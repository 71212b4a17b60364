import { freePort } from '../support/ports';
import { Entry, spawnEntry, waitForOutput } from '../support/processes';
import { testEnv } from '../support/test-env';

describe('Start-up refuses an insecure or incomplete configuration (real processes)', () => {
  const refusals: Array<[string, Record<string, string | undefined>, string]> = [
    ['JWT_SECRET is missing', { JWT_SECRET: undefined }, 'JWT_SECRET'],
    ['JWT_SECRET is shorter than 32 characters', { JWT_SECRET: 'Kx8#pQ2!vL9$wR4^' }, 'JWT_SECRET'],
    ['JWT_SECRET is "secret"', { JWT_SECRET: 'secret' }, 'JWT_SECRET'],
    ['JWT_SECRET is "changeme" repeated', { JWT_SECRET: 'changemechangemechangemechangeme' }, 'JWT_SECRET'],
    ['DATABASE_URL is missing', { DATABASE_URL: undefined }, 'DATABASE_URL'],
    ['REDIS_URL is missing', { REDIS_URL: undefined }, 'REDIS_URL'],
    ['REDIS_URL is not a Redis URL', { REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
  ];
  const entries: Entry[] = ['main', 'worker'];
  const cases = entries.flatMap((entry) =>
    refusals.map(([label, patch, variable]) => [entry, label, patch, variable] as const),
  );

  it.each(cases)('%s exits non-zero when %s', async (entry, _label, patch, variable) => {
    const spawned = spawnEntry(entry, testEnv({ LOG_LEVEL: 'info', ...patch }));
    const { code } = await spawned.exited;
    expect(code).toBe(1);
    expect(spawned.output()).toContain(variable);
    expect(spawned.output()).toMatch(/refused to start/);
  });
});

describe('Processes start, report health and shut down gracefully on SIGTERM (real processes)', () => {
  it('the API serves /health and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    // A high bcrypt cost makes a login take a few hundred milliseconds: long enough to be in flight at SIGTERM.
    const api = spawnEntry(
      'main',
      testEnv({ LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1', BCRYPT_COST: '13' }),
    );
    try {
      await waitForOutput(api, /HairOne API listening/);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      // A request in flight when the signal arrives still gets its answer.
      const inFlight = fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@example.test', password: 'whatever password' }),
      });
      await waitForOutput(api, /incoming request.*auth\/login|auth\/login.*incoming request/);
      api.child.kill('SIGTERM');
      const answered = await inFlight.catch((error) => {
        console.log(api.output());
        throw error;
      });
      expect(answered.status).toBe(401);
      expect(await api.exited).toEqual({ code: 0, signal: null });
      expect(api.output()).toContain('shutdown complete');
    } finally {
      api.child.kill('SIGKILL');
    }
  });

  it('the worker logs the health of its dependencies and exits 0 on SIGTERM', async () => {
    // Its own Bull prefix, so it takes no other suite's jobs and leaves no schedules behind for them.
    const worker = spawnEntry(
      'worker',
      testEnv({ LOG_LEVEL: 'info', REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}startup:` }),
    );
    try {
      await waitForOutput(worker, /worker healthy/);
      expect(worker.output()).toMatch(/"database":\{"status":"up"\}/);
      expect(worker.output()).toMatch(/"redis":\{"status":"up"\}/);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toEqual({ code: 0, signal: null });
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
