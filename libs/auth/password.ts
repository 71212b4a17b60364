/**
 * bcrypt reads at most 72 bytes of a password and silently ignores the rest, so a longer password would only
 * seem to count. The limit is in UTF-8 bytes, not characters: 72 ASCII characters, but only 24 of '€' (3 bytes).
 */
export const PASSWORD_MAX_BYTES = 72;

export function passwordBytes(password: string): number {
  return Buffer.byteLength(password, 'utf8');
}

export function fitsBcrypt(password: string): boolean {
  return passwordBytes(password) <= PASSWORD_MAX_BYTES;
}
