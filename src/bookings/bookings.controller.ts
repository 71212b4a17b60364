import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Authenticated, AuthenticatedUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ValidationFailedError } from '../common/errors/domain-error';
import { ApiPageResponse, Page } from '../common/pagination/pagination';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { BookingsService } from './bookings.service';
import { BookingDto } from './dto/booking.dto';
import { CreateBookingDto } from './dto/create-booking.dto';
import { CancelBookingDto, ListBookingsQueryDto } from './dto/list-bookings.query.dto';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('bookings')
@Controller('bookings')
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Post()
  @Roles('customer')
  @RateLimit('bookings')
  @ApiOperation({
    summary: 'Book a slot',
    description:
      'PAY_AT_SHOP bookings are upcoming at once; ONLINE bookings hold the slot as pending_payment until paid or ' +
      'expired. The same Idempotency-Key with the same body returns the original booking.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Up to 255 printable ASCII characters',
  })
  @ApiCreatedResponse({ type: BookingDto })
  @ApiErrors(400, 409, 422)
  create(
    @CurrentUser() customer: AuthenticatedUser,
    @Body() dto: CreateBookingDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<BookingDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationFailedError(['Idempotency-Key must be 1-255 printable ASCII characters']);
    }
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
  })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 403, 404, 409)
  cancel(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('id') id: string,
    @Body() dto: CancelBookingDto,
  ): Promise<BookingDto> {
    return this.bookings.cancel(user, id, dto?.reason);
  }

  @Post(':id/complete')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Mark a booking completed (its shop's owner or an admin)" })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 403, 404, 409)
  complete(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string): Promise<BookingDto> {
    return this.bookings.complete(user, id);
  }

  @Post(':id/no-show')
  @Authenticated()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Mark a booking as a no-show (its shop's owner or an admin)" })
  @ApiOkResponse({ type: BookingDto })
  @ApiErrors(400, 403, 404, 409)
  noShow(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') id: string): Promise<BookingDto> {
    return this.bookings.noShow(user, id);
  }
}
