import { createHmac, randomBytes } from 'node:crypto';

import { RazorpayStandIn, SignedEvent } from '../../dev/razorpay-stand-in/razorpay-stand-in';
import { TestAgent } from './test-app';

export const WEBHOOK_PATH = '/api/v1/payments/webhooks/razorpay';

export interface StandInPayment {
  orderId: string;
  paymentId: string;
  /** The checkout signature Razorpay Checkout would hand the browser. */
  signature: string;
  events: SignedEvent[];
}

/** The control API of a Razorpay stand-in (the run's shared one unless a suite starts its own). */
export class StandInClient {
  constructor(readonly baseUrl = process.env.RAZORPAY_API_BASE_URL as string) {}

  /** Pays an order; its webhooks are returned, not sent, so the test decides what reaches the API and when. */
  pay(orderId: string, options: { amountPaise?: number; currency?: string } = {}): Promise<StandInPayment> {
    return this.post(`/_stand-in/orders/${orderId}/pay`, { ...options, deliver: false });
  }

  /** Authorizes an order's payment without capturing it: Checkout's signature exists, the money does not yet. */
  authorize(orderId: string): Promise<StandInPayment> {
    return this.post(`/_stand-in/orders/${orderId}/pay`, { capture: false, deliver: false });
  }

  /** Captures an authorized payment; the payment.captured webhook is returned. */
  async capture(paymentId: string): Promise<SignedEvent> {
    const result = await this.post<{ events: SignedEvent[] }>(`/_stand-in/payments/${paymentId}/capture`, {
      deliver: false,
    });
    return result.events[0];
  }

  /** Razorpay refunds an authorization that was never captured: `refunded`, with `captured: false`. */
  autoRefund(paymentId: string): Promise<{ status: string; captured: boolean }> {
    return this.post(`/_stand-in/payments/${paymentId}/auto-refund`, {});
  }

  /** A refund made in Razorpay's dashboard (pending until settled). */
  dashboardRefund(paymentId: string, amountPaise: number): Promise<{ id: string; amount: number }> {
    return this.post(`/_stand-in/payments/${paymentId}/dashboard-refund`, { amountPaise });
  }

  async settleRefund(refundId: string, status: 'processed' | 'failed' = 'processed'): Promise<SignedEvent> {
    const result = await this.post<{ events: SignedEvent[] }>(`/_stand-in/refunds/${refundId}/settle`, {
      status,
      deliver: false,
    });
    return result.events[0];
  }

  payment(
    paymentId: string,
  ): Promise<{ status: string; refunds: Array<{ id: string; amount: number; status: string }> }> {
    return this.get(`/_stand-in/payments/${paymentId}`);
  }

  /** Route transfers the stand-in made to one linked account. */
  transfersTo(
    accountId: string,
  ): Promise<Array<{ id: string; amount: number; status: string; notes: Record<string, string> }>> {
    return this.get(`/_stand-in/transfers/${accountId}`);
  }

  async settleTransfer(
    transferId: string,
    status: 'processed' | 'failed' = 'processed',
  ): Promise<SignedEvent> {
    const result = await this.post<{ events: SignedEvent[] }>(`/_stand-in/transfers/${transferId}/settle`, {
      status,
      deliver: false,
    });
    return result.events[0];
  }

  order(orderId: string): Promise<{
    id: string;
    amount: number;
    currency: string;
    receipt: string;
    notes: Record<string, string>;
  }> {
    return this.get(`/_stand-in/orders/${orderId}`);
  }

  /**
   * Makes the next `next` Razorpay API requests fail with `status` (after taking effect, with `afterApplying`),
   * and/or answer `delayMs` late, or take effect and answer 200 with `answer` in place of the real body.
   */
  fault(fault: {
    next?: number;
    status?: number;
    afterApplying?: boolean;
    delayMs?: number;
    answer?: unknown;
  }): Promise<unknown> {
    return this.post('/_stand-in/faults', fault);
  }

  /** Requests the stand-in received, by "METHOD /v1/resource/:id/...". */
  calls(): Promise<Record<string, number>> {
    return this.get('/_stand-in/calls');
  }

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`);
    if (!response.ok) throw new Error(`stand-in GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`stand-in POST ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
}

export function signWebhook(body: string, secret = process.env.RAZORPAY_WEBHOOK_SECRET as string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Delivers a webhook exactly as Razorpay would: the raw body as signed, with its signature and event id. */
export function deliver(
  http: TestAgent,
  event: SignedEvent,
  overrides: { body?: string; signature?: string | null; eventId?: string | null } = {},
) {
  const request = http.post(WEBHOOK_PATH).set('Content-Type', 'application/json');
  const signature = overrides.signature === undefined ? event.signature : overrides.signature;
  const eventId = overrides.eventId === undefined ? event.id : overrides.eventId;
  if (signature !== null) request.set('X-Razorpay-Signature', signature);
  if (eventId !== null) request.set('X-Razorpay-Event-Id', eventId);
  return request.send(overrides.body ?? event.body);
}

/** Polls until `probe` returns something `done` accepts (queue work is asynchronous), or fails with the last value. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value)) {
    if (Date.now() > deadline)
      throw new Error(`Condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await probe();
  }
  return value;
}

/**
 * A Razorpay stand-in of a suite's own, with fresh keys: for suites that inject faults or count requests, which
 * must not disturb the run's shared stand-in. `env()` points an app at it (once it listens).
 */
export class OwnRazorpayStandIn extends RazorpayStandIn {
  readonly secrets: { keyId: string; keySecret: string; webhookSecret: string };

  constructor(keyId: string) {
    const secrets = {
      keyId,
      keySecret: randomBytes(16).toString('hex'),
      webhookSecret: randomBytes(16).toString('hex'),
    };
    super(secrets);
    this.secrets = secrets;
  }

  env(): Record<string, string> {
    return {
      RAZORPAY_API_BASE_URL: this.url,
      RAZORPAY_KEY_ID: this.secrets.keyId,
      RAZORPAY_KEY_SECRET: this.secrets.keySecret,
      RAZORPAY_WEBHOOK_SECRET: this.secrets.webhookSecret,
    };
  }
}

/** What Razorpay Checkout's handler posts to the API after a payment. */
export function checkoutResult(paid: { orderId: string; paymentId: string; signature: string }) {
  return {
    razorpay_order_id: paid.orderId,
    razorpay_payment_id: paid.paymentId,
    razorpay_signature: paid.signature,
  };
}

/** The customer pays the booking's order at the stand-in, and Checkout's handler verifies it with the API. */
export async function payAndVerify(
  http: TestAgent,
  razorpay: StandInClient,
  customer: { accessToken: string },
  booking: { payment?: { orderId: string } },
): Promise<StandInPayment & { body: unknown }> {
  const paid = await razorpay.pay(booking.payment?.orderId as string);
  const verified = await http
    .post('/api/v1/payments/razorpay/verify')
    .set('Authorization', `Bearer ${customer.accessToken}`)
    .send(checkoutResult(paid))
    .expect(200);
  return { ...paid, body: verified.body };
}
