import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

type HelmetOptions = Omit<FastifyHelmetOptions, 'global' | 'enableCSPNonces'>;
type Helmet = (
  options: HelmetOptions,
) => (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

/** The helmet that @fastify/helmet depends on (and would build its middleware from): the same headers, exactly. */
const helmet = createRequire(require.resolve('@fastify/helmet'))('helmet') as Helmet;

/** The response headers helmet sets with `options`, and those it removes: worked out once, by running it. */
export function helmetHeaders(options: HelmetOptions): { set: Array<[string, string]>; removed: string[] } {
  const set = new Map<string, string>();
  const removed: string[] = [];
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set.set(name, Array.isArray(value) ? value.join(', ') : String(value));
      return response;
    },
    removeHeader(name: string) {
      set.delete(name);
      removed.push(name);
    },
    getHeader: (name: string) => set.get(name),
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return { set: [...set], removed };
}

/**
 * Helmet's security headers on every response, computed once at start-up. @fastify/helmet builds helmet's
 * middleware again on every request (parsing the CSP directives each time); these options are static (no nonces,
 * no per-route settings), so the headers are the same for every request and are set from a list, on the raw
 * response as helmet does.
 */
export function addSecurityHeaders(fastify: FastifyInstance, options: HelmetOptions): void {
  const { set, removed } = helmetHeaders(options);
  fastify.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw;
    for (const name of removed) raw.removeHeader(name);
    for (const [name, value] of set) raw.setHeader(name, value);
    done();
  });
}
