import { HttpStatus } from '@nestjs/common';

import { DomainError } from '../common/errors/domain-error';

export class ServiceNotFoundError extends DomainError {
  constructor() {
    super(HttpStatus.NOT_FOUND, 'SERVICE_NOT_FOUND', 'This shop has no such service');
  }
}

export class InvalidDateError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'INVALID_DATE', 'date must be a real calendar date YYYY-MM-DD');
  }
}
