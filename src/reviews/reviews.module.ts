import { Module } from '@nestjs/common';

import { ShopsModule } from '../shops/shops.module';
import { AdminReviewsController, ReviewsController } from './reviews.controller';
import { ReviewsRepository } from './reviews.repository';
import { ReviewsService } from './reviews.service';

/** Verified reviews of completed bookings, owners' replies, admins' moderation, and the shop's rating. */
@Module({
  imports: [ShopsModule],
  controllers: [ReviewsController, AdminReviewsController],
  providers: [ReviewsService, ReviewsRepository],
})
export class ReviewsModule {}
