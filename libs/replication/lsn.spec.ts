import * as fc from 'fast-check';

import { formatLsn, parseLsn } from './lsn';

describe('WAL positions', () => {
  it('reads PostgreSQL text positions', () => {
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(parseLsn('FFFFFFFF/FFFFFFFF')).toBe(2n ** 64n - 1n);
  });

  it.each(['', '0', '0/', '/0', '0/0/0', 'G/0', '123456789/0', ' 0/0', '-1/0'])('refuses %j', (text) => {
    expect(() => parseLsn(text)).toThrow('Not a WAL position');
  });

  it('round-trips and orders like the log', () => {
    const lsn = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    fc.assert(
      fc.property(lsn, lsn, (a, b) => {
        expect(parseLsn(formatLsn(a))).toBe(a);
        const [x, y] = [formatLsn(a), formatLsn(b)].map(parseLsn);
        expect(x < y).toBe(a < b);
      }),
    );
  });
});
