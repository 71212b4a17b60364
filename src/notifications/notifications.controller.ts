import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { Authenticated, AuthenticatedUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { UuidParam } from '../common/decorators/uuid-param.decorator';
import { ApiPageResponse, Page } from '../common/pagination/pagination';
import {
  AdminListNotificationsQueryDto,
  AdminNotificationDto,
  ListNotificationsQueryDto,
  NotificationDto,
} from './dto/notification.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@Controller()
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get('notifications')
  @Authenticated()
  @ApiOperation({ summary: 'My messages, newest first' })
  @ApiPageResponse(NotificationDto)
  @ApiErrors(400, 401)
  mine(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListNotificationsQueryDto,
  ): Promise<Page<NotificationDto>> {
    return this.notifications.listMine(user, query);
  }

  @Get('admin/notifications')
  @Roles('admin')
  @ApiOperation({ summary: 'All messages, newest first, by status (e.g. failed)' })
  @ApiPageResponse(AdminNotificationDto)
  @ApiErrors(400, 401, 403)
  all(@Query() query: AdminListNotificationsQueryDto): Promise<Page<AdminNotificationDto>> {
    return this.notifications.listAll(query);
  }

  @Post('admin/notifications/:id/retry')
  @Roles('admin')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Send a failed message again' })
  @ApiAcceptedResponse({ description: 'The message is pending again and will be sent by the worker' })
  @ApiErrors(400, 401, 403, 404, 409)
  async retry(@UuidParam('id') id: string): Promise<void> {
    await this.notifications.retry(id);
  }
}
