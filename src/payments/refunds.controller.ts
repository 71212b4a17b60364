import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { AuthenticatedUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { ApiIdempotencyKey, IdempotencyKey } from '../common/decorators/idempotency-key.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { RefundBookingDto, RefundDto } from './dto/refund.dto';
import { RefundsService } from './refunds.service';

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
  @ApiIdempotencyKey()
  @ApiAcceptedResponse({ type: RefundDto })
  @ApiErrors(400, 403, 404, 409, 422)
  refund(
    @CurrentUser() admin: AuthenticatedUser,
    @UuidParam('id') id: string,
    @Body() dto: RefundBookingDto,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<RefundDto> {
    return this.refunds.refundByAdmin(admin, id, dto, idempotencyKey);
  }
}
