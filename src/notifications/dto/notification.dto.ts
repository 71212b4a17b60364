import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { Template, TEMPLATES } from '../../../libs/notifications/templates';
import { PageQueryDto } from '../../common/pagination/pagination';
import { NotificationRow, NotificationStatus } from '../notifications.repository';

const STATUSES = ['pending', 'sent', 'failed'] as const;

export class NotificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['email', 'sms'] }) channel: 'email' | 'sms';
  @ApiProperty({ enum: TEMPLATES }) template: Template;
  @ApiProperty({ enum: STATUSES }) status: NotificationStatus;
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

  static from(row: NotificationRow): NotificationDto {
    return {
      id: row.id,
      channel: row.channel,
      template: row.template,
      status: row.status,
      attempts: row.attempts,
      createdAt: row.created_at.toISOString(),
      sentAt: row.sent_at?.toISOString() ?? null,
      sendAfter: row.send_after.toISOString(),
      bookingId: row.booking_id,
      settlementId: row.settlement_id,
    };
  }
}

/** What an admin also sees: who it is for and why the last attempt failed. */
export class AdminNotificationDto extends NotificationDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;

  static fromRow(row: NotificationRow): AdminNotificationDto {
    return { ...NotificationDto.from(row), userId: row.user_id, lastError: row.last_error };
  }
}

export class ListNotificationsQueryDto extends PageQueryDto {}

export class AdminListNotificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: NotificationStatus;
}
