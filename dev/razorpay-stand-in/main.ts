import { loadAppConfigOrExit } from '../../src/config/app.config';
import { RazorpayStandIn } from './razorpay-stand-in';

/**
 * Runs the Razorpay stand-in for the local demo on the port of RAZORPAY_API_BASE_URL, with the same keys as the
 * API, delivering webhooks to the local API. Never in production.
 */
async function main(): Promise<void> {
  const config = loadAppConfigOrExit('razorpay-stand-in');
  const { apiBaseUrl, keyId, keySecret, webhookSecret } = config.payments.razorpay;
  if (config.nodeEnv === 'production') {
    process.stderr.write('razorpay-stand-in refused to start: NODE_ENV is production\n');
    process.exit(1);
  }
  if (!keyId || !keySecret || !webhookSecret) {
    process.stderr.write(
      'razorpay-stand-in refused to start: set RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_WEBHOOK_SECRET\n',
    );
    process.exit(1);
  }
  const base = new URL(apiBaseUrl);
  const standIn = new RazorpayStandIn({
    keyId,
    keySecret,
    webhookSecret,
    webhookUrl: `http://127.0.0.1:${config.http.port}/api/v1/payments/webhooks/razorpay`,
    autoSettleRefunds: true,
    autoSettleTransfers: true,
  });
  const url = await standIn.listen(Number(base.port || 80), base.hostname);
  process.stdout.write(
    `Razorpay stand-in listening on ${url}; pay an order with: curl -X POST ${url}/_stand-in/orders/<orderId>/pay\n`,
  );
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
