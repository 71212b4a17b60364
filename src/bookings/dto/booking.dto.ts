import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { BOOKING_STATUSES, BookingStatus } from '../../../libs/bookings/booking-state';
import { formatInstant } from '../../../libs/slots/day-clock';
import { BookingRow } from '../bookings.repository';
import { PAYMENT_METHODS, PaymentMethod } from './create-booking.dto';

export const PAYMENT_STATUSES = ['unpaid', 'paid', 'refund_pending', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const SETTLEMENT_STATUSES = ['unsettled', 'settled'] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

export class BookingPaymentDto {
  @ApiProperty({ example: 'razorpay' }) provider: string;
  @ApiProperty({ example: 'order_NXt7Zq9Lr2Vb8K', description: "The provider's order to pay at checkout" })
  orderId: string;
  @ApiProperty() amountPaise: number;
  @ApiProperty({ example: 'INR' }) currency: string;
  @ApiProperty({ description: 'The public key id the checkout must be opened with' }) keyId: string;
}

export class BookingDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) customerId: string;
  @ApiProperty({ format: 'uuid' }) shopId: string;
  @ApiProperty({ format: 'uuid' }) serviceId: string;
  @ApiProperty({ format: 'uuid' }) staffId: string;
  @ApiProperty({ example: '2026-11-26T10:00:00+05:30' }) startsAt: string;
  @ApiProperty({ example: '2026-11-26T10:30:00+05:30' }) endsAt: string;
  @ApiProperty({ enum: BOOKING_STATUSES }) status: BookingStatus;
  @ApiProperty({ enum: PAYMENT_METHODS }) paymentMethod: PaymentMethod;
  @ApiProperty({ enum: PAYMENT_STATUSES }) paymentStatus: PaymentStatus;
  @ApiProperty({ description: 'Service price at booking time, integer paise' }) amountPaise: number;
  @ApiProperty({ description: 'round(amountPaise * commissionBps / 10000)' }) commissionPaise: number;
  @ApiProperty({ enum: SETTLEMENT_STATUSES }) settlementStatus: SettlementStatus;

  @ApiPropertyOptional({ description: 'Until when an unpaid ONLINE booking holds its slot' })
  expiresAt?: string;

  @ApiPropertyOptional({ type: BookingPaymentDto, description: 'ONLINE bookings: the order to pay' })
  payment?: BookingPaymentDto;

  @ApiPropertyOptional({ nullable: true, type: String }) cancelReason?: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;

  static from(row: BookingRow): BookingDto {
    const zone = row.timezone;
    return {
      id: row.id,
      customerId: row.customer_id,
      shopId: row.shop_id,
      serviceId: row.service_id,
      staffId: row.staff_id,
      startsAt: formatInstant(row.starts_at.getTime(), zone),
      endsAt: formatInstant(row.ends_at.getTime(), zone),
      status: row.status,
      paymentMethod: row.payment_method,
      paymentStatus: row.payment_status,
      amountPaise: row.amount_paise,
      commissionPaise: row.commission_paise,
      settlementStatus: row.settlement_status,
      ...(row.expires_at ? { expiresAt: formatInstant(row.expires_at.getTime(), zone) } : {}),
      ...(row.payment_order_id
        ? {
            payment: {
              provider: row.payment_provider as string,
              orderId: row.payment_order_id,
              amountPaise: row.payment_amount_paise as number,
              currency: row.payment_currency as string,
              keyId: row.payment_key_id as string,
            },
          }
        : {}),
      cancelReason: row.cancel_reason,
      createdAt: row.created_at.toISOString(),
    };
  }
}
