/**
 * Values that appear in tutorials, framework defaults and leaked .env files. A JWT secret equal to one of
 * these (or made of one repeated) can be brute-forced from a single token, so start-up refuses it.
 */
const KNOWN_WEAK_SECRETS = [
  'secret',
  'changeme',
  'change-me',
  'change_me',
  'password',
  'jwt_secret',
  'jwtsecret',
  'jwt-secret',
  'mysecret',
  'my-secret',
  'supersecret',
  'super-secret',
  'secretkey',
  'secret-key',
  'secret_key',
  'your-secret-key',
  'your_jwt_secret',
  'your-256-bit-secret',
  'default',
  'test',
  'hairone',
  'qwerty',
  '123456',
  'admin',
];

export const MIN_SECRET_LENGTH = 32;
const MIN_DISTINCT_CHARACTERS = 10;

/** Returns why a secret is unacceptable, or null when it is acceptable. */
export function weakSecretReason(secret: string): string | null {
  if (secret.length < MIN_SECRET_LENGTH) {
    return `must be at least ${MIN_SECRET_LENGTH} characters long`;
  }
  const normalized = secret.toLowerCase();
  for (const weak of KNOWN_WEAK_SECRETS) {
    const rest = normalized
      .split(weak)
      .join('')
      .replace(/[^a-z0-9]/g, '');
    if (normalized === weak || (normalized.includes(weak) && rest.length < MIN_SECRET_LENGTH / 2)) {
      return `is a well-known weak value ("${weak}")`;
    }
  }
  if (new Set(secret).size < MIN_DISTINCT_CHARACTERS) {
    return `is too predictable (fewer than ${MIN_DISTINCT_CHARACTERS} distinct characters)`;
  }
  return null;
}
