import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

import { checkoutSignature, hmacSha256Hex } from '../../libs/payments/signatures';
import { HttpError } from './http-error';
import { IdempotencyLedger } from './idempotency-ledger';

/**
 * A local stand-in for the parts of Razorpay HairOne uses: Orders, Payments and Refunds (with basic auth and
 * idempotent refunds, as the real API), plus a control API that plays the customer and Razorpay's side:
 * `POST /_stand-in/orders/:id/pay` pays an order and sends the signed `payment.captured` and `order.paid`
 * webhooks, `POST /_stand-in/refunds/:id/settle` finishes a refund and sends `refund.processed` or `refund.failed`.
 * `npm start` runs it so an online booking can be completed offline; the e2e tests run it too.
 */
export interface StandInOptions {
  keyId: string;
  keySecret: string;
  webhookSecret: string;
  /** Where signed webhooks are delivered; without it, the control API only returns them. */
  webhookUrl?: string;
  /** Settle refunds as processed (and send the webhook) right after they are created. */
  autoSettleRefunds?: boolean;
  /** Settle Route transfers as processed (and send the webhook) right after they are created. */
  autoSettleTransfers?: boolean;
}

interface Order {
  id: string;
  entity: 'order';
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  receipt: string | null;
  status: 'created' | 'attempted' | 'paid';
  attempts: number;
  notes: Record<string, string>;
  created_at: number;
}

interface Payment {
  id: string;
  entity: 'payment';
  amount: number;
  currency: string;
  status: 'authorized' | 'captured' | 'refunded' | 'failed';
  order_id: string;
  amount_refunded: number;
  refund_status: 'partial' | 'full' | null;
  captured: boolean;
  method: 'upi';
  created_at: number;
}

interface Refund {
  id: string;
  entity: 'refund';
  amount: number;
  currency: string;
  payment_id: string;
  receipt: string | null;
  notes: Record<string, string>;
  status: 'pending' | 'processed' | 'failed';
  speed_requested: string;
  created_at: number;
}

interface Transfer {
  id: string;
  entity: 'transfer';
  status: 'pending' | 'processed' | 'failed';
  source: string;
  recipient: string;
  amount: number;
  currency: string;
  notes: Record<string, string>;
  created_at: number;
  processed_at: number | null;
}

export interface SignedEvent {
  id: string;
  type: string;
  body: string;
  signature: string;
}

/**
 * What happens to the next `remaining` API requests: an answer `delayMs` late, and/or a `status` failure, or a
 * malformed `answer`.
 */
interface Fault {
  remaining: number;
  /** 0: answer normally (after the delay). */
  status: number;
  /** Apply the request first, then wait `delayMs` and answer (or fail): the caller cannot tell it took effect. */
  afterApplying: boolean;
  delayMs: number;
  /** Apply the request, then answer 200 with this body instead of the real one: a malformed answer. */
  answer?: unknown;
}

const NO_FAULT: Fault = { remaining: 0, status: 0, afterApplying: false, delayMs: 0 };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function newId(prefix: string): string {
  const bytes = randomBytes(14);
  return `${prefix}_${Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join('')}`;
}
const now = () => Math.floor(Date.now() / 1000);

export class RazorpayStandIn {
  private server?: Server;
  private readonly orders = new Map<string, Order>();
  private readonly payments = new Map<string, Payment>();
  private readonly refunds = new Map<string, Refund>();
  private readonly refundKeys = new IdempotencyLedger(/^[A-Za-z0-9_-]{10,}$/, (id) => this.refund(id));
  private readonly transfers = new Map<string, Transfer>();
  private readonly transferKeys = new IdempotencyLedger(/^[A-Za-z0-9_ -]{4,36}$/, (id) => this.transfer(id));
  private readonly delivered: Array<{ eventId: string; status: number }> = [];
  private faults: Fault = NO_FAULT;
  /** Requests to the Razorpay API by "METHOD path-template", for tests that count calls. */
  readonly calls = new Map<string, number>();

  constructor(private readonly options: StandInOptions) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, host, () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const body = await this.readBody(request);
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const segments = url.pathname.split('/').filter(Boolean);
      const result =
        segments[0] === '_stand-in'
          ? await this.control(request.method ?? 'GET', segments.slice(1), body)
          : await this.apiWithFaults(request, segments, body);
      this.send(response, 200, result);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : error instanceof SyntaxError ? 400 : 500;
      const description = error instanceof Error ? error.message : 'stand-in failure';
      this.send(response, status, {
        error: { code: status >= 500 ? 'SERVER_ERROR' : 'BAD_REQUEST_ERROR', description },
      });
    }
  }

  /**
   * The API with the faults a test asked for: a slow answer, a failure before anything happens, or a failure
   * after the request took effect (as when Razorpay's answer is lost on the way back).
   */
  private async apiWithFaults(request: IncomingMessage, segments: string[], body: string): Promise<unknown> {
    const template = `${request.method ?? 'GET'} /${segments.map((segment, index) => (index > 0 && index % 2 === 0 ? ':id' : segment)).join('/')}`;
    this.calls.set(template, (this.calls.get(template) ?? 0) + 1);
    const fault = this.faults.remaining > 0 ? this.faults : undefined;
    if (fault) fault.remaining -= 1;
    const delay = () => new Promise((resolve) => setTimeout(resolve, fault?.delayMs ?? 0));
    if (fault && fault.answer !== undefined) {
      this.api(request, segments, body);
      await delay();
      return fault.answer;
    }
    if (fault?.afterApplying) {
      // The request takes effect at once; its answer is late, or lost.
      const result = this.api(request, segments, body);
      await delay();
      if (fault.status)
        throw new HttpError(fault.status, 'The stand-in was told to lose the answer to this request');
      return result;
    }
    await delay();
    if (fault?.status) throw new HttpError(fault.status, 'The stand-in was told to fail this request');
    return this.api(request, segments, body);
  }

  /** The Razorpay API, as documented at razorpay.com/docs/api. */
  private api(request: IncomingMessage, segments: string[], rawBody: string): unknown {
    const expected = `Basic ${Buffer.from(`${this.options.keyId}:${this.options.keySecret}`).toString('base64')}`;
    if (request.headers.authorization !== expected) throw new HttpError(401, 'Authentication failed');
    const method = request.method ?? 'GET';
    const body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : {};
    const [version, resource, id, sub] = segments;
    if (version !== 'v1') throw new HttpError(404, 'The requested URL was not found on the server.');
    if (method === 'POST' && resource === 'orders' && !id) return this.createOrder(body);
    if (method === 'GET' && resource === 'orders' && id && !sub) return this.order(id);
    if (method === 'GET' && resource === 'orders' && id && sub === 'payments') {
      const items = [...this.payments.values()].filter((payment) => payment.order_id === this.order(id).id);
      return { entity: 'collection', count: items.length, items };
    }
    if (method === 'GET' && resource === 'payments' && id && !sub) return this.payment(id);
    if (method === 'POST' && resource === 'payments' && id && sub === 'refund') {
      return this.createRefund(id, body, rawBody, request.headers['x-refund-idempotency']);
    }
    if (method === 'GET' && resource === 'payments' && id && sub === 'refunds') {
      const items = [...this.refunds.values()].filter((refund) => refund.payment_id === this.payment(id).id);
      return { entity: 'collection', count: items.length, items };
    }
    if (method === 'GET' && resource === 'refunds' && id) return this.refund(id);
    if (method === 'POST' && resource === 'transfers' && !id) {
      return this.createTransfer(body, rawBody, request.headers['x-transfer-idempotency']);
    }
    if (method === 'GET' && resource === 'transfers' && id) return this.transfer(id);
    throw new HttpError(404, 'The requested URL was not found on the server.');
  }

  private createOrder(body: Record<string, unknown>): Order {
    const { amount, currency, receipt, notes } = body;
    if (!Number.isInteger(amount) || (amount as number) < 100) {
      throw new HttpError(400, 'The amount must be atleast INR 1.00');
    }
    if (currency !== 'INR') throw new HttpError(400, 'Currency is not supported');
    if (receipt !== undefined && (typeof receipt !== 'string' || receipt.length > 40)) {
      throw new HttpError(400, 'receipt may not be greater than 40 characters.');
    }
    const order: Order = {
      id: newId('order'),
      entity: 'order',
      amount: amount as number,
      amount_paid: 0,
      amount_due: amount as number,
      currency,
      receipt: (receipt as string | undefined) ?? null,
      status: 'created',
      attempts: 0,
      notes: (notes as Record<string, string> | undefined) ?? {},
      created_at: now(),
    };
    this.orders.set(order.id, order);
    return order;
  }

  private createRefund(
    paymentId: string,
    body: Record<string, unknown>,
    rawBody: string,
    idempotencyKey: string | string[] | undefined,
  ): Refund {
    const payment = this.payment(paymentId);
    return this.refundKeys.once({ key: idempotencyKey, body: rawBody, scope: paymentId }, () =>
      this.newRefund(payment, body),
    );
  }

  private newRefund(payment: Payment, body: Record<string, unknown>): Refund {
    const amount = body.amount === undefined ? payment.amount - payment.amount_refunded : body.amount;
    if (!Number.isInteger(amount) || (amount as number) <= 0)
      throw new HttpError(400, 'Invalid refund amount');
    if (payment.status !== 'captured' && payment.status !== 'refunded') {
      throw new HttpError(400, 'Payment has not been captured');
    }
    if (payment.amount_refunded + (amount as number) > payment.amount) {
      throw new HttpError(400, 'The total refund amount is greater than the refund payment amount');
    }
    payment.amount_refunded += amount as number;
    payment.refund_status = payment.amount_refunded === payment.amount ? 'full' : 'partial';
    if (payment.refund_status === 'full') payment.status = 'refunded';
    const refund: Refund = {
      id: newId('rfnd'),
      entity: 'refund',
      amount: amount as number,
      currency: payment.currency,
      payment_id: payment.id,
      receipt: (body.receipt as string | undefined) ?? null,
      notes: (body.notes as Record<string, string> | undefined) ?? {},
      status: 'pending',
      speed_requested: (body.speed as string | undefined) ?? 'normal',
      created_at: now(),
    };
    this.refunds.set(refund.id, refund);
    if (this.options.autoSettleRefunds) {
      setTimeout(() => void this.settleRefund(refund.id, 'processed', true).catch(() => undefined), 50);
    }
    return refund;
  }

  /** Route direct transfers to linked accounts, idempotent by X-Transfer-Idempotency as documented. */
  private createTransfer(
    body: Record<string, unknown>,
    rawBody: string,
    idempotencyKey: string | string[] | undefined,
  ): Transfer {
    return this.transferKeys.once({ key: idempotencyKey, body: rawBody }, () => this.newTransfer(body));
  }

  private newTransfer(body: Record<string, unknown>): Transfer {
    const { account, amount, currency, notes } = body;
    if (typeof account !== 'string' || !/^acc_[A-Za-z0-9]{14}$/.test(account)) {
      throw new HttpError(400, 'The account id provided does not exist');
    }
    if (!Number.isInteger(amount) || (amount as number) < 100) {
      throw new HttpError(400, 'The amount must be atleast INR 1.00');
    }
    if (currency !== 'INR') throw new HttpError(400, 'Currency is not supported');
    const transfer: Transfer = {
      id: newId('trf'),
      entity: 'transfer',
      status: 'pending',
      source: 'acc_HairOneStandIn',
      recipient: account,
      amount: amount as number,
      currency,
      notes: (notes as Record<string, string> | undefined) ?? {},
      created_at: now(),
      processed_at: null,
    };
    this.transfers.set(transfer.id, transfer);
    if (this.options.autoSettleTransfers) {
      setTimeout(() => void this.settleTransfer(transfer.id, 'processed', true).catch(() => undefined), 50);
    }
    return transfer;
  }

  private async settleTransfer(
    transferId: string,
    status: 'processed' | 'failed',
    deliver: boolean,
  ): Promise<SignedEvent[]> {
    const transfer = this.transfer(transferId);
    transfer.status = status;
    transfer.processed_at = status === 'processed' ? now() : null;
    const events = [this.event(`transfer.${status}`, { transfer: { entity: transfer } })];
    if (deliver && this.options.webhookUrl) for (const event of events) await this.deliver(event);
    return events;
  }

  private transfer(id: string): Transfer {
    const transfer = this.transfers.get(id);
    if (!transfer) throw new HttpError(400, 'The id provided does not exist');
    return transfer;
  }

  /** The customer's side and Razorpay's webhooks, for tests and the local demo. */
  private async control(method: string, segments: string[], rawBody: string): Promise<unknown> {
    const body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : {};
    const [resource, id, action] = segments;
    if (method === 'POST' && resource === 'orders' && id && action === 'pay') {
      return this.pay(id, body);
    }
    if (method === 'POST' && resource === 'payments' && id && action === 'capture') {
      return { events: await this.capture(id, body.deliver !== false) };
    }
    if (method === 'POST' && resource === 'payments' && id && action === 'auto-refund') {
      // An authorization never captured in time: Razorpay refunds it and reports it `refunded`, never captured.
      const payment = this.payment(id);
      if (payment.status !== 'authorized')
        throw new HttpError(400, 'Only an authorized payment is auto-refunded');
      payment.status = 'refunded';
      return payment;
    }
    if (method === 'POST' && resource === 'payments' && id && action === 'dashboard-refund') {
      // A refund made by a person in Razorpay's dashboard: no API call, no idempotency key of ours.
      return this.newRefund(this.payment(id), { amount: body.amountPaise });
    }
    if (method === 'POST' && resource === 'refunds' && id && action === 'settle') {
      const status = body.status === 'failed' ? 'failed' : 'processed';
      return { events: await this.settleRefund(id, status, body.deliver !== false) };
    }
    if (method === 'GET' && resource === 'payments' && id) {
      const payment = this.payment(id);
      return {
        ...payment,
        refunds: [...this.refunds.values()].filter((refund) => refund.payment_id === payment.id),
      };
    }
    if (method === 'GET' && resource === 'orders' && id) return this.order(id);
    if (method === 'POST' && resource === 'transfers' && id && action === 'settle') {
      const status = body.status === 'failed' ? 'failed' : 'processed';
      return { events: await this.settleTransfer(id, status, body.deliver !== false) };
    }
    if (method === 'GET' && resource === 'transfers') {
      return [...this.transfers.values()].filter((transfer) => !id || transfer.recipient === id);
    }
    if (method === 'GET' && resource === 'calls') return Object.fromEntries(this.calls);
    if (method === 'GET' && resource === 'deliveries') return this.delivered;
    if (method === 'POST' && resource === 'faults') {
      this.faults = {
        remaining: Number(body.next ?? 1),
        status: body.status === undefined ? 0 : Number(body.status),
        afterApplying: body.afterApplying === true,
        delayMs: Number(body.delayMs ?? 0),
        answer: body.answer,
      };
      return this.faults;
    }
    throw new HttpError(404, 'Unknown stand-in control route');
  }

  /**
   * Pays an order as a customer at checkout would: a captured payment (of the order's amount unless told
   * otherwise, to test mismatches), the checkout signature the browser would receive, and the signed webhooks.
   */
  private async pay(orderId: string, body: Record<string, unknown>): Promise<unknown> {
    const order = this.order(orderId);
    // `capture: false`: authorized only, as with manual capture (or before automatic capture happens); Checkout's
    // signature is already issued, but no money is taken until the capture.
    const authorizeOnly = body.capture === false;
    const payment: Payment = {
      id: newId('pay'),
      entity: 'payment',
      amount: typeof body.amountPaise === 'number' ? body.amountPaise : order.amount,
      currency: typeof body.currency === 'string' ? body.currency : order.currency,
      status: authorizeOnly ? 'authorized' : 'captured',
      order_id: order.id,
      amount_refunded: 0,
      refund_status: null,
      captured: !authorizeOnly,
      method: 'upi',
      created_at: now(),
    };
    this.payments.set(payment.id, payment);
    if (authorizeOnly) {
      const events = [this.event('payment.authorized', { payment: { entity: payment } })];
      return {
        orderId: order.id,
        paymentId: payment.id,
        signature: checkoutSignature(order.id, payment.id, this.options.keySecret),
        events,
      };
    }
    order.attempts += 1;
    order.amount_paid = payment.amount;
    order.amount_due = Math.max(0, order.amount - payment.amount);
    order.status = 'paid';
    const events = [
      this.event('payment.captured', { payment: { entity: payment } }),
      this.event('order.paid', { payment: { entity: payment }, order: { entity: order } }),
    ];
    const deliver = body.deliver === undefined ? Boolean(this.options.webhookUrl) : body.deliver === true;
    if (deliver) for (const event of events) await this.deliver(event);
    return {
      orderId: order.id,
      paymentId: payment.id,
      signature: checkoutSignature(order.id, payment.id, this.options.keySecret),
      events,
    };
  }

  /** Captures an authorized payment: the payment.captured and order.paid webhooks follow. */
  private async capture(paymentId: string, deliver: boolean): Promise<SignedEvent[]> {
    const payment = this.payment(paymentId);
    if (payment.status !== 'authorized') throw new HttpError(400, 'This payment has already been captured');
    payment.status = 'captured';
    payment.captured = true;
    const order = this.order(payment.order_id as string);
    order.amount_paid = payment.amount;
    order.amount_due = Math.max(0, order.amount - payment.amount);
    order.status = 'paid';
    const events = [
      this.event('payment.captured', { payment: { entity: payment } }),
      this.event('order.paid', { payment: { entity: payment }, order: { entity: order } }),
    ];
    if (deliver && this.options.webhookUrl) for (const event of events) await this.deliver(event);
    return events;
  }

  private async settleRefund(
    refundId: string,
    status: 'processed' | 'failed',
    deliver: boolean,
  ): Promise<SignedEvent[]> {
    const refund = this.refund(refundId);
    refund.status = status;
    const payment = this.payment(refund.payment_id);
    const events = [
      this.event(`refund.${status}`, { refund: { entity: refund }, payment: { entity: payment } }),
    ];
    if (deliver && this.options.webhookUrl) for (const event of events) await this.deliver(event);
    return events;
  }

  private event(type: string, payload: Record<string, unknown>): SignedEvent {
    const body = JSON.stringify({
      entity: 'event',
      account_id: 'acc_HairOneStandIn',
      event: type,
      contains: Object.keys(payload),
      payload,
      created_at: now(),
    });
    return { id: newId('evt'), type, body, signature: hmacSha256Hex(this.options.webhookSecret, body) };
  }

  private async deliver(event: SignedEvent): Promise<void> {
    if (!this.options.webhookUrl) return;
    const response = await fetch(this.options.webhookUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Razorpay-Signature': event.signature,
        'X-Razorpay-Event-Id': event.id,
      },
      body: event.body,
    }).catch(() => undefined);
    this.delivered.push({ eventId: event.id, status: response?.status ?? 0 });
  }

  private order(id: string): Order {
    const order = this.orders.get(id);
    if (!order) throw new HttpError(400, 'The id provided does not exist');
    return order;
  }

  private payment(id: string): Payment {
    const payment = this.payments.get(id);
    if (!payment) throw new HttpError(400, 'The id provided does not exist');
    return payment;
  }

  private refund(id: string): Refund {
    const refund = this.refunds.get(id);
    if (!refund) throw new HttpError(400, 'The id provided does not exist');
    return refund;
  }

  private readBody(request: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      request.on('error', reject);
    });
  }

  private send(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  }
}
