/**
 * The one place bytes go over the wire to Razorpay, kept behind a two-method seam so the transport can change
 * (the official SDK's axios instance, which takes a base URL and a timeout) without touching what the client
 * decides: auth, headers, error mapping and validation.
 */

export type RazorpayMethod = 'GET' | 'POST';

/** Razorpay's answer, whatever its status; `text` is '' when the body could not be read. */
export interface RazorpayAnswer {
  status: number;
  text: string;
}

export interface RazorpayTransport {
  /** Rejects only when no answer arrived: the network failed or the timeout passed. */
  send(
    method: RazorpayMethod,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<RazorpayAnswer>;
}

/** Node's fetch at `baseUrl`; each call, body included, is aborted after `timeoutMs`. */
export function fetchTransport(baseUrl: string, timeoutMs: number): RazorpayTransport {
  return {
    async send(method, path, headers, body) {
      const response = await fetch(new URL(path, baseUrl), {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, text: await response.text().catch(() => '') };
    },
  };
}
