import { randomUUID } from 'node:crypto';

import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { createTestApp, TestApp } from '../support/test-app';

type Role = 'customer' | 'shop_owner' | 'admin';

interface Operation {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  roles: Role[] | undefined;
}

/**
 * Function-level authorization over every operation the API documents (OWASP API5): read from the OpenAPI
 * document, so a new route is covered the day it is added. A route without `x-roles` must be deliberately public;
 * a protected one refuses a missing or invalid token with 401 and every role it does not list with 403.
 */
describe('Function-level authorization of every documented route (e2e)', () => {
  let t: TestApp;
  let operations: Operation[];
  const tokens: Partial<Record<Role, GivenUser>> = {};

  /** The routes that are public on purpose; anything else without roles is a defect. */
  const PUBLIC = new Set([
    'post /api/v1/auth/register',
    'post /api/v1/auth/login',
    'post /api/v1/auth/refresh',
    'get /api/v1/shops',
    'get /api/v1/shops/{id}',
    'get /api/v1/shops/{id}/services',
    'get /api/v1/shops/{id}/staff',
    'get /api/v1/shops/{id}/slots',
    'get /api/v1/shops/{id}/date-overrides',
    'get /api/v1/shops/{id}/reviews',
    'post /api/v1/payments/webhooks/razorpay',
    'get /health',
    'get /metrics',
  ]);

  beforeAll(async () => {
    t = await createTestApp();
    tokens.admin = await givenAdmin(t);
    tokens.shop_owner = await givenUser(t.http, 'shop_owner');
    tokens.customer = await givenUser(t.http, 'customer');
    const document = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { 'x-roles'?: Role[] }>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method as Operation['method'],
        path,
        roles: operation['x-roles'],
      })),
    );
  });

  afterAll(async () => {
    await t.close();
  });

  const call = (operation: Operation, token?: string) => {
    const url = operation.path.replace(/\{[^}]+\}/g, randomUUID());
    const request = t.http[operation.method](url);
    if (token) request.set('Authorization', `Bearer ${token}`);
    return operation.method === 'get' ? request : request.send({});
  };

  it('documents a good number of operations, and every one is either protected or public on purpose', () => {
    expect(operations.length).toBeGreaterThan(30);
    const unprotected = operations
      .filter((operation) => !operation.roles)
      .map((operation) => `${operation.method} ${operation.path}`)
      .filter((key) => !PUBLIC.has(key));
    expect(unprotected).toEqual([]);
  });

  it('refuses every protected operation without a token, or with a forged one, with 401', async () => {
    for (const operation of operations.filter((candidate) => candidate.roles)) {
      const anonymous = await call(operation);
      expect({ route: `${operation.method} ${operation.path}`, status: anonymous.status }).toEqual({
        route: `${operation.method} ${operation.path}`,
        status: 401,
      });
      const forged = await call(operation, `${tokens.admin?.accessToken.slice(0, -4)}AAAA`);
      expect({ route: `${operation.method} ${operation.path}`, status: forged.status }).toEqual({
        route: `${operation.method} ${operation.path}`,
        status: 401,
      });
    }
  });

  it("never answers with password hashes, token hashes or other users' contact details (OWASP API3)", async () => {
    const keysOf = (value: unknown, found = new Set<string>()): Set<string> => {
      if (Array.isArray(value)) value.forEach((item) => keysOf(item, found));
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          found.add(key);
          keysOf(inner, found);
        }
      }
      return found;
    };
    const as = (role: Role) => ({ Authorization: `Bearer ${tokens[role]?.accessToken}` });
    const responses = [
      (await t.http.get('/api/v1/auth/me').set(as('customer'))).body,
      (await t.http.get('/api/v1/bookings').set(as('admin'))).body,
      (await t.http.get('/api/v1/bookings').set(as('shop_owner'))).body,
      (await t.http.get('/api/v1/shops').query({ lat: 12.97, lng: 77.59 })).body,
      (await t.http.get('/api/v1/admin/shops').set(as('admin'))).body,
      (await t.http.get('/api/v1/settlements').set(as('admin'))).body,
      (await t.http.get('/api/v1/admin/notifications').set(as('admin'))).body,
    ];
    expect([...keysOf(responses)].filter((key) => /password|hash|secret|token/i.test(key))).toEqual([]);
    // Beyond the caller's own profile, people appear by id only: no e-mail or phone of anyone.
    expect([...keysOf(responses.slice(1))].filter((key) => /email|phone/i.test(key))).toEqual([]);
  });

  it('refuses every role an operation does not list with 403, before looking at the request', async () => {
    let checked = 0;
    for (const operation of operations.filter((candidate) => candidate.roles)) {
      for (const role of ['customer', 'shop_owner', 'admin'] as const) {
        if (operation.roles?.includes(role)) continue;
        const response = await call(operation, tokens[role]?.accessToken);
        expect({ route: `${operation.method} ${operation.path}`, role, status: response.status }).toEqual({
          route: `${operation.method} ${operation.path}`,
          role,
          status: 403,
        });
        checked++;
      }
    }
    // Every admin route is among them, for both other roles.
    const adminOnly = operations.filter(
      (operation) => operation.roles?.length === 1 && operation.roles[0] === 'admin',
    );
    expect(adminOnly.length).toBeGreaterThanOrEqual(6);
    expect(checked).toBeGreaterThanOrEqual(adminOnly.length * 2);
  });
});
