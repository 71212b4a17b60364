import { Inject, Injectable, Logger } from '@nestjs/common';

import { AppConfig } from '../../config/app.config';
import { APP_CONFIG } from '../../config/config.constants';

/**
 * SMS through an HTTP SMS provider: `POST <SMS_API_BASE_URL>/messages` with `{ to, text }` and the key as a bearer
 * token; any 2xx is accepted, anything else (or no answer within NOTIFY_TIMEOUT_MS) is a failure to retry. Without
 * SMS settings (local development) messages are written to the log instead.
 */
@Injectable()
export class SmsChannel {
  private readonly logger = new Logger('SmsChannel');
  private readonly settings: AppConfig['notifications']['sms'];
  private readonly timeoutMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.settings = config.notifications.sms;
    this.timeoutMs = config.notifications.timeoutMs;
  }

  async send(to: string, text: string): Promise<void> {
    if (!this.settings) {
      this.logger.log({ msg: 'SMS (no SMS_API_BASE_URL set, logged instead)', to, text });
      return;
    }
    const response = await fetch(new URL('messages', this.settings.baseUrl.replace(/\/?$/, '/')), {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.settings.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to, text }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) {
      throw new Error(
        `The SMS provider answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
      );
    }
  }
}
