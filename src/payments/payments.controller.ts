import {
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Post,
  RawBodyRequest,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { BookingDto } from '../bookings/dto/booking.dto';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { AuthenticatedUser, CurrentUser, Public, Roles } from '../common/decorators/auth.decorators';
import { RAZORPAY_SIGNATURE_SECURITY_SCHEME } from '../common/openapi/openapi-document';
import { NoRateLimit } from '../common/rate-limit/rate-limit.decorator';
import { CapturesService } from './captures.service';
import { VerifyRazorpayPaymentDto } from './dto/verify-razorpay-payment.dto';
import { InvalidSignatureError } from './payments.errors';
import { WebhookEventsService } from './webhook-events.service';

@ApiTags('payments')
@Controller('payments')
export class PaymentsController {
  constructor(
    private readonly captures: CapturesService,
    private readonly webhookEvents: WebhookEventsService,
  ) {}

  @Post('razorpay/verify')
  @HttpCode(HttpStatus.OK)
  @Roles('customer')
  @ApiOperation({
    summary: 'Confirm an ONLINE booking with the result of Razorpay Checkout',
    description:
      'The signature is checked against the order stored for the booking; only its customer may confirm it. ' +
      'A payment that arrives after the hold expired confirms the booking if its slot is still free, otherwise ' +
      'it is refunded (409 PAYMENT_NOT_APPLICABLE).',
  })
  @ApiOkResponse({ type: BookingDto, description: 'Captured: the booking is confirmed' })
  @ApiAcceptedResponse({
    type: BookingDto,
    description:
      'Authorized but not captured yet (or Razorpay could not be asked): the booking stays pending_payment until ' +
      'the capture arrives by webhook or reconciliation',
  })
  @ApiErrors(400, 404, 409)
  async verify(
    @CurrentUser() customer: AuthenticatedUser,
    @Body() dto: VerifyRazorpayPaymentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BookingDto> {
    const { confirmed, booking } = await this.captures.verifyCheckout(customer, dto);
    if (!confirmed) void reply.status(HttpStatus.ACCEPTED);
    return booking;
  }

  @Post('webhooks/razorpay')
  @HttpCode(HttpStatus.OK)
  @Public()
  @NoRateLimit()
  @ApiSecurity(RAZORPAY_SIGNATURE_SECURITY_SCHEME)
  @ApiOperation({
    summary: 'Razorpay webhooks (called by Razorpay)',
    description:
      'The signature is checked over the raw body with the webhook secret. A valid event is stored once per ' +
      'event id and answered at once; the worker applies it.',
  })
  // The same names as in @Headers below (which Nest reads case-insensitively), so each is documented once.
  @ApiHeader({
    name: 'X-Razorpay-Signature',
    required: true,
    description: 'Hex HMAC-SHA256 of the raw body with the webhook secret',
    schema: { type: 'string', maxLength: 128, pattern: '^[0-9a-f]+$' },
  })
  @ApiHeader({
    name: 'X-Razorpay-Event-Id',
    required: true,
    schema: { type: 'string', maxLength: 256, pattern: '^[\\x21-\\x7e]+$' },
  })
  @ApiBody({ schema: { type: 'object', description: 'A Razorpay webhook event' } })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
    },
  })
  @ApiErrors(400)
  async webhook(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers('X-Razorpay-Signature') signature?: string,
    @Headers('X-Razorpay-Event-Id') eventId?: string,
  ): Promise<{ status: 'ok' }> {
    const rawBody = request.rawBody ?? Buffer.alloc(0);
    if (!(await this.webhookEvents.receive(rawBody, request.body, signature, eventId))) {
      throw new InvalidSignatureError();
    }
    return { status: 'ok' };
  }
}
