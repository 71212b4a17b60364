import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { Pool } from 'pg';

import { QUEUE_NAMES } from '../../../src/queues/queues.constants';
import { TestClock } from '../clock';
import { createScratchDatabase, ScratchDatabase } from '../database';
import { givenAdmin, GivenUser } from '../factories';
import { LocalSmtpServer } from '../mail';
import { OwnRazorpayStandIn, StandInClient } from '../payments';
import { Spawned, spawnEntry, waitForOutput } from '../processes';
import { TcpProxy } from '../tcp-proxy';
import { createTestApp, TestApp } from '../test-app';
import { testEnv } from '../test-env';

export type Outage = 'postgres' | 'redis';

export interface Answer {
  status: number;
  body: any;
  /** A fault was injected while the request ran: a 503 is an allowed answer. */
  faulted: boolean;
}

export interface CallRecord {
  step: number;
  method: string;
  path: string;
  status: number;
  code?: string;
  during: string;
}

/** A contract breach: an answer no request may get (a 500, a 503 without an outage, an error without its shape). */
export class ContractViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractViolation';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Everything the simulation drives, for the whole Jest run: an own database, Redis key prefix, Razorpay stand-in and
 * SMTP server; the API in this process (so the lifecycle rules' clock can be moved) and the built worker as a real
 * process (so it can be SIGKILLed), both reaching PostgreSQL and Redis only through TCP proxies the faults cut.
 * A direct connection, around the proxies, reads the database for the invariants.
 */
export class World {
  readonly clock = new TestClock();
  readonly standIn = new OwnRazorpayStandIn('rzp_test_simulation');
  readonly smtp = new LocalSmtpServer();
  private readonly redisUrl = new URL(testEnv().REDIS_URL as string);
  readonly redisProxy = new TcpProxy(this.redisUrl.hostname, Number(this.redisUrl.port || 6379));
  postgresProxy!: TcpProxy;
  database!: ScratchDatabase;
  api!: TestApp;
  db!: Pool;
  razorpay!: StandInClient;
  admin!: GivenUser;
  worker?: Spawned;
  /** Outages in force: a 503 is an allowed answer only while one is (or a provider fault is armed). */
  readonly outages = new Set<Outage>();
  providerFault = false;
  step = 0;
  /** The last answers, for the failure report. */
  readonly calls: CallRecord[] = [];
  workerStarts = 0;
  private readonly prefix = `${process.env.REDIS_KEY_PREFIX}sim:`;

  async start(): Promise<void> {
    this.database = await createScratchDatabase();
    const databaseUrl = new URL(this.database.url);
    this.postgresProxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
    await Promise.all([
      this.standIn.listen().then((url) => (this.razorpay = new StandInClient(url))),
      this.smtp.start(),
      this.redisProxy.start(),
      this.postgresProxy.start(),
    ]);
    this.db = new Pool({ connectionString: this.database.url, max: 4 });
    this.api = await createTestApp(this.env(), [], this.clock);
    this.admin = await givenAdmin(this.api);
    await this.startWorker();
  }

  /** The environment of the API and the worker: through the proxies, with short sweeps so work finishes fast. */
  private env(): Record<string, string> {
    return {
      DATABASE_URL: this.postgresProxy.url(this.database.url),
      REDIS_URL: this.redisProxy.url(this.redisUrl.toString()),
      REDIS_KEY_PREFIX: this.prefix,
      ...this.standIn.env(),
      // Slow answers past this are timeouts: the stand-in's `delayMs` faults cross it.
      RAZORPAY_TIMEOUT_MS: '1500',
      PAYMENT_PENDING_TTL_SECONDS: '600',
      JWT_ACCESS_TTL_SECONDS: '86400',
      BOOKING_MIN_NOTICE_MINUTES: '0',
    };
  }

  async startWorker(): Promise<void> {
    if (this.worker && this.worker.child.exitCode === null && this.worker.child.signalCode === null) return;
    const worker = spawnEntry(
      'worker',
      testEnv({
        ...this.env(),
        LOG_LEVEL: 'info',
        SMTP_URL: this.smtp.url,
        NOTIFY_RELAY_INTERVAL_MS: '200',
        NOTIFY_BACKOFF_MS: '200',
        PAYMENT_RECONCILE_INTERVAL_SECONDS: '2',
        HOLD_SWEEP_INTERVAL_SECONDS: '1',
        QUEUE_LOCK_DURATION_MS: '2000',
        SETTLEMENT_CONCURRENCY: '2',
      }),
    );
    this.worker = worker;
    this.workerStarts += 1;
    await waitForOutput(worker, /HairOne worker started/, 60_000);
  }

  workerAlive(): boolean {
    return !!this.worker && this.worker.child.exitCode === null && this.worker.child.signalCode === null;
  }

  /** SIGKILL: no shutdown hook runs, jobs in flight are left to Bull's stall detection. */
  async killWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker || !this.workerAlive()) return;
    worker.child.kill('SIGKILL');
    await worker.exited;
  }

  async cut(outage: Outage): Promise<void> {
    this.outages.add(outage);
    await (outage === 'postgres' ? this.postgresProxy : this.redisProxy).stop();
  }

  /** Restores a dependency and waits until the API reports healthy again: only then are 503s a defect again. */
  async restore(outage: Outage): Promise<void> {
    await (outage === 'postgres' ? this.postgresProxy : this.redisProxy).start();
    if (this.outages.has(outage)) await this.untilHealthy();
    this.outages.delete(outage);
  }

  async restoreAll(): Promise<void> {
    for (const outage of [...this.outages]) await this.restore(outage);
    await this.postgresProxy.start();
    await this.redisProxy.start();
    await this.clearProviderFault();
    this.clock.reset();
  }

  async untilHealthy(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.api.http
        .get('/health')
        .then((response) => response.status)
        .catch(() => 0);
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`The API did not become healthy within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  async armProviderFault(fault: Parameters<StandInClient['fault']>[0]): Promise<void> {
    this.providerFault = true;
    await this.razorpay.fault(fault);
  }

  async clearProviderFault(): Promise<void> {
    await this.razorpay.fault({ next: 0 });
    this.providerFault = false;
  }

  faultActive(): boolean {
    return this.outages.size > 0 || this.providerFault;
  }

  /**
   * One request to the API, checked against the contract whatever the caller expects: never a 5xx but a 503 during
   * an injected fault, every error in the `{ statusCode, error, message, code }` shape with a stable code.
   */
  async call(
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: string,
    options: { as?: GivenUser; body?: unknown; headers?: Record<string, string>; query?: object } = {},
  ): Promise<Answer> {
    const headers = { ...options.headers };
    if (options.as) headers.Authorization = `Bearer ${options.as.accessToken}`;
    return this.send(method, path, headers, options.body, options.query);
  }

  /** A request with a raw body sent as it is (a webhook, whose signature covers its exact bytes). */
  callRaw(method: 'post', path: string, headers: Record<string, string>, rawBody: string): Promise<Answer> {
    return this.send(method, path, headers, rawBody);
  }

  private async send(
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: string,
    headers: Record<string, string>,
    body: unknown,
    query?: object,
  ): Promise<Answer> {
    let request = this.api.http[method](path);
    for (const [name, value] of Object.entries(headers)) request = request.set(name, value);
    if (query) request = request.query(query);
    const before = this.faultActive();
    const response = await (body === undefined ? request : request.send(body as object));
    const faulted = before || this.faultActive();
    const answer: Answer = { status: response.status, body: response.body, faulted };
    const during = faulted
      ? [...this.outages, this.providerFault ? 'provider' : ''].join('+') || 'lifted'
      : '';
    this.record({ step: this.step, method, path, status: answer.status, code: answer.body?.code, during });
    this.checkContract(method, path, answer);
    return answer;
  }

  private record(call: CallRecord): void {
    this.calls.push(call);
    if (this.calls.length > 60) this.calls.shift();
  }

  private checkContract(method: string, path: string, answer: Answer): void {
    const what = `${method.toUpperCase()} ${path} answered ${answer.status} ${JSON.stringify(answer.body)}`;
    if (answer.status >= 500) {
      // A fault lifted while the request ran may still be seen by it.
      if (answer.status !== 503 || !answer.faulted) {
        throw new ContractViolation(`${what} without an injected fault`);
      }
    }
    if (answer.status >= 400) {
      const body = answer.body as Record<string, unknown>;
      if (
        typeof body !== 'object' ||
        body === null ||
        body.statusCode !== answer.status ||
        typeof body.code !== 'string' ||
        typeof body.message !== 'string' ||
        typeof body.error !== 'string'
      ) {
        throw new ContractViolation(`${what}: not the error shape of the contract`);
      }
      if (/\bat \/|node_modules|ECONNREFUSED|QueryFailedError/.test(JSON.stringify(body))) {
        throw new ContractViolation(`${what}: leaks internals`);
      }
    }
  }

  queue(name: (typeof QUEUE_NAMES)[number]): Queue {
    return this.api.app.get<Queue>(getQueueToken(name));
  }

  /** Jobs still to do in every queue: waiting, active, or due. */
  async queueBacklog(): Promise<Record<string, number>> {
    const backlog: Record<string, number> = {};
    for (const name of QUEUE_NAMES) {
      const queue = this.queue(name);
      const counts = await queue.getJobCounts();
      // Delayed: retries in backoff count; a repeatable cron does not, nor a message held until it is due (a reminder).
      const now = Date.now();
      const delayed = (await queue.getDelayed()).filter(
        (job) => !job.opts.repeat && job.timestamp + (job.opts.delay ?? 0) <= now + 1000,
      ).length;
      backlog[name] = counts.waiting + counts.active + delayed;
    }
    return backlog;
  }

  async stop(): Promise<void> {
    if (this.worker && this.workerAlive()) {
      this.worker.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.worker.exited,
        new Promise((resolve) => (timer = setTimeout(resolve, 10_000))),
      ]);
      clearTimeout(timer);
      if (this.workerAlive()) this.worker.child.kill('SIGKILL');
    }
    await this.postgresProxy?.start();
    await this.redisProxy.start();
    await this.api?.close();
    await this.db?.end();
    await Promise.all([
      this.redisProxy.stop(),
      this.postgresProxy?.stop(),
      this.smtp.stop(),
      this.standIn.close(),
    ]);
    await this.database?.drop();
  }

  async rows<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    return (await this.db.query(sql, parameters)).rows as T[];
  }

  workerOutputTail(chars = 4000): string {
    const output = this.worker?.output() ?? '';
    return output.slice(-chars);
  }
}

export { sleep };
