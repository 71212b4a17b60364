import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Authenticated, AuthenticatedUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { ApiIdempotencyKey, IdempotencyKey } from '../common/decorators/idempotency-key.decorator';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { DATABASE_UNAVAILABLE } from '../common/openapi/openapi-document';
import { ApiPageResponse, Page } from '../common/pagination/pagination';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { BookingLifecycleService } from './booking-lifecycle.service';
import { BookingsService } from './bookings.service';
import { BookingDto } from './dto/booking.dto';
import { CreateBookingDto } from './dto/create-booking.dto';
import { CancelBookingDto, ListBookingsQueryDto } from './dto/list-bookings.query.dto';
import { RescheduleBookingDto } from './dto/reschedule-booking.dto';
import { RescheduleService } from './reschedule.service';

@ApiTags('bookings')
@Controller('bookings')
export class BookingsController {
  constructor(
    private readonly bookings: BookingsService,
    private readonly lifecycle: BookingLifecycleService,
    private readonly rescheduling: RescheduleService,
  ) {}

  @Post()
  @Roles('customer')
  @RateLimit('bookings')
  @ApiOperation({
    summary: 'Book a slot',
    description:
      'PAY_AT_SHOP bookings are upcoming at once; ONLINE bookings hold the slot as pending_payment until paid or ' +
      'expired. The same Idempotency-Key with the same body returns the original booking.',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: BookingDto })
  @ApiErrors(400, 409, 422, {
    status: 503,
    codes: ['ONLINE_PAYMENTS_DISABLED', 'PAYMENT_PROVIDER_UNAVAILABLE', DATABASE_UNAVAILABLE],
  })
  create(
    @CurrentUser() customer: AuthenticatedUser,
    @Body() dto: CreateBookingDto,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<BookingDto> {
    return this.bookings.create(customer, dto, idempotencyKey);
  }

  @Get()
  @Authenticated()
  @ApiOperation({
    summary: "Bookings: a customer's own, an owner's shops', or all for an admin; by start time",
  })
  @ApiPageResponse(BookingDto)
  @ApiErrors(400)
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListBookingsQueryDto,
  ): Promise<Page<BookingDto>> {
    return this.bookings.list(user, query);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ summary: "A booking (its customer, its shop's owner, or an admin)" })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 404)
  get(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string): Promise<BookingDto> {
    return this.bookings.get(user, id);
  }

  @Post(':id/cancel')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Cancel a booking (its customer, its shop's owner, or an admin); the slot is freed",
    description:
      "A customer cancels only before the start (409 CANCELLATION_CLOSED). Cancelled at least the policy's " +
      'freeCancellationHours before the start, or by the shop or an admin, a paid booking is refunded in full; ' +
      'later, the shop keeps lateCancellationFeeBps of the amount and the rest is refunded.',
  })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 403, 404, 409)
  cancel(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('id') id: string,
    @Body() dto: CancelBookingDto,
  ): Promise<BookingDto> {
    return this.lifecycle.cancel(user, id, dto?.reason);
  }

  @Post(':id/complete')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Mark a booking completed (its shop's owner or an admin)",
    description: 'Only once it has started (409 BOOKING_NOT_STARTED).',
  })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 403, 404, 409)
  complete(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string): Promise<BookingDto> {
    return this.lifecycle.complete(user, id);
  }

  @Post(':id/no-show')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Mark a booking as a no-show (its shop's owner or an admin)",
    description:
      'Only once it has started (409 BOOKING_NOT_STARTED). A paid booking keeps noShowFeeBps of its amount and ' +
      'the rest is refunded.',
  })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 403, 404, 409)
  noShow(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string): Promise<BookingDto> {
    return this.lifecycle.noShow(user, id);
  }

  @Post(':id/reschedule')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @RateLimit('bookings')
  @ApiOperation({
    summary: "Move a booking to another time (its customer, its shop's owner, or an admin)",
    description:
      'Same service, same payment: a paid booking stays paid, a hold keeps its expiresAt. Customers may move a ' +
      "booking until the policy's freeCancellationHours before its start, the shop and admins until the start " +
      '(409 RESCHEDULE_CLOSED). The new time is taken and the old one freed in one transaction (409 ' +
      'SLOT_UNAVAILABLE when it is not free, and nothing changes). The same Idempotency-Key with the same body ' +
      'returns the booking instead of moving it again.',
  })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 403, 404, 409, 422)
  reschedule(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('id') id: string,
    @Body() dto: RescheduleBookingDto,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<BookingDto> {
    return this.rescheduling.reschedule(user, id, dto, idempotencyKey);
  }
}
