import { Inject, Injectable, Logger } from '@nestjs/common';

import { renderBooking, Rendered, renderSettlement } from '../../libs/notifications/templates';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { MetricsService } from '../metrics/metrics.service';
import { EmailChannel } from './channels/email.channel';
import { SmsChannel } from './channels/sms.channel';
import { MessageContext, NotificationsRepository } from './notifications.repository';

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
        to: message.recipient_email,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
      });
    } else if (message.recipient_phone) {
      await this.sms.send(message.recipient_phone, rendered.sms);
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
    if (message.booking_status !== 'upcoming' || !message.starts_at) return false;
    const due = message.starts_at.getTime() - this.config.notifications.reminderLeadMinutes * MINUTE_MS;
    return Math.abs(due - message.send_after.getTime()) < MINUTE_MS;
  }

  private render(message: MessageContext): Rendered {
    if (message.template === 'settlement_statement') {
      return renderSettlement({
        recipientName: message.recipient_name,
        shopName: message.shop_name,
        timezone: message.timezone,
        cutoff: message.settlement_cutoff as Date,
        bookingCount: message.booking_count ?? 0,
        onlineCollectedPaise: Number(message.online_collected_paise),
        commissionPaise: Number(message.commission_paise),
        netPayablePaise: Number(message.net_payable_paise),
      });
    }
    return renderBooking(message.template, {
      recipientName: message.recipient_name,
      customerName: message.customer_name ?? '',
      shopName: message.shop_name,
      shopAddress: message.shop_address,
      serviceName: message.service_name ?? '',
      startsAt: message.starts_at as Date,
      timezone: message.timezone,
      amountPaise: message.amount_paise ?? 0,
      paymentMethod: message.payment_method ?? 'PAY_AT_SHOP',
      cancelReason: message.cancel_reason,
    });
  }
}
