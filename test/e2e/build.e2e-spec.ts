import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';

import * as ts from 'typescript';

import { freePort } from '../support/ports';
import { Spawned, waitForOutput } from '../support/processes';
import { testEnv } from '../support/test-env';

const ROOT = resolve(__dirname, '../..');
const DIST = join(ROOT, 'dist');
const STAND_IN = join(ROOT, 'dist-dev/dev/razorpay-stand-in/main.js');

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('The production build leaves the dev tools out', () => {
  it('tsconfig.build.json compiles nothing under dev/', () => {
    const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), undefined, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    });
    const files = parsed?.fileNames.map((file) => relative(ROOT, file)) ?? [];
    expect(files).toContain(join('src', 'main.ts'));
    expect(files.filter((file) => file.startsWith(`dev${sep}`) || file.includes('stand-in'))).toEqual([]);
  });

  // What the image gets: its runtime stage copies dist/ only. This also catches src/ importing from dev/.
  it('dist/ holds no file of the Razorpay stand-in and nothing that loads it', () => {
    if (!existsSync(join(DIST, 'src/main.js'))) {
      throw new Error('dist/src/main.js is missing: run "npm run build" first (npm test does it for you)');
    }
    const files = filesUnder(DIST).map((file) => relative(DIST, file));
    expect(files.filter((file) => /stand-in|^dev\b/.test(file))).toEqual([]);
    // Compiler bookkeeping is never loaded, and npm test's type-check (tsconfig.json, with dev/) writes one here.
    const loading = files.filter(
      (file) =>
        !file.endsWith('.tsbuildinfo') &&
        /razorpay-stand-in|RazorpayStandIn/.test(readFileSync(join(DIST, file), 'utf8')),
    );
    expect(loading).toEqual([]);
  });
});

describe('The Razorpay stand-in built as a dev tool (npm start runs it from dist-dev/)', () => {
  const keyId = 'rzp_test_dev_tools';
  const keySecret = randomBytes(16).toString('hex');
  const auth = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;
  let url: string;
  let standIn: Spawned | undefined;

  function run(env: Record<string, string | undefined>): Spawned {
    // From an empty directory so that no developer's .env file can leak in.
    const child = spawn(process.execPath, [STAND_IN], {
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

  function env(overrides: Record<string, string> = {}): Record<string, string | undefined> {
    return testEnv({
      RAZORPAY_API_BASE_URL: url,
      RAZORPAY_KEY_ID: keyId,
      RAZORPAY_KEY_SECRET: keySecret,
      RAZORPAY_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
      ...overrides,
    });
  }

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async function paidPayment(): Promise<string> {
    const order = await post('/v1/orders', { amount: 50_000, currency: 'INR' });
    return (await post(`/_stand-in/orders/${order.body.id}/pay`, { deliver: false })).body.paymentId;
  }

  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build:dev-tools'], { cwd: ROOT, stdio: 'pipe' });
    url = `http://127.0.0.1:${await freePort()}`;
    // Webhooks go to the API's port: one nothing listens on, so they reach no other API on this machine.
    standIn = run(env({ PORT: String(await freePort()) }));
    await waitForOutput(standIn, /Razorpay stand-in listening/);
  }, 60_000);

  afterAll(async () => {
    standIn?.child.kill('SIGTERM');
    await standIn?.exited;
  });

  it('refuses to start in production', async () => {
    const production = run(
      env({
        NODE_ENV: 'production',
        RAZORPAY_API_BASE_URL: 'https://127.0.0.1:1',
        METRICS_TOKEN: randomBytes(32).toString('base64url'),
      }),
    );
    expect((await production.exited).code).toBe(1);
    expect(production.output()).toContain('razorpay-stand-in refused to start: NODE_ENV is production');
  });

  it('answers the Razorpay API with its keys only', async () => {
    const response = await fetch(`${url}/v1/orders/order_missing`, {
      headers: { authorization: 'Basic eDp5' },
    });
    expect(response.status).toBe(401);
  });

  it('replays a refund for the same X-Refund-Idempotency key and body, per payment', async () => {
    const paymentId = await paidPayment();
    const refund = (key: string, body: unknown, payment = paymentId) =>
      post(`/v1/payments/${payment}/refund`, body, { 'x-refund-idempotency': key });

    expect(await refund('short', { amount: 100 })).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST_ERROR', description: 'Invalid idempotency key' } },
    });
    const first = await refund('refund-key-1', { amount: 100 });
    expect(first.status).toBe(200);
    const again = await refund('refund-key-1', { amount: 100 });
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, amount: 100 } });
    expect(await refund('refund-key-1', { amount: 200 })).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'BAD_REQUEST_ERROR',
          description: 'Different request with the same idempotency key has already been processed.',
        },
      },
    });
    const otherPayment = await refund('refund-key-1', { amount: 100 }, await paidPayment());
    expect(otherPayment.status).toBe(200);
    expect(otherPayment.body.id).not.toBe(first.body.id);
  });

  it('replays a transfer for the same X-Transfer-Idempotency key and body', async () => {
    const body = { account: 'acc_AbCdEfGhIjKlMn', amount: 10_000, currency: 'INR' };
    const transfer = (key: string, payload: unknown) =>
      post('/v1/transfers', payload, { 'x-transfer-idempotency': key });

    expect(await transfer('abc', body)).toMatchObject({
      status: 400,
      body: { error: { description: 'Invalid idempotency key' } },
    });
    // Refused for its content: the key is not used up.
    expect((await transfer('payout 1', { ...body, amount: 1 })).status).toBe(400);
    const first = await transfer('payout 1', body);
    expect(first).toMatchObject({ status: 200, body: { entity: 'transfer', amount: 10_000 } });
    expect(await transfer('payout 1', body)).toMatchObject({ status: 200, body: { id: first.body.id } });
    expect(await transfer('payout 1', { ...body, amount: 20_000 })).toMatchObject({
      status: 400,
      body: {
        error: { description: 'Different request with the same idempotency key has already been processed.' },
      },
    });
  });
});
