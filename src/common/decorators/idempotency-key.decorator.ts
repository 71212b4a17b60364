import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { ValidationFailedError } from '../errors/domain-error';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Documents the optional Idempotency-Key header, once. The value is read with `@IdempotencyKey()` below, a custom
 * parameter decorator Swagger does not describe: `@Headers('idempotency-key')` would add a second, required
 * header parameter (Swagger documents every `@Headers(name)` as required, and its lower-case name does not merge
 * with this one), and generated clients would then demand the header.
 */
export const ApiIdempotencyKey = () =>
  ApiHeader({
    name: IDEMPOTENCY_KEY_HEADER,
    required: false,
    description:
      'Up to 255 printable ASCII characters. A retry with the same key and body gets the first answer again.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  });

/** The Idempotency-Key header, or undefined without one; a malformed key is 400 VALIDATION_FAILED. */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined => {
    const key = context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
    if (key === undefined) return undefined;
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationFailedError(['Idempotency-Key must be 1-255 printable ASCII characters']);
    }
    return key;
  },
);
