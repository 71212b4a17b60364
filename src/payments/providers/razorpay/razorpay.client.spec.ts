import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

import * as Joi from 'joi';

import { AppConfig } from '../../../config/app.config';
import {
  ProviderAnswerUnreadableError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from '../payment-provider';
import { RazorpayClient } from './razorpay.client';
import { orderSchema } from './razorpay.schemas';
import { OrderBody, RazorpayApi, RazorpayCall, RefundBody, TransferBody } from './razorpay.transport';

/** What the fake Razorpay received. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on 127.0.0.1 that answers as the test tells it: the SDK's requests cross a real socket. */
class FakeRazorpay {
  readonly received: Received[] = [];
  answer: (response: ServerResponse, request: Received) => void = (response) => send(response, 200, order);
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.received.push(received);
      this.answer(response, received);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const order = { id: 'order_A1', amount: 100, currency: 'INR' };
const keyId = 'rzp_test_key';
const keySecret = 'secret-123';
const basicAuth = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;

const orderBody: OrderBody = {
  amount: 100,
  currency: 'INR',
  receipt: 'b1',
  notes: { booking_id: 'b1' },
  payment: { capture: 'automatic', capture_options: { automatic_expiry_period: 12, refund_speed: 'normal' } },
};
const refundBody: RefundBody = { amount: 50, speed: 'normal', receipt: 'b1', notes: { booking_id: 'b1' } };
const transferBody: TransferBody = {
  account: 'acc_ABCDEFGHIJKLMN',
  amount: 500,
  currency: 'INR',
  notes: { settlement_id: 's1', shop_id: 'shop1' },
};

describe('RazorpayClient (through the razorpay SDK, against a local HTTP server)', () => {
  const razorpay = new FakeRazorpay();
  let baseUrl: string;
  const clientWith = (settings: Partial<AppConfig['payments']['razorpay']> = {}) =>
    new RazorpayClient({
      payments: { razorpay: { apiBaseUrl: baseUrl, keyId, keySecret, timeoutMs: 2000, ...settings } },
    } as unknown as AppConfig);
  const request = (pick: (api: RazorpayApi) => RazorpayCall, client = clientWith()) =>
    client.request(pick, Joi.object(), 'thing');

  beforeAll(async () => {
    baseUrl = await razorpay.start();
  });
  afterAll(() => razorpay.stop());
  beforeEach(() => {
    razorpay.received.length = 0;
    razorpay.answer = (response) => send(response, 200, order);
  });

  it('sends every call to the base URL with basic auth, the SDK user agent and JSON bodies', async () => {
    const calls: Array<[(api: RazorpayApi) => RazorpayCall, string, string, unknown]> = [
      [(api) => api.createOrder(orderBody), 'POST', '/v1/orders', orderBody],
      [(api) => api.paymentsOfOrder('order_A1'), 'GET', '/v1/orders/order_A1/payments', undefined],
      [
        (api) => api.refund('pay_P1', refundBody, 'refund-key-1'),
        'POST',
        '/v1/payments/pay_P1/refund',
        refundBody,
      ],
      [(api) => api.fetchRefund('rfnd_R1'), 'GET', '/v1/refunds/rfnd_R1', undefined],
      [(api) => api.createTransfer(transferBody, 'transfer-key-1'), 'POST', '/v1/transfers', transferBody],
      [(api) => api.fetchTransfer('trf_T1'), 'GET', '/v1/transfers/trf_T1', undefined],
    ];
    for (const [pick] of calls) await expect(request(pick)).resolves.toEqual(order);

    expect(razorpay.received.map(({ method, url }) => [method, url])).toEqual(
      calls.map(([, method, url]) => [method, url]),
    );
    razorpay.received.forEach((received, index) => {
      const body = calls[index][3];
      expect(received.headers.authorization).toBe(basicAuth);
      expect(received.headers['user-agent']).toMatch(/^razorpay-node@2\.9\.\d+$/);
      if (body === undefined) {
        expect(received.body).toBe('');
        expect(received.headers).not.toHaveProperty('content-type');
      } else {
        expect(received.headers['content-type']).toMatch(/^application\/json/);
        expect(JSON.parse(received.body)).toEqual(body);
      }
    });
  });

  it('carries the idempotency key of a refund and of a transfer, and on no other call', async () => {
    await request((api) => api.refund('pay_P1', refundBody, 'refund-key-1'));
    await request((api) => api.createTransfer(transferBody, 'transfer-key-1'));
    await request((api) => api.createOrder(orderBody));
    const [refund, transfer, other] = razorpay.received;
    expect(refund.headers['x-refund-idempotency']).toBe('refund-key-1');
    expect(refund.headers).not.toHaveProperty('x-transfer-idempotency');
    expect(transfer.headers['x-transfer-idempotency']).toBe('transfer-key-1');
    expect(transfer.headers).not.toHaveProperty('x-refund-idempotency');
    expect(other.headers).not.toHaveProperty('x-refund-idempotency');
    expect(other.headers).not.toHaveProperty('x-transfer-idempotency');
  });

  it('encodes ids, so an id cannot change the path', async () => {
    await request((api) => api.paymentsOfOrder('order_A1/../../refunds'));
    await request((api) => api.refund('pay_P1?x=1', refundBody, 'refund-key-1'));
    expect(razorpay.received.map((received) => received.url)).toEqual([
      '/v1/orders/order_A1%2F..%2F..%2Frefunds/payments',
      '/v1/payments/pay_P1%3Fx%3D1/refund',
    ]);
  });

  it('makes no call without credentials', async () => {
    const client = clientWith({ keySecret: undefined });
    expect(client.enabled).toBe(false);
    await expect(request((api) => api.fetchRefund('rfnd_R1'), client)).rejects.toThrow(
      new ProviderRejectedError('Razorpay credentials are not configured'),
    );
    expect(razorpay.received).toHaveLength(0);
  });

  it('maps no answer (connection refused) to ProviderUnavailableError', async () => {
    const gone = new FakeRazorpay();
    const url = await gone.start();
    await gone.stop();
    await expect(
      request((api) => api.fetchRefund('rfnd_R1'), clientWith({ apiBaseUrl: url })),
    ).rejects.toThrow(
      new ProviderUnavailableError(
        `Razorpay GET /v1/refunds/rfnd_R1 failed: connect ECONNREFUSED ${url.slice('http://'.length)}`,
      ),
    );
  });

  it('gives up after the timeout when no answer comes', async () => {
    razorpay.answer = () => undefined; // never answers
    const started = Date.now();
    await expect(
      request((api) => api.createOrder(orderBody), clientWith({ timeoutMs: 200 })),
    ).rejects.toThrow(
      new ProviderUnavailableError('Razorpay POST /v1/orders failed: timeout of 200ms exceeded'),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('gives up after the timeout over the whole call, even when the answer trickles in', async () => {
    razorpay.answer = (response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write('{');
      const drip = setInterval(() => response.write(' '), 50);
      response.on('close', () => clearInterval(drip));
    };
    const started = Date.now();
    await expect(
      request((api) => api.fetchTransfer('trf_T1'), clientWith({ timeoutMs: 300 })),
    ).rejects.toThrow(
      new ProviderUnavailableError('Razorpay GET /v1/transfers/trf_T1 failed: timeout of 300ms exceeded'),
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('maps 5xx, 429 and 409 to ProviderUnavailableError', async () => {
    for (const status of [500, 502, 503, 429, 409]) {
      razorpay.answer = (response) =>
        send(response, status, { error: { code: 'SERVER_ERROR', description: 'try later' } });
      await expect(request((api) => api.createTransfer(transferBody, 'transfer-key-1'))).rejects.toThrow(
        new ProviderUnavailableError(`Razorpay POST /v1/transfers answered ${status}`),
      );
    }
  });

  it("maps other refusals to ProviderRejectedError with the status and Razorpay's description", async () => {
    razorpay.answer = (response) =>
      send(response, 400, { error: { code: 'BAD_REQUEST_ERROR', description: 'amount too low' } });
    const refused = await request((api) => api.createOrder(orderBody)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProviderRejectedError);
    expect(refused).toMatchObject({
      message: 'Razorpay POST /v1/orders answered 400: amount too low',
      status: 400,
    });

    razorpay.answer = (response) => send(response, 401, 'not json');
    await expect(request((api) => api.fetchRefund('rfnd_R1'))).rejects.toThrow(
      new ProviderRejectedError('Razorpay GET /v1/refunds/rfnd_R1 answered 401: not json'),
    );
  });

  it('refuses a success without JSON, or with JSON that is not what the schema promises', async () => {
    for (const body of ['', 'not json', '{"id":']) {
      razorpay.answer = (response) => send(response, 200, body);
      await expect(request((api) => api.fetchRefund('rfnd_R1'))).rejects.toThrow(
        new ProviderRejectedError('Razorpay GET /v1/refunds/rfnd_R1 answered without JSON'),
      );
    }
    razorpay.answer = (response) => send(response, 200, { ...order, amount: -5 });
    await expect(
      clientWith().request((api) => api.createOrder(orderBody), orderSchema, 'order'),
    ).rejects.toThrow(/^Razorpay returned an unexpected order: /);
  });

  it('refuses, without sending, a call the SDK will not make', async () => {
    await expect(request((api) => api.fetchRefund(''))).rejects.toThrow(
      new ProviderRejectedError('Razorpay GET /v1/refunds/ was not sent: `refund_id` is mandatory'),
    );
    expect(razorpay.received).toHaveLength(0);
  });

  it('tells an unreadable success (the request may have taken effect) from a refusal', async () => {
    for (const body of ['', 'not json', { ...order, id: 'nope' }]) {
      razorpay.answer = (response) => send(response, 200, body);
      const unreadable = await clientWith()
        .request((api) => api.createOrder(orderBody), orderSchema, 'order')
        .catch((error: unknown) => error);
      expect(unreadable).toBeInstanceOf(ProviderAnswerUnreadableError);
      expect(unreadable).toBeInstanceOf(ProviderRejectedError);
    }
    razorpay.answer = (response) => send(response, 400, { error: { description: 'bad account' } });
    const refused = await clientWith()
      .request((api) => api.createOrder(orderBody), orderSchema, 'order')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProviderRejectedError);
    expect(refused).not.toBeInstanceOf(ProviderAnswerUnreadableError);
  });
});
