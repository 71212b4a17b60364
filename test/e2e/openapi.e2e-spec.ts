import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import type { OpenAPIObject } from '@nestjs/swagger';
import * as ts from 'typescript';

import { createTestApp, TestApp } from '../support/test-app';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

type Operation = {
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { description: string; headers?: Record<string, unknown> }>;
  security?: unknown[];
  'x-rate-limit'?: string;
};

const operationsOf = (document: OpenAPIObject): Array<[string, Operation]> =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(
      ([method, operation]) => [`${method} ${path}`, operation] as [string, Operation],
    ),
  );

/**
 * The OpenAPI document the real app serves is what clients generate code from: it must pass Redocly's
 * recommended rules and Spectral's OWASP ruleset (.spectral.yaml, whose exceptions are each justified there), and a
 * TypeScript client generated from it must type-check a whole booking flow. Both linters run from node_modules and
 * fetch nothing.
 */
describe('The OpenAPI document (e2e)', () => {
  let t: TestApp;
  let document: OpenAPIObject;
  let dir: string;
  let documentFile: string;

  beforeAll(async () => {
    t = await createTestApp();
    document = (await t.http.get('/docs-json').expect(200)).body as OpenAPIObject;
    dir = await mkdtemp(join(tmpdir(), 'hairone-openapi-'));
    documentFile = join(dir, 'openapi.json');
    await writeFile(documentFile, JSON.stringify(document, null, 2));
  });

  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('says what the API does', () => {
    it.each(['post /api/v1/bookings', 'post /api/v1/bookings/{id}/reschedule'])(
      '%s declares Idempotency-Key once, optional',
      (key) => {
        const operation = new Map(operationsOf(document)).get(key);
        const headers = (operation?.parameters ?? []).filter((parameter) => parameter.in === 'header');
        expect(headers).toEqual([expect.objectContaining({ name: 'Idempotency-Key', required: false })]);
      },
    );

    it('declares no parameter twice, whatever its case', () => {
      for (const [key, operation] of operationsOf(document)) {
        const names = (operation.parameters ?? []).map(
          (parameter) => `${parameter.in}:${parameter.name.toLowerCase()}`,
        );
        expect({ key, names: [...new Set(names)] }).toEqual({ key, names });
      }
    });

    it('documents the 503 answers: DATABASE_UNAVAILABLE everywhere, the payment ones where they happen', () => {
      for (const [key, operation] of operationsOf(document)) {
        const expected = key === 'get /health' ? 'UNHEALTHY' : 'DATABASE_UNAVAILABLE';
        expect({ key, description: operation.responses['503']?.description }).toEqual({
          key,
          description: expect.stringContaining(expected),
        });
        expect(operation.responses['500']).toBeDefined();
      }
      const create = new Map(operationsOf(document)).get('post /api/v1/bookings');
      expect(create?.responses['503'].description).toContain('ONLINE_PAYMENTS_DISABLED');
      expect(create?.responses['503'].description).toContain('PAYMENT_PROVIDER_UNAVAILABLE');
    });

    it('documents the rate limit of every limited route: its group, 429 with Retry-After, and the headers', () => {
      const unlimited = operationsOf(document)
        .filter(([, operation]) => operation['x-rate-limit'] === 'none')
        .map(([key]) => key);
      expect(unlimited.sort()).toEqual([
        'get /health',
        'get /metrics',
        'post /api/v1/payments/webhooks/razorpay',
      ]);
      for (const [key, operation] of operationsOf(document)) {
        if (operation['x-rate-limit'] === 'none') continue;
        expect({ key, headers: Object.keys(operation.responses['429']?.headers ?? {}) }).toEqual({
          key,
          headers: expect.arrayContaining(['Retry-After', 'X-RateLimit-Limit']),
        });
      }
      expect(new Map(operationsOf(document)).get('post /api/v1/auth/login')?.['x-rate-limit']).toBe('auth');
    });

    it('sends the documented rate-limit headers, without a group suffix', async () => {
      const response = await t.http
        .post('/api/v1/auth/login')
        .send({ email: 'nobody@example.test', password: 'x' });
      expect(response.status).toBe(401);
      expect(Number(response.headers['x-ratelimit-limit'])).toBeGreaterThan(0);
      expect(response.headers['x-ratelimit-remaining']).toBeDefined();
      expect(response.headers['x-ratelimit-reset']).toBeDefined();
      expect(Object.keys(response.headers).filter((name) => /ratelimit.*-auth$/.test(name))).toEqual([]);
    });

    it('marks public routes with an explicit empty security, and /metrics with its own scheme', () => {
      const operations = new Map(operationsOf(document));
      expect(operations.get('post /api/v1/auth/login')?.security).toEqual([]);
      expect(operations.get('get /metrics')?.security).toEqual([{ metrics: [] }]);
      expect(operations.get('post /api/v1/payments/webhooks/razorpay')?.security).toEqual([
        { 'razorpay-signature': [] },
      ]);
    });
  });

  it("passes Redocly's recommended rules with no error", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'),
        'lint',
        documentFile,
        '--config',
        join(ROOT, 'redocly.yaml'),
        '--format',
        'json',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: Array<{
        ruleId: string;
        severity: string;
        message: string;
        location: Array<{ pointer: string }>;
      }>;
    };
    const errors = report.problems
      .filter((problem) => problem.severity === 'error')
      .map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer}: ${problem.message}`);
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it("passes Spectral's OWASP ruleset with no error beyond the justified exceptions of .spectral.yaml", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/@stoplight/spectral-cli/dist/index.js'),
        'lint',
        documentFile,
        '--ruleset',
        join(ROOT, '.spectral.yaml'),
        '--format',
        'json',
        '--quiet',
      ],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const results = JSON.parse(stdout) as Array<{
      code: string;
      severity: number;
      path: string[];
      message: string;
    }>;
    const errors = results
      .filter((result) => result.severity === 0)
      .map((result) => `${result.code} ${result.path.join('.')}: ${result.message}`);
    expect(errors).toEqual([]);
  });

  describe('a TypeScript client generated from it', () => {
    /** Generates types with openapi-typescript and type-checks FLOW against them; the compiler's complaints. */
    async function typeCheckFlow(served: OpenAPIObject, name: string): Promise<string[]> {
      const flowDir = join(dir, name);
      await mkdir(flowDir, { recursive: true });
      await writeFile(join(flowDir, 'openapi.json'), JSON.stringify(served));
      // openapi-typescript is ESM inside, so its CLI rather than an import; run where no redocly.yaml is. Its
      // --default-non-nullable (on by default) would make request properties with a server-side default, such as
      // register's role, required; README's "Generated clients" says to switch it off.
      await run(
        process.execPath,
        [
          join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
          'openapi.json',
          '--output',
          'api.d.ts',
          '--default-non-nullable',
          'false',
        ],
        { cwd: flowDir, env: { ...process.env, REDOCLY_TELEMETRY: 'off' } },
      );
      await writeFile(join(flowDir, 'flow.ts'), FLOW);
      const program = ts.createProgram([join(flowDir, 'flow.ts')], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
        types: [],
        skipLibCheck: true,
        baseUrl: ROOT,
        paths: { 'openapi-fetch': [join(ROOT, 'node_modules/openapi-fetch/dist/index.d.mts')] },
      });
      return ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    }

    const copy = (served: OpenAPIObject): OpenAPIObject =>
      JSON.parse(JSON.stringify(served)) as OpenAPIObject;

    it('type-checks register, login, find a shop, slots, book (with and without Idempotency-Key), reschedule, cancel', async () => {
      expect(await typeCheckFlow(document, 'served')).toEqual([]);
    }, 60_000);

    it('would not, were Idempotency-Key required again', async () => {
      const changed = copy(document);
      const create = (changed.paths['/api/v1/bookings'] as { post: Operation }).post;
      create.parameters = create.parameters?.map((parameter) =>
        parameter.name === 'Idempotency-Key' ? { ...parameter, required: true } : parameter,
      );
      // The booking made without the header no longer compiles.
      expect((await typeCheckFlow(changed, 'header-required')).join('\n')).toMatch(
        /Property 'params' is missing[\s\S]*"Idempotency-Key": string/,
      );
    }, 60_000);

    it('would not, had a booking lost its id', async () => {
      const changed = copy(document);
      const booking = changed.components?.schemas?.BookingDto as {
        properties: Record<string, unknown>;
        required: string[];
      };
      delete booking.properties.id;
      booking.required = booking.required.filter((property) => property !== 'id');
      expect((await typeCheckFlow(changed, 'no-id')).join('\n')).toMatch(/Property 'id' does not exist/);
    }, 60_000);
  });
});

/** A customer's booking flow, written against the generated types with openapi-fetch; only type-checked. */
const FLOW = `
import createClient from 'openapi-fetch';
import type { components, paths } from './api';

type Booking = components['schemas']['BookingDto'];

export async function bookingFlow(baseUrl: string, email: string): Promise<Booking> {
  const api = createClient<paths>({ baseUrl });
  const password = 'correct horse battery';

  const registered = await api.POST('/api/v1/auth/register', { body: { name: 'Asha Rao', email, password } });
  if (!registered.data) throw new Error(registered.error?.code);
  const login = await api.POST('/api/v1/auth/login', { body: { email, password } });
  if (!login.data) throw new Error(login.error?.message);
  const headers = { Authorization: \`Bearer \${login.data.accessToken}\` };
  const customerId: string = login.data.user.id;

  const shops = await api.GET('/api/v1/shops', { params: { query: { lat: 12.9716, lng: 77.5946, radiusKm: 5 } } });
  const shop = shops.data?.items[0];
  if (!shop) throw new Error('No shop nearby');
  const distance: number = shop.distanceMeters;
  const services = await api.GET('/api/v1/shops/{id}/services', { params: { path: { id: shop.id } } });
  const service = services.data?.items[0];
  if (!service) throw new Error('No service');

  const slots = await api.GET('/api/v1/shops/{id}/slots', {
    params: { path: { id: shop.id }, query: { date: '2026-11-26', serviceId: service.id } },
  });
  const [first, second] = slots.data?.slots ?? [];
  if (!first || !second) throw new Error('No free slots');

  const order = { shopId: shop.id, serviceId: service.id, startsAt: first.startsAt, paymentMethod: 'PAY_AT_SHOP' as const };
  // Without an Idempotency-Key: the header is optional.
  const booked = await api.POST('/api/v1/bookings', { headers, body: order });
  if (!booked.data) throw new Error(booked.error?.code);
  const bookingId: string = booked.data.id;
  // With one, a retry gets the same booking.
  const retried = await api.POST('/api/v1/bookings', {
    headers,
    params: { header: { 'Idempotency-Key': 'flow-' + customerId } },
    body: order,
  });
  const sameId: string | undefined = retried.data?.id;
  // @ts-expect-error paymentMethod is one of the documented methods
  await api.POST('/api/v1/bookings', { headers, body: { ...order, paymentMethod: 'CASH' } });

  const moved = await api.POST('/api/v1/bookings/{id}/reschedule', {
    headers,
    params: { path: { id: bookingId } },
    body: { startsAt: second.startsAt },
  });
  if (!moved.data) throw new Error(moved.error?.code);
  const rescheduleCount: number = moved.data.rescheduleCount;

  const cancelled = await api.POST('/api/v1/bookings/{id}/cancel', {
    headers,
    params: { path: { id: moved.data.id } },
    body: { reason: 'Plans changed' },
  });
  if (!cancelled.data) throw new Error(cancelled.error?.code);
  const status: Booking['status'] = cancelled.data.status;
  void [distance, sameId, rescheduleCount, status];
  return cancelled.data;
}
`;
