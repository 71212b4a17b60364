import { createHmac } from 'node:crypto';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Builds a JWT by hand, so tests can forge exactly the token an attacker would send. */
export function forgeJwt(
  payload: Record<string, unknown>,
  options: { secret?: string; alg?: string; header?: Record<string, unknown> } = {},
): string {
  const alg = options.alg ?? 'HS256';
  const head = `${encode({ alg, typ: 'JWT', ...options.header })}.${encode(payload)}`;
  if (alg === 'none') return `${head}.`;
  const digest = alg === 'HS512' ? 'sha512' : 'sha256';
  const signature = createHmac(digest, options.secret ?? '')
    .update(head)
    .digest('base64url');
  return `${head}.${signature}`;
}

export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}
