import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_STATUSES,
  NotificationChannel,
  NotificationStatus,
} from '../../../libs/notifications/notification-status';
import { Template, TEMPLATES } from '../../../libs/notifications/templates';
import { PageQueryDto } from '../../common/pagination/pagination';
import { Notification } from '../notification';

export class NotificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: NOTIFICATION_CHANNELS }) channel: NotificationChannel;
  @ApiProperty({ enum: TEMPLATES }) template: Template;
  @ApiProperty({ enum: NOTIFICATION_STATUSES }) status: NotificationStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) sentAt: string | null;
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When it is due (reminders are due before the appointment)',
  })
  sendAfter: string;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) bookingId: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) settlementId: string | null;

  static from(notification: Notification): NotificationDto {
    return {
      id: notification.id,
      channel: notification.channel,
      template: notification.template,
      status: notification.status,
      attempts: notification.attempts,
      createdAt: notification.createdAt.toISOString(),
      sentAt: notification.sentAt?.toISOString() ?? null,
      sendAfter: notification.sendAfter.toISOString(),
      bookingId: notification.bookingId,
      settlementId: notification.settlementId,
    };
  }
}

/** What an admin also sees: who it is for and why the last attempt failed. */
export class AdminNotificationDto extends NotificationDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 1000 }) lastError: string | null;

  static override from(notification: Notification): AdminNotificationDto {
    return {
      ...NotificationDto.from(notification),
      userId: notification.userId,
      lastError: notification.lastError,
    };
  }
}

export class ListNotificationsQueryDto extends PageQueryDto {}

export class AdminListNotificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: NOTIFICATION_STATUSES })
  @IsOptional()
  @IsIn(NOTIFICATION_STATUSES)
  status?: NotificationStatus;
}
