/**
 * Razorpay's REST API as HairOne calls it, through the official SDK (razorpay.transport.ts): basic auth with the
 * key id and secret, a timeout on every call, and every answer either validated against its schema or turned into
 * one of the errors the callers act on (ProviderUnavailableError: worth retrying; ProviderRejectedError: not; its
 * subclass ProviderAnswerUnreadableError: a success answer that could not be read, so the request may have taken
 * effect). Both provider roles share it.
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
import {
  RazorpayAnswer,
  RazorpayApi,
  razorpayApi,
  RazorpayCall,
  RazorpayNoAnswerError,
} from './razorpay.transport';

/** The provider name both roles report, and under which payments, events and payouts are stored. */
export const RAZORPAY = 'razorpay';

@Injectable()
export class RazorpayClient {
  // The context the single RazorpayProvider class logged under, so existing log searches still match.
  private readonly logger = new Logger('RazorpayProvider');
  /** Only with a key id and secret (the SDK refuses to be built without a key id). */
  private readonly api?: RazorpayApi;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { apiBaseUrl, keyId, keySecret, timeoutMs } = config.payments.razorpay;
    if (keyId && keySecret) this.api = razorpayApi({ apiBaseUrl, keyId, keySecret, timeoutMs });
  }

  /** False without a key id and secret: no call is made, and ONLINE bookings and payouts are refused. */
  get enabled(): boolean {
    return this.api !== undefined;
  }

  /**
   * The answer to the call `pick` chooses, validated against `schema` (`what` names it in the error). A 2xx answer
   * that is not JSON or not what the schema describes is a ProviderAnswerUnreadableError: the request may have taken
   * effect.
   */
  async request<T>(pick: (api: RazorpayApi) => RazorpayCall, schema: Joi.Schema, what: string): Promise<T> {
    if (!this.api) throw new ProviderRejectedError('Razorpay credentials are not configured');
    const body = await this.call(pick(this.api));
    try {
      return validated<T>(schema, body, what);
    } catch (error) {
      if (error instanceof ProviderRejectedError) throw new ProviderAnswerUnreadableError(error.message);
      throw error;
    }
  }

  private async call({ method, path, send }: RazorpayCall): Promise<unknown> {
    let answer: RazorpayAnswer;
    try {
      answer = await send();
    } catch (error) {
      if (error instanceof RazorpayNoAnswerError) {
        throw new ProviderUnavailableError(`Razorpay ${method} ${path} failed: ${error.message}`);
      }
      // The SDK refused to send it (a missing id): nothing reached Razorpay, and a retry would fare no better.
      throw new ProviderRejectedError(`Razorpay ${method} ${path} was not sent: ${(error as Error).message}`);
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
