import * as fc from 'fast-check';

import { QUEUE_NAMES } from '../queues/queues.constants';
import { bullPrefix, rateLimitKeys } from './redis-keys';

/** Redis Cluster's hash slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key, modulo 16384. */
function calculateSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** The keys Bull 4 touches for a queue (lib/queue.js `toKey` with its key types) and a job's own keys. */
const BULL_KEY_TYPES = [
  'wait',
  'paused',
  'meta-paused',
  'active',
  'id',
  'delayed',
  'priority',
  'stalled-check',
  'completed',
  'failed',
  'stalled',
  'repeat',
  'limiter',
  'drained',
  'progress',
  'events',
];
const bullKeys = (prefix: string, queue: string, jobId: string) => [
  ...BULL_KEY_TYPES.map((type) => `${prefix}:${queue}:${type}`),
  `${prefix}:${queue}:${jobId}`,
  `${prefix}:${queue}:${jobId}:lock`,
  `${prefix}:${queue}:${jobId}:logs`,
];

describe('Redis key layout for Redis Cluster', () => {
  it('computes hash slots as Redis does (values from CLUSTER KEYSLOT)', () => {
    expect(calculateSlot('somekey')).toBe(11058);
    expect(calculateSlot('foo')).toBe(12182);
    expect(calculateSlot('{user1000}.following')).toBe(calculateSlot('{user1000}.followers'));
  });

  const prefix = fc.stringMatching(/^[A-Za-z0-9:_-]{1,20}$/);

  it('puts every key of one Bull queue in one hash slot, whatever the prefix and job id', () => {
    fc.assert(
      fc.property(
        prefix,
        fc.constantFrom(...QUEUE_NAMES),
        fc.string({ maxLength: 40 }),
        (keyPrefix, queue, jobId) => {
          const slots = new Set(
            bullKeys(bullPrefix(keyPrefix, queue), queue, jobId).map((key) => calculateSlot(key)),
          );
          expect(slots.size).toBe(1);
        },
      ),
    );
  });

  it('gives each queue a slot of its own, so queues spread over the nodes', () => {
    const slots = QUEUE_NAMES.map((queue) => calculateSlot(`${bullPrefix('hairone:', queue)}:${queue}:wait`));
    expect(new Set(slots).size).toBe(QUEUE_NAMES.length);
  });

  it("puts a client's rate-limit counter and block flag in one slot, and clients in many", () => {
    fc.assert(
      fc.property(
        prefix,
        fc.constantFrom('auth', 'bookings', 'search', 'default'),
        fc.string(),
        (keyPrefix, name, client) => {
          const [counter, blocked] = rateLimitKeys(keyPrefix, name, client);
          expect(calculateSlot(counter)).toBe(calculateSlot(blocked));
        },
      ),
    );
    const clients = Array.from(
      { length: 200 },
      (_, i) => rateLimitKeys('hairone:', 'search', `10.0.${i}.1`)[0],
    );
    expect(new Set(clients.map((key) => calculateSlot(key))).size).toBeGreaterThan(150);
  });
});
