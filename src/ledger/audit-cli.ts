import { Client } from 'pg';

import { loadAppConfigOrExit } from '../config/app.config';
import { auditLedger } from './ledger-audit';

/**
 * `npm run audit:ledger`: the money audit against DATABASE_URL, printed as JSON; exits 1 when the books and the
 * payments disagree (for a cron, a deploy check, or the end of a benchmark).
 */
async function main(): Promise<void> {
  const config = loadAppConfigOrExit('audit-ledger');
  const client = new Client({ connectionString: config.database.url });
  await client.connect();
  try {
    const audit = await auditLedger(async (sql) => (await client.query(sql)).rows);
    process.stdout.write(`${JSON.stringify(audit, null, 2)}\n`);
    process.exitCode = audit.balanced ? 0 : 1;
  } finally {
    await client.end();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`The ledger audit failed: ${error.message}\n`);
  process.exit(2);
});
