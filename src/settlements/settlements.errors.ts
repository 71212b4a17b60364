import { HttpStatus } from '@nestjs/common';

import { DomainError } from '../common/errors/domain-error';

export class NothingToPayError extends DomainError {
  constructor() {
    super(
      HttpStatus.CONFLICT,
      'NOTHING_TO_PAY',
      "The shop's payable balance is not positive (or under the smallest transfer): there is nothing to pay",
    );
  }
}

export class PayoutAccountMissingError extends DomainError {
  constructor() {
    super(
      HttpStatus.CONFLICT,
      'PAYOUT_ACCOUNT_MISSING',
      'The shop has no linked payout account; an admin sets payoutAccountId first',
    );
  }
}

export class PayoutsDisabledError extends DomainError {
  constructor() {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      'PAYOUTS_DISABLED',
      'Payouts are not available: the payment provider is not configured',
    );
  }
}
