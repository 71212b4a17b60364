import { HttpStatus } from '@nestjs/common';

import { DomainError } from '../common/errors/domain-error';

export class InvalidSignatureError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'INVALID_SIGNATURE', 'The payment signature is not valid');
  }
}

export class OnlinePaymentsDisabledError extends DomainError {
  constructor() {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      'ONLINE_PAYMENTS_DISABLED',
      'Online payment is not available; choose PAY_AT_SHOP',
    );
  }
}

export class PaymentProviderUnavailableError extends DomainError {
  constructor() {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      'PAYMENT_PROVIDER_UNAVAILABLE',
      'The payment provider could not be reached; the slot was released, please try again',
    );
  }
}

export class PaymentTooLateError extends DomainError {
  constructor(reason: 'slot_taken' | 'booking_cancelled') {
    super(
      HttpStatus.CONFLICT,
      'PAYMENT_NOT_APPLICABLE',
      reason === 'slot_taken'
        ? 'The hold expired and the slot was taken meanwhile; the payment is being refunded'
        : 'The booking was cancelled; the payment is being refunded',
    );
  }
}

export class PaymentNeedsReviewError extends DomainError {
  constructor() {
    super(
      HttpStatus.CONFLICT,
      'PAYMENT_NEEDS_REVIEW',
      'This payment does not match the booking and was recorded for review',
    );
  }
}

export class NothingToRefundError extends DomainError {
  constructor() {
    super(HttpStatus.CONFLICT, 'NOTHING_TO_REFUND', 'Nothing paid online is left to refund for this booking');
  }
}

export class RefundTooLargeError extends DomainError {
  constructor(remainingPaise: number) {
    super(
      HttpStatus.CONFLICT,
      'REFUND_EXCEEDS_CAPTURE',
      `A refund may not exceed what was captured and not refunded yet (${remainingPaise} paise)`,
    );
  }
}
