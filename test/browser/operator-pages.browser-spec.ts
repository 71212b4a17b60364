import { randomUUID } from 'node:crypto';

import { Browser, chromium, Page } from 'playwright-core';

import { freePort } from '../support/ports';
import { Spawned, spawnEntry, waitForOutput } from '../support/processes';
import { testEnv } from '../support/test-env';

/**
 * The two web pages operators use, driven in headless Chromium (Debian's package; `npm run test:browser` installs
 * it when missing) against the built API as a real process.
 */
describe('Operator pages in a real browser', () => {
  const admin = { email: `admin-${randomUUID()}@example.test`, password: `pw-${randomUUID()}` };
  const customer = { email: `customer-${randomUUID()}@example.test`, password: `pw-${randomUUID()}` };
  let api: Spawned;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = spawnEntry(
      'main',
      testEnv({
        LOG_LEVEL: 'info',
        PORT: String(port),
        HOST: '127.0.0.1',
        BOOTSTRAP_ADMIN_EMAIL: admin.email,
        BOOTSTRAP_ADMIN_PASSWORD: admin.password,
      }),
    );
    await waitForOutput(api, /HairOne API listening/);
    const registered = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Browser customer', ...customer }),
    });
    expect(registered.status).toBe(201);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // The sandbox needs user namespaces, which CI's root containers do not give.
      args: ['--no-sandbox'],
    });
  }, 60_000);

  beforeEach(async () => {
    page = await (await browser.newContext()).newPage();
  });

  afterEach(async () => {
    await page.context().close();
  });

  afterAll(async () => {
    await browser?.close();
    api?.child.kill('SIGTERM');
    await api?.exited;
  });

  describe('Swagger UI at /docs', () => {
    it('lists the endpoints of the OpenAPI document', async () => {
      const document = (await (await fetch(`${base}/docs-json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const operations = Object.values(document.paths).reduce(
        (count, methods) => count + Object.keys(methods).length,
        0,
      );

      await page.goto(`${base}/docs`);
      await page.locator('.opblock').first().waitFor();
      const listed = await page.locator('.opblock-summary-path').allTextContents();
      expect(listed).toHaveLength(operations);
      const paths = listed.map((path) => path.replace(/\u200b/g, ''));
      for (const path of ['/health', '/api/v1/shops', '/api/v1/bookings', '/api/v1/auth/login']) {
        expect(paths).toContain(path);
      }
    });

    it('"Try it out" on GET /health sends the request and shows its answer', async () => {
      await page.goto(`${base}/docs`);
      const health = page.locator('.opblock-get', { has: page.locator('[data-path="/health"]') });
      await health.locator('.opblock-summary').click();
      await health.getByRole('button', { name: 'Try it out' }).click();
      await health.getByRole('button', { name: 'Execute' }).click();
      const live = health.locator('.live-responses-table tbody');
      await expect(live.locator('.response-col_status').first().innerText()).resolves.toContain('200');
      await expect(live.locator('.response-col_description').first().innerText()).resolves.toMatch(
        /"status":\s*"ok"/,
      );
    });
  });

  describe('queue dashboard at /admin/queues', () => {
    const signIn = async (user: { email: string; password: string }) => {
      await page.goto(`${base}/admin/queues`);
      expect(new URL(page.url()).pathname).toBe('/admin/queues/login');
      await page.getByLabel('E-mail').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      return Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in' }).click()]);
    };

    it('shows every queue after an admin signs in', async () => {
      // The page loads its data from the dashboard's API with the session cookie.
      const queuesLoaded = page.waitForResponse(
        (response) => new URL(response.url()).pathname === '/admin/queues/api/queues' && response.ok(),
      );
      await signIn(admin);
      expect(new URL(page.url()).pathname).toBe('/admin/queues/');
      await queuesLoaded;
      for (const queue of ['notifications', 'payments', 'settlements']) {
        await page.getByText(queue, { exact: true }).first().waitFor({ timeout: 15_000 });
      }
      await expect(page.title()).resolves.toBe('HairOne queues');
    });

    it('refuses a customer, who stays on the sign-in form', async () => {
      const [response] = await signIn(customer);
      expect(response?.status()).toBe(403);
      await page.getByText('Only administrators may open the queue dashboard.').waitFor();
      await page.goto(`${base}/admin/queues/queue/payments`);
      expect(new URL(page.url()).pathname).toBe('/admin/queues/login');
    });

    it('refuses a wrong password', async () => {
      const [response] = await signIn({ email: admin.email, password: 'not the password' });
      expect(response?.status()).toBe(401);
      await page.getByText('Wrong e-mail or password.').waitFor();
    });
  });
});
