import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { queryReturning } from '../common/database/query-returning';
import { exactTimestamp, Keyed, TimeKey } from '../common/pagination/pagination';
import { DatabaseReader } from '../database/replicas/database-reader';
import { Review } from './review';

interface ReviewRow {
  id: string;
  booking_id: string;
  shop_id: string;
  service_id: string;
  customer_id: string;
  rating: number;
  comment: string | null;
  reply: string | null;
  replied_at: Date | null;
  hidden: boolean;
  hidden_reason: string | null;
  created_at: Date;
}

const toReview = (row: ReviewRow): Review => ({
  id: row.id,
  bookingId: row.booking_id,
  shopId: row.shop_id,
  serviceId: row.service_id,
  customerId: row.customer_id,
  rating: row.rating,
  comment: row.comment,
  reply: row.reply,
  repliedAt: row.replied_at,
  hidden: row.hidden,
  hiddenReason: row.hidden_reason,
  createdAt: row.created_at,
});

/** The booking a review is for, as far as reviewing it is concerned. */
export interface ReviewedBooking {
  customerId: string;
  shopId: string;
  serviceId: string;
  status: string;
}

/**
 * Reviews, and the shop's rating aggregate beside them: every change of a visible rating changes the shop's
 * `rating_sum`, `rating_count` and `rating_average` in the same transaction, by one increment under the shop row's
 * lock, so concurrent reviews of one shop add up exactly and the average is never recomputed from reviews (a check
 * constraint holds it to the rounded mean of the two).
 */
@Injectable()
export class ReviewsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reader: DatabaseReader,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async booking(manager: EntityManager, bookingId: string): Promise<ReviewedBooking | null> {
    const rows: Array<{ customer_id: string; shop_id: string; service_id: string; status: string }> =
      await manager.query('SELECT customer_id, shop_id, service_id, status FROM bookings WHERE id = $1', [
        bookingId,
      ]);
    const row = rows[0];
    return row
      ? { customerId: row.customer_id, shopId: row.shop_id, serviceId: row.service_id, status: row.status }
      : null;
  }

  /** The new review and its rating counted on the shop; null when the booking has a review already. */
  async create(
    manager: EntityManager,
    review: Pick<Review, 'bookingId' | 'shopId' | 'serviceId' | 'customerId' | 'rating' | 'comment'>,
  ): Promise<Review | null> {
    const rows: ReviewRow[] = await manager.query(
      `INSERT INTO reviews (booking_id, shop_id, service_id, customer_id, rating, comment)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ON CONSTRAINT reviews_one_per_booking DO NOTHING
       RETURNING *`,
      [review.bookingId, review.shopId, review.serviceId, review.customerId, review.rating, review.comment],
    );
    if (!rows[0]) return null;
    await this.count(manager, review.shopId, review.rating, 1);
    return toReview(rows[0]);
  }

  /** Sets the reply if there is none yet; null when the review (of that shop) has one or does not exist. */
  async reply(shopId: string, reviewId: string, text: string): Promise<Review | null> {
    const rows = await queryReturning<ReviewRow>(
      this.dataSource,
      `UPDATE reviews SET reply = $3, replied_at = now()
        WHERE id = $1 AND shop_id = $2 AND reply IS NULL
        RETURNING *`,
      [reviewId, shopId, text],
    );
    return rows[0] ? toReview(rows[0]) : null;
  }

  /** Hides a visible review and takes its rating off the shop; null when it is hidden already or missing. */
  async hide(
    manager: EntityManager,
    reviewId: string,
    reason: string,
    adminId: string,
  ): Promise<Review | null> {
    const rows = await queryReturning<ReviewRow>(
      manager,
      `UPDATE reviews SET hidden = true, hidden_reason = $2, hidden_by = $3, hidden_at = now()
        WHERE id = $1 AND NOT hidden
        RETURNING *`,
      [reviewId, reason, adminId],
    );
    if (!rows[0]) return null;
    await this.count(manager, rows[0].shop_id, rows[0].rating, -1);
    return toReview(rows[0]);
  }

  async findById(
    reviewId: string,
    manager: EntityManager | DataSource = this.dataSource,
  ): Promise<Review | null> {
    const rows: ReviewRow[] = await manager.query('SELECT * FROM reviews WHERE id = $1', [reviewId]);
    return rows[0] ? toReview(rows[0]) : null;
  }

  /** A shop's visible reviews, newest first, with exact page keys. */
  async listVisible(shopId: string, limit: number, before?: TimeKey): Promise<Array<Keyed<Review>>> {
    const rows: Array<ReviewRow & { cursor_at: string }> = await this.reader.query(
      `SELECT *, ${exactTimestamp('created_at')} AS cursor_at
         FROM reviews
        WHERE shop_id = $1 AND NOT hidden
          AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT $4`,
      [shopId, before?.[0] ?? null, before?.[1] ?? null, limit],
    );
    return rows.map((row) => ({ item: toReview(row), key: [row.cursor_at, row.id] }));
  }

  private async count(manager: EntityManager, shopId: string, rating: number, step: 1 | -1): Promise<void> {
    await manager.query(
      `UPDATE shops
          SET rating_sum = rating_sum + $2, rating_count = rating_count + $3,
              rating_average = CASE WHEN rating_count + $3 > 0
                                    THEN round((rating_sum + $2)::numeric / (rating_count + $3), 1) END
        WHERE id = $1`,
      [shopId, rating * step, step],
    );
  }
}
