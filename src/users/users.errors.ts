import { HttpStatus } from '@nestjs/common';

import { DomainError } from '../common/errors/domain-error';

export class EmailTakenError extends DomainError {
  constructor() {
    super(HttpStatus.CONFLICT, 'EMAIL_TAKEN', 'An account with this e-mail already exists');
  }
}
