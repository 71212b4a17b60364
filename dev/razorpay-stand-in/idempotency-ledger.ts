import { HttpError } from './http-error';

/**
 * Razorpay's idempotency keys for creating an entity (refunds: X-Refund-Idempotency, transfers:
 * X-Transfer-Idempotency): a retry with the same key and body gets the entity the first request created, as it is
 * now; the same key with another body is refused. A key is only remembered once its entity exists, so a request
 * refused for its content can be retried under the same key.
 */
export class IdempotencyLedger<T extends { id: string }> {
  private readonly created = new Map<string, { body: string; id: string }>();

  constructor(
    private readonly keyFormat: RegExp,
    private readonly find: (id: string) => T,
  ) {}

  /**
   * `create`, unless `key` was used before. `scope` is for keys that are unique only within a parent entity
   * (a refund's payment).
   */
  once(request: { key: string | string[] | undefined; body: string; scope?: string }, create: () => T): T {
    const key = typeof request.key === 'string' ? request.key : undefined;
    if (key === undefined) return create();
    if (!this.keyFormat.test(key)) throw new HttpError(400, 'Invalid idempotency key');
    const entry = `${request.scope ?? ''}:${key}`;
    const earlier = this.created.get(entry);
    if (earlier) {
      if (earlier.body !== request.body) {
        throw new HttpError(
          400,
          'Different request with the same idempotency key has already been processed.',
        );
      }
      return this.find(earlier.id);
    }
    const entity = create();
    this.created.set(entry, { body: request.body, id: entity.id });
    return entity;
  }
}
