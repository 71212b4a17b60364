import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';

import { addSecurityHeaders, helmetHeaders } from './security-headers';

const OPTIONS = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      upgradeInsecureRequests: null,
    },
  },
};

async function headersOf(setUp: (app: ReturnType<typeof Fastify>) => Promise<void> | void) {
  const app = Fastify();
  await setUp(app);
  app.get('/', () => ({ ok: true }));
  const response = await app.inject('/');
  const missing = await app.inject('/nowhere');
  await app.close();
  const { date: _date, ...headers } = response.headers;
  const { date: _missingDate, ...missingHeaders } = missing.headers;
  return { headers, missingHeaders };
}

describe('security headers computed once', () => {
  it('are exactly the headers @fastify/helmet sets per request, on routes and on 404s', async () => {
    const plugin = await headersOf((app) => app.register(fastifyHelmet, OPTIONS));
    const once = await headersOf((app) => addSecurityHeaders(app, OPTIONS));
    expect(once).toEqual(plugin);
    expect(once.headers['content-security-policy']).toContain("default-src 'self'");
    expect(once.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('come from one run of helmet', () => {
    const { set, removed } = helmetHeaders(OPTIONS);
    expect(new Map(set).get('X-Content-Type-Options')).toBe('nosniff');
    expect(removed).toEqual(['X-Powered-By']);
  });
});
