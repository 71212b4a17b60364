import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

import { REFUND_REASONS, RefundReason, RefundStatus } from '../../../libs/payments/payment-status';
import { TextField } from '../../common/validation/fields';
import { Optional } from '../../common/validation/optional';
import { Refund } from '../refund';

export class RefundBookingDto {
  @ApiPropertyOptional({
    minimum: 1,
    description: 'Integer paise; default all that was captured and is not refunded or being refunded yet',
  })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  amountPaise?: number;

  @TextField({ max: 500, example: 'Goodwill: the stylist was late' })
  reason: string;
}

export class RefundDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) bookingId: string;
  @ApiProperty() amountPaise: number;
  @ApiProperty({ enum: REFUND_REASONS }) reason: RefundReason;
  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 500, description: "The admin's reason" })
  note: string | null;
  @ApiProperty({ enum: ['requested', 'pending', 'processed', 'failed'] }) status: RefundStatus;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;

  static from(refund: Refund, bookingId: string): RefundDto {
    return {
      id: refund.id,
      bookingId,
      amountPaise: refund.amountPaise,
      reason: refund.reason,
      note: refund.note,
      status: refund.status,
      requestedAt: refund.requestedAt.toISOString(),
    };
  }
}
