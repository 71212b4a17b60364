import { Injectable } from '@nestjs/common';

import { BookingNotFoundError } from '../bookings/bookings.errors';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { PageQueryDto } from '../common/pagination/pagination';
import { decodeCursor, isTimeKey, Page, toKeyedPage } from '../common/pagination/pagination';
import { ShopsService } from '../shops/shops.service';
import { CreateReviewDto, ModeratedReviewDto, ReviewDto } from './dto/review.dto';
import {
  BookingNotCompletedError,
  ReplyExistsError,
  ReviewExistsError,
  ReviewNotFoundError,
} from './reviews.errors';
import { ReviewsRepository } from './reviews.repository';

/**
 * Verified reviews: only the customer of a completed booking reviews it, once; the shop's owner replies once; an
 * admin hides an abusive one (its reason kept), which takes its rating off the shop.
 */
@Injectable()
export class ReviewsService {
  constructor(
    private readonly reviews: ReviewsRepository,
    private readonly shops: ShopsService,
  ) {}

  async create(customer: AuthenticatedUser, bookingId: string, dto: CreateReviewDto): Promise<ReviewDto> {
    const review = await this.reviews.transaction(async (manager) => {
      const booking = await this.reviews.booking(manager, bookingId);
      if (!booking || booking.customerId !== customer.id) throw new BookingNotFoundError();
      if (booking.status !== 'completed') throw new BookingNotCompletedError();
      const created = await this.reviews.create(manager, {
        bookingId,
        shopId: booking.shopId,
        serviceId: booking.serviceId,
        customerId: customer.id,
        rating: dto.rating,
        comment: dto.comment ?? null,
      });
      if (!created) throw new ReviewExistsError();
      return created;
    });
    return ReviewDto.from(review);
  }

  async list(
    shopId: string,
    viewer: AuthenticatedUser | undefined,
    query: PageQueryDto,
  ): Promise<Page<ReviewDto>> {
    await this.shops.findVisible(shopId, viewer);
    const before = query.cursor ? decodeCursor(query.cursor, isTimeKey) : undefined;
    const rows = await this.reviews.listVisible(shopId, query.limit + 1, before);
    return toKeyedPage(rows, query.limit, ReviewDto.from);
  }

  async reply(owner: AuthenticatedUser, shopId: string, reviewId: string, text: string): Promise<ReviewDto> {
    await this.shops.findManaged(shopId, owner, { adminMay: false });
    const replied = await this.reviews.reply(shopId, reviewId, text);
    if (replied) return ReviewDto.from(replied);
    const review = await this.reviews.findById(reviewId);
    if (!review || review.shopId !== shopId) throw new ReviewNotFoundError();
    throw new ReplyExistsError();
  }

  /** Hiding a hidden review changes nothing (the first reason stays) and answers it as it is. */
  async hide(admin: AuthenticatedUser, reviewId: string, reason: string): Promise<ModeratedReviewDto> {
    const review = await this.reviews.transaction(async (manager) => {
      const hidden = await this.reviews.hide(manager, reviewId, reason, admin.id);
      return hidden ?? (await this.reviews.findById(reviewId, manager));
    });
    if (!review) throw new ReviewNotFoundError();
    return ModeratedReviewDto.fromModerated(review);
  }
}
