import { fitsBcrypt, PASSWORD_MAX_BYTES, passwordBytes } from './password';

describe('password length for bcrypt', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(passwordBytes('x'.repeat(72))).toBe(72);
    expect(passwordBytes('€'.repeat(30))).toBe(90);
    expect(passwordBytes('🔑')).toBe(4);
  });

  it('fits at most 72 bytes', () => {
    expect(PASSWORD_MAX_BYTES).toBe(72);
    expect(fitsBcrypt('x'.repeat(72))).toBe(true);
    expect(fitsBcrypt('x'.repeat(73))).toBe(false);
    expect(fitsBcrypt('€'.repeat(24))).toBe(true);
    expect(fitsBcrypt('€'.repeat(25))).toBe(false);
    expect(fitsBcrypt('€'.repeat(30))).toBe(false);
  });
});
