import { HttpStatus } from '@nestjs/common';

import { DomainError } from '../common/errors/domain-error';

export class InvalidCredentialsError extends DomainError {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, 'INVALID_CREDENTIALS', 'Invalid e-mail or password');
  }
}

export class InvalidAccessTokenError extends DomainError {
  constructor(message = 'A valid access token is required') {
    super(HttpStatus.UNAUTHORIZED, 'INVALID_TOKEN', message);
  }
}

export class InvalidRefreshTokenError extends DomainError {
  constructor() {
    super(
      HttpStatus.UNAUTHORIZED,
      'INVALID_REFRESH_TOKEN',
      'The refresh token is invalid, expired or revoked',
    );
  }
}
