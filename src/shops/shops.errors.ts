import { HttpStatus } from '@nestjs/common';

import { DomainError } from '../common/errors/domain-error';

export class ShopNotFoundError extends DomainError {
  constructor() {
    super(HttpStatus.NOT_FOUND, 'SHOP_NOT_FOUND', 'Shop not found');
  }
}

export class NotShopOwnerError extends DomainError {
  constructor() {
    super(HttpStatus.FORBIDDEN, 'NOT_SHOP_OWNER', 'Only the owner of this shop may do this');
  }
}

export class PayoutAccountChangeForbiddenError extends DomainError {
  constructor() {
    super(HttpStatus.FORBIDDEN, 'PAYOUT_ACCOUNT_ADMIN_ONLY', 'Only an admin may change payoutAccountId');
  }
}

export class CommissionChangeForbiddenError extends DomainError {
  constructor() {
    super(HttpStatus.FORBIDDEN, 'COMMISSION_ADMIN_ONLY', 'Only an admin may change commissionBps');
  }
}
