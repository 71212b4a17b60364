import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

import { AppConfig } from '../../config/app.config';
import { APP_CONFIG } from '../../config/config.constants';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Host, port, TLS and credentials from `smtp://user:pass@host:port` (or `smtps://`, TLS from the start). */
function smtpOptions(url: string): Omit<SMTPPool.Options, 'pool'> {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    ...(parsed.username
      ? { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } }
      : {}),
  };
}

/**
 * E-mail through SMTP at SMTP_URL (nodemailer, pooled connections, every wait bounded by NOTIFY_TIMEOUT_MS).
 * Without SMTP_URL (local development) messages are written to the log instead and count as sent.
 */
@Injectable()
export class EmailChannel implements OnApplicationShutdown {
  private readonly logger = new Logger('EmailChannel');
  private readonly transport: Transporter | null;
  private readonly from: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { smtpUrl, from, timeoutMs } = config.notifications;
    this.from = from;
    this.transport = smtpUrl
      ? createTransport({
          ...smtpOptions(smtpUrl),
          pool: true,
          maxConnections: 4,
          connectionTimeout: timeoutMs,
          greetingTimeout: timeoutMs,
          socketTimeout: timeoutMs,
        })
      : null;
  }

  async send(message: EmailMessage): Promise<void> {
    if (!this.transport) {
      this.logger.log({
        msg: 'E-mail (no SMTP_URL set, logged instead)',
        to: message.to,
        subject: message.subject,
      });
      return;
    }
    await this.transport.sendMail({ from: this.from, ...message });
  }

  /** Closed last: a message being sent while the worker drains its queues still goes out. */
  onApplicationShutdown(): void {
    this.transport?.close();
  }
}
