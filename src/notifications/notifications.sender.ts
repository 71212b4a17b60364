import { Inject, Injectable, Logger } from '@nestjs/common';

import { renderBooking, Rendered, renderSettlement } from '../../libs/notifications/templates';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { MetricsService } from '../metrics/metrics.service';
import { EmailChannel } from './channels/email.channel';
import { SmsChannel } from './channels/sms.channel';
import { MessageContext } from './notification';
import { NotificationsRepository } from './notifications.repository';

const MINUTE_MS = 60_000;

/** Sends one message from the outbox: renders it from the current data, checks it still applies, delivers it. */
@Injectable()
export class NotificationsSender {
  private readonly logger = new Logger(NotificationsSender.name);

  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly email: EmailChannel,
    private readonly sms: SmsChannel,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Throws when delivery fails (the job is retried with backoff); returns what happened otherwise. */
  async send(id: string): Promise<'sent' | 'withdrawn' | 'not_pending'> {
    const message = await this.notifications.context(id);
    if (!message || message.status !== 'pending') return 'not_pending';
    if (!this.stillApplies(message)) {
      await this.notifications.withdraw(id);
      this.logger.log({ msg: 'A reminder no longer applies; withdrawn', notificationId: id });
      return 'withdrawn';
    }
    const rendered = this.render(message);
    if (message.channel === 'email') {
      await this.email.send({
        to: message.recipientEmail,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
      });
    } else if (message.recipientPhone) {
      await this.sms.send(message.recipientPhone, rendered.sms);
    }
    await this.notifications.markSent(id);
    this.metrics.notificationsSent.inc({ channel: message.channel, template: message.template });
    return 'sent';
  }

  async failed(id: string, error: Error, final: boolean): Promise<void> {
    const message = await this.notifications.context(id);
    await this.notifications.recordFailure(id, error.message, final);
    if (final && message) {
      this.metrics.notificationsFailed.inc({ channel: message.channel, template: message.template });
      this.logger.error({ msg: 'A notification failed for good', notificationId: id, err: error });
    }
  }

  /** A reminder is sent only for a booking that is still upcoming at the time it was scheduled for. */
  private stillApplies(message: MessageContext): boolean {
    if (message.template !== 'booking_reminder') return true;
    if (message.bookingStatus !== 'upcoming' || !message.startsAt) return false;
    const due = message.startsAt.getTime() - this.config.notifications.reminderLeadMinutes * MINUTE_MS;
    return Math.abs(due - message.sendAfter.getTime()) < MINUTE_MS;
  }

  private render(message: MessageContext): Rendered {
    if (message.template === 'settlement_statement') {
      return renderSettlement({
        recipientName: message.recipientName,
        shopName: message.shopName,
        timezone: message.timezone,
        cutoff: message.settlementCutoff as Date,
        bookingCount: message.bookingCount ?? 0,
        onlineCollectedPaise: message.onlineCollectedPaise ?? 0,
        commissionPaise: message.commissionPaise ?? 0,
        netPayablePaise: message.netPayablePaise ?? 0,
      });
    }
    return renderBooking(message.template, {
      recipientName: message.recipientName,
      customerName: message.customerName ?? '',
      shopName: message.shopName,
      shopAddress: message.shopAddress,
      serviceName: message.serviceName ?? '',
      startsAt: message.startsAt as Date,
      timezone: message.timezone,
      amountPaise: message.amountPaise ?? 0,
      paymentMethod: message.paymentMethod ?? 'PAY_AT_SHOP',
      cancelReason: message.cancelReason,
      paidPaise: message.paidPaise,
      refundPaise: message.refundPaise,
      chargedPaise: message.chargedPaise,
    });
  }
}
