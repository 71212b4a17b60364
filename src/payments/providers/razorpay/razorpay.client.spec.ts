import { AppConfig } from '../../../config/app.config';
import {
  ProviderAnswerUnreadableError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from '../payment-provider';
import { RazorpayClient } from './razorpay.client';
import { orderSchema } from './razorpay.schemas';

const settings = {
  apiBaseUrl: 'http://razorpay.test:8080',
  keyId: 'rzp_test_key',
  keySecret: 'secret-123',
  timeoutMs: 1234,
};
const clientWith = (razorpay: Partial<AppConfig['payments']['razorpay']> = settings) =>
  new RazorpayClient({ payments: { razorpay } } as unknown as AppConfig);
const order = { id: 'order_A1', amount: 100, currency: 'INR' };

describe('RazorpayClient', () => {
  let fetchMock: jest.SpyInstance;
  const answer = (status: number, body: string) =>
    fetchMock.mockResolvedValue(new Response(body, { status }));

  beforeEach(() => {
    fetchMock = jest.spyOn(globalThis, 'fetch');
  });
  afterEach(() => fetchMock.mockRestore());

  it('sends basic auth, JSON and the caller headers to the base URL, with a timeout', async () => {
    const timeout = jest.spyOn(AbortSignal, 'timeout');
    answer(200, JSON.stringify(order));
    await expect(
      clientWith().request('POST', '/v1/orders', orderSchema, 'order', {
        body: { amount: 100 },
        headers: { 'X-Refund-Idempotency': 'k1' },
      }),
    ).resolves.toEqual(order);
    const [url, init] = fetchMock.mock.calls[0];
    expect(String(url)).toBe('http://razorpay.test:8080/v1/orders');
    expect(init).toMatchObject({
      method: 'POST',
      body: '{"amount":100}',
      headers: {
        Authorization: `Basic ${Buffer.from('rzp_test_key:secret-123').toString('base64')}`,
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-Refund-Idempotency': 'k1',
      },
    });
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(timeout).toHaveBeenCalledWith(1234);
    timeout.mockRestore();
  });

  it('sends no body and no Content-Type on a GET', async () => {
    answer(200, JSON.stringify(order));
    await clientWith().request('GET', '/v1/orders/order_A1', orderSchema, 'order');
    const [, init] = fetchMock.mock.calls[0];
    expect(init.body).toBeUndefined();
    expect(init.headers).not.toHaveProperty('Content-Type');
  });

  it('makes no call without credentials', async () => {
    const client = clientWith({ ...settings, keySecret: undefined });
    expect(client.enabled).toBe(false);
    await expect(client.request('GET', '/v1/x', orderSchema, 'order')).rejects.toThrow(
      new ProviderRejectedError('Razorpay credentials are not configured'),
    );
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('maps no answer, 5xx, 429 and 409 to ProviderUnavailableError', async () => {
    fetchMock.mockRejectedValueOnce(new Error('fetch failed'));
    await expect(clientWith().request('GET', '/v1/x', orderSchema, 'order')).rejects.toThrow(
      new ProviderUnavailableError('Razorpay GET /v1/x failed: fetch failed'),
    );
    for (const status of [500, 503, 429, 409]) {
      answer(status, '{}');
      await expect(clientWith().request('POST', '/v1/y', orderSchema, 'order')).rejects.toThrow(
        new ProviderUnavailableError(`Razorpay POST /v1/y answered ${status}`),
      );
    }
  });

  it("maps other refusals to ProviderRejectedError with the status and Razorpay's description", async () => {
    answer(400, JSON.stringify({ error: { code: 'BAD_REQUEST_ERROR', description: 'amount too low' } }));
    const refused = await clientWith()
      .request('POST', '/v1/orders', orderSchema, 'order')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProviderRejectedError);
    expect(refused).toMatchObject({
      message: 'Razorpay POST /v1/orders answered 400: amount too low',
      status: 400,
    });

    answer(401, 'not json');
    await expect(clientWith().request('GET', '/v1/x', orderSchema, 'order')).rejects.toThrow(
      'Razorpay GET /v1/x answered 401: not json',
    );
  });

  it('refuses a success without JSON, or with JSON that is not what the schema promises', async () => {
    answer(200, '');
    await expect(clientWith().request('GET', '/v1/x', orderSchema, 'order')).rejects.toThrow(
      new ProviderRejectedError('Razorpay GET /v1/x answered without JSON'),
    );
    answer(200, JSON.stringify({ ...order, amount: -5 }));
    await expect(clientWith().request('GET', '/v1/x', orderSchema, 'order')).rejects.toThrow(
      /^Razorpay returned an unexpected order: /,
    );
  });

  it('tells an unreadable success (the request may have taken effect) from a refusal', async () => {
    for (const text of ['', 'not json', JSON.stringify({ ...order, id: 'nope' })]) {
      answer(200, text);
      const unreadable = await clientWith()
        .request('POST', '/v1/x', orderSchema, 'order')
        .catch((error: unknown) => error);
      expect(unreadable).toBeInstanceOf(ProviderAnswerUnreadableError);
      expect(unreadable).toBeInstanceOf(ProviderRejectedError);
    }
    answer(400, JSON.stringify({ error: { description: 'bad account' } }));
    const refused = await clientWith()
      .request('POST', '/v1/x', orderSchema, 'order')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProviderRejectedError);
    expect(refused).not.toBeInstanceOf(ProviderAnswerUnreadableError);
  });
});
