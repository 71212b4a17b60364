import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

import { TextField } from '../../common/validation/fields';
import { Review } from '../review';

export const MAX_REVIEW_TEXT = 2000;

export class CreateReviewDto {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 5, example: 5 })
  @Type(() => Number)
  @IsInt({ message: 'rating must be an integer from 1 to 5' })
  @Min(1)
  @Max(5)
  rating: number;

  @TextField({ max: MAX_REVIEW_TEXT, optional: true, example: 'Quick, friendly, a sharp fade.' })
  comment?: string;
}

export class ReplyToReviewDto {
  @TextField({ max: MAX_REVIEW_TEXT, example: 'Thank you, see you next month!' })
  text: string;
}

export class HideReviewDto {
  @TextField({ max: 500, example: 'Abusive language' })
  reason: string;
}

export class ReviewDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  bookingId: string;

  @ApiProperty({ format: 'uuid' })
  shopId: string;

  @ApiProperty({ format: 'uuid' })
  serviceId: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 5 })
  rating: number;

  @ApiProperty({ type: String, nullable: true, maxLength: MAX_REVIEW_TEXT })
  comment: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: MAX_REVIEW_TEXT,
    description: "The shop owner's reply",
  })
  reply: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  repliedAt: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ description: 'Hidden by an admin: left out of the shop’s list and its rating' })
  hidden: boolean;

  static from(review: Review): ReviewDto {
    return {
      id: review.id,
      bookingId: review.bookingId,
      shopId: review.shopId,
      serviceId: review.serviceId,
      rating: review.rating,
      comment: review.comment,
      reply: review.reply,
      repliedAt: review.repliedAt?.toISOString() ?? null,
      createdAt: review.createdAt.toISOString(),
      hidden: review.hidden,
    };
  }
}

/** What an admin sees of a review: the reason it was hidden too. */
export class ModeratedReviewDto extends ReviewDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 })
  hiddenReason: string | null;

  static fromModerated(review: Review): ModeratedReviewDto {
    return { ...ReviewDto.from(review), hiddenReason: review.hiddenReason };
  }
}
