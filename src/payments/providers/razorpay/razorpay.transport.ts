/**
 * The one place bytes go over the wire to Razorpay: the official `razorpay` SDK. Its resource methods build the
 * URLs and bodies of Orders, Payments, Refunds and Transfers; its axios instance (`sdk.api.rq`) sends them with
 * basic auth and its User-Agent. What the client decides (credentials, error mapping, validation) stays in
 * razorpay.client.ts.
 *
 * The SDK needs three things configured on that axios instance (razorpay 2.9.8, checked in its dist/api.js):
 * - its constructor fixes the host to https://api.razorpay.com and sets no timeout, so `defaults.baseURL` is set to
 *   RAZORPAY_API_BASE_URL and `defaults.timeout` to RAZORPAY_TIMEOUT_MS, plus a deadline over the whole call (an
 *   AbortSignal per request: axios' timeout alone restarts whenever a byte arrives);
 * - it turns a failure into `{ statusCode, error: body.error }`, which drops the text of a non-JSON error and
 *   throws a TypeError when no answer arrived at all, so every HTTP answer, whatever its status, resolves here as
 *   `{ status, text }` (raw text: the client parses it), and a call without an answer resolves as a marker that
 *   `send()` turns into RazorpayNoAnswerError;
 * - its resource methods take no per-call headers (the constructor's `headers` keeps only X-Razorpay-Account and
 *   Content-Type), so the two idempotent calls, a refund (`X-Refund-Idempotency`) and a transfer
 *   (`X-Transfer-Idempotency`), are posted directly through the same axios instance, to the same paths the SDK uses.
 * Proxies from the environment (HTTP_PROXY) are not used, as with Node's fetch before.
 */
import Razorpay from 'razorpay';
import type { Orders } from 'razorpay/dist/types/orders';

export type RazorpayMethod = 'GET' | 'POST';

/** Razorpay's answer, whatever its status; `text` is '' when the body was empty. */
export interface RazorpayAnswer {
  status: number;
  text: string;
}

/** No answer arrived: the network failed or the timeout passed. Worth retrying. */
export class RazorpayNoAnswerError extends Error {}

/** One call, ready to send. */
export interface RazorpayCall {
  method: RazorpayMethod;
  /** The path as sent (ids URL-encoded), for messages and logs. */
  path: string;
  /**
   * Razorpay's answer, whatever its status. Rejects with RazorpayNoAnswerError when no answer arrived, or with
   * another error when the SDK refused to send the call at all.
   */
  send(): Promise<RazorpayAnswer>;
}

/** The calls HairOne makes, each through the SDK. */
export interface RazorpayApi {
  createOrder(body: OrderBody): RazorpayCall;
  paymentsOfOrder(orderId: string): RazorpayCall;
  fetchPayment(paymentId: string): RazorpayCall;
  refund(paymentId: string, body: RefundBody, idempotencyKey: string): RazorpayCall;
  fetchRefund(refundId: string): RazorpayCall;
  createTransfer(body: TransferBody, idempotencyKey: string): RazorpayCall;
  fetchTransfer(transferId: string): RazorpayCall;
}

/** The bodies HairOne sends, in Razorpay's words. */
export interface OrderBody {
  amount: number;
  currency: string;
  receipt: string;
  notes: Record<string, string>;
  payment: {
    capture: 'automatic';
    capture_options: { automatic_expiry_period: number; refund_speed: 'normal' | 'optimum' };
  };
}
export interface RefundBody {
  amount: number;
  speed: 'normal' | 'optimum';
  receipt: string;
  notes: Record<string, string>;
}
export interface TransferBody {
  account: string;
  amount: number;
  currency: string;
  notes: Record<string, string>;
}

export interface RazorpayApiSettings {
  apiBaseUrl: string;
  keyId: string;
  keySecret: string;
  timeoutMs: number;
}

/** What the SDK's axios instance must offer: the little of axios used here, so axios is not imported directly. */
interface SdkHttp {
  defaults: Record<string, unknown>;
  interceptors: {
    request: { use(onFulfilled: (config: { signal?: unknown }) => unknown): unknown };
    response: {
      use(onFulfilled: (response: SdkResponse) => unknown, onRejected: (error: unknown) => unknown): unknown;
    };
  };
  post(url: string, data: unknown, config: { headers: Record<string, string> }): Promise<{ data: unknown }>;
}
interface SdkResponse {
  status: number;
  data: unknown;
}

/** How an answer or its absence travels through the SDK, which hands back the response's `data`. */
type Outcome = RazorpayAnswer | { noAnswer: string };

function sdkHttp(sdk: Razorpay): SdkHttp {
  const http = (sdk.api as unknown as { rq?: Partial<SdkHttp> }).rq;
  if (!http?.defaults || !http.interceptors || typeof http.post !== 'function') {
    throw new Error(
      `razorpay ${Razorpay.VERSION}: no axios instance at sdk.api.rq; check razorpay.transport.ts`,
    );
  }
  return http as SdkHttp;
}

export function razorpayApi(settings: RazorpayApiSettings): RazorpayApi {
  const sdk = new Razorpay({ key_id: settings.keyId, key_secret: settings.keySecret });
  const http = sdkHttp(sdk);
  const timeout = `timeout of ${settings.timeoutMs}ms exceeded`;
  Object.assign(http.defaults, {
    baseURL: settings.apiBaseUrl,
    timeout: settings.timeoutMs,
    timeoutErrorMessage: timeout,
    proxy: false,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });
  http.interceptors.request.use((config) => {
    config.signal ??= AbortSignal.timeout(settings.timeoutMs);
    return config;
  });
  http.interceptors.response.use(
    (response): SdkResponse => ({
      ...response,
      data: {
        status: response.status,
        text: typeof response.data === 'string' ? response.data : '',
      } satisfies Outcome,
    }),
    (error: unknown): { data: Outcome } => {
      // No answer (validateStatus accepts every status). A cancel is the deadline signal firing.
      const { code, message } = error as { code?: string; message?: string };
      return { data: { noAnswer: code === 'ERR_CANCELED' ? timeout : (message ?? String(error)) } };
    },
  );

  const call = (method: RazorpayMethod, path: string, send: () => Promise<unknown>): RazorpayCall => ({
    method,
    path,
    send: async () => {
      const outcome = (await send()) as Partial<RazorpayAnswer & { noAnswer: string }> | undefined;
      if (outcome?.noAnswer !== undefined) throw new RazorpayNoAnswerError(outcome.noAnswer);
      if (typeof outcome?.status !== 'number' || typeof outcome.text !== 'string') {
        throw new Error('the razorpay SDK resolved with something other than an answer');
      }
      return { status: outcome.status, text: outcome.text };
    },
  });
  // The SDK puts ids into paths as they are: encoded here, so an id can never change the path.
  const id = encodeURIComponent;
  const direct = (path: string, body: unknown, headers: Record<string, string>) =>
    call('POST', path, async () => (await http.post(path, body, { headers })).data);

  return {
    // The SDK's type wants manual_expiry_period even with automatic capture; Razorpay does not.
    createOrder: (body) =>
      call('POST', '/v1/orders', () => sdk.orders.create(body as Orders.RazorpayOrderCreateRequestBody)),
    paymentsOfOrder: (orderId) =>
      call('GET', `/v1/orders/${id(orderId)}/payments`, () => sdk.orders.fetchPayments(id(orderId))),
    fetchPayment: (paymentId) =>
      call('GET', `/v1/payments/${id(paymentId)}`, () => sdk.payments.fetch(id(paymentId))),
    refund: (paymentId, body, idempotencyKey) =>
      direct(`/v1/payments/${id(paymentId)}/refund`, body, { 'X-Refund-Idempotency': idempotencyKey }),
    fetchRefund: (refundId) =>
      call('GET', `/v1/refunds/${id(refundId)}`, () => sdk.refunds.fetch(id(refundId))),
    createTransfer: (body, idempotencyKey) =>
      direct('/v1/transfers', body, { 'X-Transfer-Idempotency': idempotencyKey }),
    fetchTransfer: (transferId) =>
      call('GET', `/v1/transfers/${id(transferId)}`, () => sdk.transfers.fetch(id(transferId))),
  };
}
