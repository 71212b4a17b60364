import { HttpStatus } from '@nestjs/common';

import { DomainError } from '../common/errors/domain-error';

export class BookingNotCompletedError extends DomainError {
  constructor() {
    super(HttpStatus.CONFLICT, 'BOOKING_NOT_COMPLETED', 'Only a completed booking can be reviewed');
  }
}

export class ReviewExistsError extends DomainError {
  constructor() {
    super(HttpStatus.CONFLICT, 'REVIEW_EXISTS', 'This booking has been reviewed already');
  }
}

export class ReplyExistsError extends DomainError {
  constructor() {
    super(HttpStatus.CONFLICT, 'REPLY_EXISTS', 'This review has a reply already');
  }
}

export class ReviewNotFoundError extends DomainError {
  constructor() {
    super(HttpStatus.NOT_FOUND, 'REVIEW_NOT_FOUND', 'Review not found');
  }
}
