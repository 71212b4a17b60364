import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import {
  AuthenticatedUser,
  CurrentUser,
  OptionalUser,
  Public,
  Roles,
} from '../common/decorators/auth.decorators';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiPageResponse, Page, PageQueryDto } from '../common/pagination/pagination';
import {
  CreateReviewDto,
  HideReviewDto,
  ModeratedReviewDto,
  ReplyToReviewDto,
  ReviewDto,
} from './dto/review.dto';
import { ReviewsService } from './reviews.service';

@ApiTags('reviews')
@Controller()
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Post('bookings/:id/review')
  @Roles('customer')
  @ApiOperation({
    summary: 'Review a completed booking (its customer, once)',
    description:
      '409 BOOKING_NOT_COMPLETED unless the booking is completed; 409 REVIEW_EXISTS for a second one.',
  })
  @ApiCreatedResponse({ type: ReviewDto })
  @ApiErrors(400, 403, 404, 409)
  create(
    @CurrentUser() customer: AuthenticatedUser,
    @UuidParam('id') bookingId: string,
    @Body() dto: CreateReviewDto,
  ): Promise<ReviewDto> {
    return this.reviews.create(customer, bookingId, dto);
  }

  @Get('shops/:id/reviews')
  @Public()
  @ApiOperation({ summary: "A shop's reviews, newest first (hidden ones left out)" })
  @ApiPageResponse(ReviewDto)
  @ApiErrors(400, 404)
  list(
    @UuidParam('id') shopId: string,
    @Query() query: PageQueryDto,
    @OptionalUser() viewer?: AuthenticatedUser,
  ): Promise<Page<ReviewDto>> {
    return this.reviews.list(shopId, viewer, query);
  }

  @Post('shops/:id/reviews/:reviewId/reply')
  @Roles('shop_owner')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Reply to a review of one's shop (once; a second is 409 REPLY_EXISTS)" })
  @ApiOkResponse({ type: ReviewDto })
  @ApiErrors(400, 403, 404, 409)
  reply(
    @CurrentUser() owner: AuthenticatedUser,
    @UuidParam('id') shopId: string,
    @UuidParam('reviewId') reviewId: string,
    @Body() dto: ReplyToReviewDto,
  ): Promise<ReviewDto> {
    return this.reviews.reply(owner, shopId, reviewId, dto.text);
  }
}

@ApiTags('admin')
@Controller('admin/reviews')
export class AdminReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Post(':reviewId/hide')
  @Roles('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Hide an abusive review (its reason kept); it leaves the list and the shop’s rating',
    description: 'Hiding a hidden review changes nothing and answers it as it is.',
  })
  @ApiOkResponse({ type: ModeratedReviewDto })
  @ApiErrors(400, 403, 404)
  hide(
    @CurrentUser() admin: AuthenticatedUser,
    @UuidParam('reviewId') reviewId: string,
    @Body() dto: HideReviewDto,
  ): Promise<ModeratedReviewDto> {
    return this.reviews.hide(admin, reviewId, dto.reason);
  }
}
