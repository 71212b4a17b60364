import { Body, Controller, Headers, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { AuthenticatedUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ValidationFailedError } from '../common/errors/domain-error';
import { RefundBookingDto, RefundDto } from './dto/refund.dto';
import { RefundsService } from './refunds.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('payments')
@Controller('bookings')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  @Post(':id/refund')
  @Roles('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: "Refund a booking's online payment, in part or in full (admins; goodwill)",
    description:
      'By default all that was captured and is not refunded or being refunded yet. Never more than was captured ' +
      '(409 REFUND_EXCEEDS_CAPTURE); 409 NOTHING_TO_REFUND when nothing paid online is left. The refund is sent ' +
      "by the worker; what comes off a settled booking is recovered from the shop's next payouts.",
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Up to 255 printable ASCII characters',
  })
  @ApiAcceptedResponse({ type: RefundDto })
  @ApiErrors(400, 403, 404, 409, 422)
  refund(
    @CurrentUser() admin: AuthenticatedUser,
    @UuidParam('id') id: string,
    @Body() dto: RefundBookingDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RefundDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationFailedError(['Idempotency-Key must be 1-255 printable ASCII characters']);
    }
    return this.refunds.refundByAdmin(admin, id, dto, idempotencyKey);
  }
}
