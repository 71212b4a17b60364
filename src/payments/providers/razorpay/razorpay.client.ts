/**
 * Razorpay's REST API as HairOne calls it: basic auth with the key id and secret, a timeout on every call, and
 * every answer either validated against its schema or turned into one of the errors the callers act on
 * (ProviderUnavailableError: worth retrying; ProviderRejectedError: not; its subclass ProviderAnswerUnreadableError:
 * a success answer that could not be read, so the request may have taken effect). Both provider roles share it.
 *
 * Not the official SDK: its constructor fixes the host to api.razorpay.com (tests and the local demo use the
 * stand-in) and sets no timeout. The transport seam is where it would plug in.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import * as Joi from 'joi';

import { AppConfig } from '../../../config/app.config';
import { APP_CONFIG } from '../../../config/config.constants';
import {
  ProviderAnswerUnreadableError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from '../payment-provider';
import { validated } from './razorpay.schemas';
import { fetchTransport, RazorpayAnswer, RazorpayMethod, RazorpayTransport } from './razorpay.transport';

/** The provider name both roles report, and under which payments, events and payouts are stored. */
export const RAZORPAY = 'razorpay';

@Injectable()
export class RazorpayClient {
  // The context the single RazorpayProvider class logged under, so existing log searches still match.
  private readonly logger = new Logger('RazorpayProvider');
  private readonly settings: AppConfig['payments']['razorpay'];
  private readonly transport: RazorpayTransport;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.settings = config.payments.razorpay;
    this.transport = fetchTransport(this.settings.apiBaseUrl, this.settings.timeoutMs);
  }

  /** False without a key id and secret: no call is made, and ONLINE bookings and payouts are refused. */
  get enabled(): boolean {
    return Boolean(this.settings.keyId && this.settings.keySecret);
  }

  /**
   * The answer to `method path`, validated against `schema` (`what` names it in the error). A 2xx answer that is
   * not JSON or not what the schema describes is a ProviderAnswerUnreadableError: the request may have taken effect.
   */
  async request<T>(
    method: RazorpayMethod,
    path: string,
    schema: Joi.Schema,
    what: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const body = await this.call(method, path, options);
    try {
      return validated<T>(schema, body, what);
    } catch (error) {
      if (error instanceof ProviderRejectedError) throw new ProviderAnswerUnreadableError(error.message);
      throw error;
    }
  }

  private async call(
    method: RazorpayMethod,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> },
  ): Promise<unknown> {
    if (!this.enabled) throw new ProviderRejectedError('Razorpay credentials are not configured');
    const auth = Buffer.from(`${this.settings.keyId}:${this.settings.keySecret}`).toString('base64');
    let answer: RazorpayAnswer;
    try {
      answer = await this.transport.send(
        method,
        path,
        {
          Authorization: `Basic ${auth}`,
          Accept: 'application/json',
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...options.headers,
        },
        options.body === undefined ? undefined : JSON.stringify(options.body),
      );
    } catch (error) {
      throw new ProviderUnavailableError(`Razorpay ${method} ${path} failed: ${(error as Error).message}`);
    }
    const { status, text } = answer;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (status >= 500 || status === 429 || status === 409) {
      throw new ProviderUnavailableError(`Razorpay ${method} ${path} answered ${status}`);
    }
    if (status < 200 || status > 299) {
      const description =
        (body as { error?: { description?: unknown } } | undefined)?.error?.description ?? text.slice(0, 200);
      this.logger.warn({ msg: 'Razorpay refused a request', method, path, status, description });
      throw new ProviderRejectedError(
        `Razorpay ${method} ${path} answered ${status}: ${String(description)}`,
        status,
      );
    }
    if (body === undefined)
      throw new ProviderAnswerUnreadableError(`Razorpay ${method} ${path} answered without JSON`);
    return body;
  }
}
