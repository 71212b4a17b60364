import { HttpStatus } from '@nestjs/common';

import type { ConflictingBookingDto } from './error-response.dto';

/**
 * An expected failure with a stable machine-readable code. Feature modules declare theirs in
 * `<feature>.errors.ts`; the global filter turns them into `{ statusCode, error, message, code }`.
 */
export class DomainError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details?: Array<string | ConflictingBookingDto>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  constructor(details: string[]) {
    super(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', details[0] ?? 'Invalid request', details);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(HttpStatus.NOT_FOUND, 'NOT_FOUND', `${what} not found`);
  }
}

export class RateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(HttpStatus.TOO_MANY_REQUESTS, 'RATE_LIMITED', 'Too many requests, slow down');
  }
}
