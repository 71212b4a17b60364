import { HttpStatus } from '@nestjs/common';

import { DomainError } from '../common/errors/domain-error';

export class UnhealthyError extends DomainError {
  constructor(readonly downDependencies: string[]) {
    super(HttpStatus.SERVICE_UNAVAILABLE, 'UNHEALTHY', `Unavailable: ${downDependencies.join(', ')}`);
  }
}
