import { HttpStatus, Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';

import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { DomainError, NotFoundError } from '../common/errors/domain-error';
import { decodeCursor, isCreatedAtKey, Page, toKeyedPage } from '../common/pagination/pagination';
import { MetricsService } from '../metrics/metrics.service';
import {
  AdminListNotificationsQueryDto,
  AdminNotificationDto,
  ListNotificationsQueryDto,
  NotificationDto,
} from './dto/notification.dto';
import { NotificationsRepository } from './notifications.repository';

export class NotificationNotFailedError extends DomainError {
  constructor() {
    super(HttpStatus.CONFLICT, 'NOTIFICATION_NOT_FAILED', 'Only a failed message can be retried');
  }
}

@Injectable()
export class NotificationsService implements OnModuleInit {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly metrics: MetricsService,
  ) {}

  /** Queue depth per channel, read from the outbox when Prometheus scrapes. */
  onModuleInit(): void {
    if (this.metrics.registry.getSingleMetric('notification_queue_depth')) return;
    const notifications = this.notifications;
    new Gauge({
      name: 'notification_queue_depth',
      help: 'Messages still to be sent (pending), by channel',
      labelNames: ['channel'] as const,
      registers: [this.metrics.registry],
      async collect() {
        this.reset();
        for (const row of await notifications.pendingByChannel()) this.set({ channel: row.channel }, row.n);
      },
    });
  }

  async listMine(user: AuthenticatedUser, query: ListNotificationsQueryDto): Promise<Page<NotificationDto>> {
    const before = query.cursor ? decodeCursor(query.cursor, isCreatedAtKey) : undefined;
    const notifications = await this.notifications.list({ userId: user.id }, query.limit + 1, before);
    return toKeyedPage(notifications, query.limit, NotificationDto.from);
  }

  async listAll(query: AdminListNotificationsQueryDto): Promise<Page<AdminNotificationDto>> {
    const before = query.cursor ? decodeCursor(query.cursor, isCreatedAtKey) : undefined;
    const notifications = await this.notifications.list({ status: query.status }, query.limit + 1, before);
    return toKeyedPage(notifications, query.limit, AdminNotificationDto.from);
  }

  async retry(id: string): Promise<void> {
    const result = await this.notifications.retry(id);
    if (result === 'missing') throw new NotFoundError('Notification');
    if (result === 'not_failed') throw new NotificationNotFailedError();
  }
}
