import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { BOOKING_STATUSES, BookingStatus } from '../../../libs/bookings/booking-state';
import {
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  PaymentMethod,
  PaymentStatus,
} from '../../../libs/payments/payment-status';
import {
  BOOKING_SETTLEMENT_STATUSES,
  BookingSettlementStatus,
} from '../../../libs/settlement/settlement-status';
import { formatInstant } from '../../../libs/slots/day-clock';
import { Booking } from '../booking';

export class BookingPaymentDto {
  @ApiProperty({ example: 'razorpay', maxLength: 32 }) provider: string;
  @ApiProperty({
    example: 'order_NXt7Zq9Lr2Vb8K',
    maxLength: 100,
    description: "The provider's order to pay at checkout",
  })
  orderId: string;
  @ApiProperty() amountPaise: number;
  @ApiProperty({ example: 'INR', pattern: '^[A-Z]{3}$', maxLength: 3 }) currency: string;
  @ApiProperty({ description: 'The public key id the checkout must be opened with', maxLength: 100 })
  keyId: string;
}

export class BookingDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid' }) shopId: string;
  @ApiProperty({ format: 'uuid' }) serviceId: string;
  @ApiProperty({ format: 'uuid' }) staffId: string;
  @ApiProperty({ example: '2026-11-26T10:00:00+05:30', format: 'date-time' }) startsAt: string;
  @ApiProperty({ example: '2026-11-26T10:30:00+05:30', format: 'date-time' }) endsAt: string;
  @ApiProperty({ enum: BOOKING_STATUSES }) status: BookingStatus;
  @ApiProperty({ enum: PAYMENT_METHODS }) paymentMethod: PaymentMethod;
  @ApiProperty({ enum: PAYMENT_STATUSES }) paymentStatus: PaymentStatus;
  @ApiProperty({ description: 'Service price at booking time, integer paise' }) amountPaise: number;
  @ApiProperty({
    description:
      'round(chargedPaise * commissionBps / 10000), fixed when the booking reaches its final status',
  })
  commissionPaise: number;
  @ApiProperty({
    description:
      'What the customer finally pays: the amount for an upcoming or completed booking, the fee kept for a late ' +
      'cancellation or a no-show, 0 otherwise',
  })
  chargedPaise: number;
  @ApiProperty({ description: 'What was refunded of the money paid online' }) refundedPaise: number;
  @ApiProperty({ description: 'How often the booking was moved to another time' }) rescheduleCount: number;
  @ApiProperty({ enum: BOOKING_SETTLEMENT_STATUSES }) settlementStatus: BookingSettlementStatus;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Until when an unpaid ONLINE booking holds its slot',
  })
  expiresAt?: string;

  @ApiPropertyOptional({ type: BookingPaymentDto, description: 'ONLINE bookings: the order to pay' })
  payment?: BookingPaymentDto;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 500 }) cancelReason?: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;

  static from(booking: Booking): BookingDto {
    const zone = booking.timezone;
    return {
      id: booking.id,
      customerId: booking.customerId,
      shopId: booking.shopId,
      serviceId: booking.serviceId,
      staffId: booking.staffId,
      startsAt: formatInstant(booking.startsAt.getTime(), zone),
      endsAt: formatInstant(booking.endsAt.getTime(), zone),
      status: booking.status,
      paymentMethod: booking.paymentMethod,
      paymentStatus: booking.paymentStatus,
      amountPaise: booking.amountPaise,
      commissionPaise: booking.commissionPaise,
      chargedPaise: booking.chargedPaise,
      refundedPaise: booking.refundedPaise,
      rescheduleCount: booking.rescheduleCount,
      settlementStatus: booking.settlementStatus,
      ...(booking.expiresAt ? { expiresAt: formatInstant(booking.expiresAt.getTime(), zone) } : {}),
      ...(booking.payment
        ? {
            payment: {
              provider: booking.payment.provider,
              orderId: booking.payment.orderId,
              amountPaise: booking.payment.amountPaise,
              currency: booking.payment.currency,
              keyId: booking.payment.keyId,
            },
          }
        : {}),
      cancelReason: booking.cancelReason,
      createdAt: booking.createdAt.toISOString(),
    };
  }
}
