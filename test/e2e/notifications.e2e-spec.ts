import { randomBytes, randomUUID } from 'node:crypto';

import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';

import { NotificationsWorkerModule } from '../../src/notifications/notifications-worker.module';
import { NOTIFICATIONS_QUEUE } from '../../src/queues/queues.constants';
import { SettlementsWorkerModule } from '../../src/settlements/settlements-worker.module';
import { afterItEnds, at, book, givenBookableShop, localDate } from '../support/bookings';
import { TestClock } from '../support/clock';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { LocalSmsProvider, LocalSmtpServer } from '../support/mail';
import { eventually } from '../support/payments';
import { GivenShop } from '../support/shops';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp, TestApp } from '../support/test-app';
import { testEnv } from '../support/test-env';

interface Notification {
  id: string;
  channel: 'email' | 'sms';
  template: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  bookingId: string | null;
}

/**
 * Messages through a real local SMTP server and an HTTP SMS stub, sent by the worker's relay and queue running in
 * this process. Its own database (so no other suite's worker relays its outbox) and its own Redis path (a proxy
 * that a test cuts to take Redis away).
 */
describe('Notifications (e2e)', () => {
  const clock = new TestClock();
  const smtp = new LocalSmtpServer();
  const sms = new LocalSmsProvider(randomBytes(12).toString('hex'));
  const redisUrl = new URL(testEnv().REDIS_URL as string);
  const redisProxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
  let database: ScratchDatabase;
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  let shop: GivenShop;
  let slot = 0;
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    await smtp.start();
    const smsUrl = await sms.start();
    await redisProxy.start();
    database = await createScratchDatabase();
    t = await createTestApp(
      {
        DATABASE_URL: database.url,
        REDIS_URL: redisProxy.url(testEnv().REDIS_URL as string),
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}notify:`,
        SMTP_URL: smtp.url,
        NOTIFY_FROM: 'HairOne <bookings@hairone.test>',
        SMS_API_BASE_URL: smsUrl,
        SMS_API_KEY: sms.apiKey,
        NOTIFY_ATTEMPTS: '3',
        NOTIFY_BACKOFF_MS: '200',
        NOTIFY_TIMEOUT_MS: '2000',
        NOTIFY_RELAY_INTERVAL_MS: '100',
      },
      [NotificationsWorkerModule, SettlementsWorkerModule],
      clock,
    );
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    shop = await givenBookableShop(t.http, owner, admin, { overrides: { name: 'Sharp Cuts Indiranagar' } });
  });

  afterAll(() => db && assertInvariants(db));

  afterAll(async () => {
    smtp.release();
    await t?.close();
    await database?.drop();
    await smtp.stop();
    await sms.stop();
    await redisProxy.stop();
  });

  afterEach(() => {
    smtp.refuse = false;
    smtp.release();
  });

  /** A customer with a phone number, so both channels apply. */
  const givenCustomer = async () => {
    const email = `customer-${randomUUID()}@example.test`;
    const phone = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const response = await t.http
      .post('/api/v1/auth/register')
      .send({ name: 'Asha Rao', email, password: `pw-${randomUUID()}`, phone })
      .expect(201);
    return {
      id: response.body.user.id as string,
      email,
      phone,
      accessToken: response.body.accessToken as string,
    };
  };

  const nextSlot = () => {
    const n = slot++;
    const start = 60 + 30 * (n % 44);
    const time = `${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}`;
    return { date: localDate(3 + Math.floor(n / 44)), time };
  };

  const bookFor = async (customer: { accessToken: string }) => {
    const { date, time } = nextSlot();
    const response = await book(t.http, customer as GivenUser, {
      shopId: shop.id,
      serviceId: shop.services[0].id,
      startsAt: at(date, time),
    }).expect(201);
    return { id: response.body.id as string, date, time };
  };

  const notificationsOf = async (user: { accessToken: string }) =>
    (
      await t.http
        .get('/api/v1/notifications')
        .set(as(user as GivenUser))
        .expect(200)
    ).body.items as Notification[];

  const mailsTo = (address: string, subject: RegExp) =>
    eventually(
      async () => smtp.to(address).filter((mail) => subject.test(mail.decoded)),
      (mails) => mails.length > 0,
      15_000,
    );

  it('tells the customer (e-mail and SMS) and the owner (e-mail) of a confirmed booking, naming shop, service and local time', async () => {
    const customer = await givenCustomer();
    const booking = await bookFor(customer);
    const [hhmm] = [booking.time];

    const [mail] = await mailsTo(customer.email, /Booking confirmed/);
    expect(mail.decoded).toContain('Sharp Cuts Indiranagar');
    expect(mail.decoded).toContain('Service 1');
    expect(mail.decoded).toContain(hhmm);
    expect(mail.decoded).toContain('(Asia/Kolkata)');
    expect(mail.decoded).toMatch(/Content-Type: text\/html/);
    expect(mail.decoded).toMatch(/Content-Type: text\/plain/);
    expect(mail.decoded).toContain('bookings@hairone.test');

    const [ownerMail] = await mailsTo(owner.email, /New booking at Sharp Cuts Indiranagar/);
    expect(ownerMail.decoded).toContain(hhmm);
    expect(ownerMail.decoded).toContain('Asha Rao');

    const [text] = await eventually(
      async () => sms.to(customer.phone),
      (messages) => messages.length > 0,
    );
    expect(text.text).toContain('Sharp Cuts Indiranagar');
    expect(text.text).toContain(hhmm);

    const mine = await eventually(
      () => notificationsOf(customer),
      (items) =>
        items.filter((item) => item.template === 'booking_confirmed' && item.status === 'sent').length === 2,
    );
    expect(mine.map((item) => `${item.template}/${item.channel}`).sort()).toEqual([
      'booking_confirmed/email',
      'booking_confirmed/sms',
      'booking_reminder/email',
    ]);
    // Nobody else's messages, and never twice.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.to(customer.email).filter((m) => /Booking confirmed/.test(m.decoded))).toHaveLength(1);
  });

  it('answers a booking at once while the SMTP server stalls, and the e-mail arrives when it resumes', async () => {
    const customer = await givenCustomer();
    smtp.stall();
    await bookFor(customer);
    // The request has been answered; the message is waiting on the stalled server, not on the request.
    expect(smtp.to(customer.email)).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.to(customer.email)).toHaveLength(0);
    smtp.release();
    await mailsTo(customer.email, /Booking confirmed/);
  });

  it('retries while the SMTP server is down, and delivers once it is back', async () => {
    const customer = await givenCustomer();
    await smtp.stop();
    await bookFor(customer);
    const waiting = await eventually(
      () => notificationsOf(customer),
      (items) =>
        items.some(
          (item) => item.channel === 'email' && item.template === 'booking_confirmed' && item.attempts >= 1,
        ),
    );
    expect(
      waiting.find((item) => item.template === 'booking_confirmed' && item.channel === 'email')?.status,
    ).toBe('pending');
    await smtp.start();
    await mailsTo(customer.email, /Booking confirmed/);
    const sent = await eventually(
      () => notificationsOf(customer),
      (items) =>
        items.some(
          (item) =>
            item.channel === 'email' && item.template === 'booking_confirmed' && item.status === 'sent',
        ),
    );
    expect(
      sent.find((item) => item.template === 'booking_confirmed' && item.channel === 'email')?.attempts,
    ).toBeGreaterThan(1);
  });

  it('ends in failed after the last retry, lists it for admins, and an admin retry delivers it', async () => {
    const customer = await givenCustomer();
    smtp.refuse = true;
    await bookFor(customer);
    const failed = await eventually(
      () => notificationsOf(customer),
      (items) =>
        items.some(
          (item) =>
            item.template === 'booking_confirmed' && item.channel === 'email' && item.status === 'failed',
        ),
      15_000,
    );
    const message = failed.find(
      (item) => item.template === 'booking_confirmed' && item.channel === 'email',
    ) as Notification;
    expect(message.attempts).toBe(3);

    const listed = await t.http
      .get('/api/v1/admin/notifications')
      .query({ status: 'failed' })
      .set(as(admin))
      .expect(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(message.id);
    await t.http.get('/api/v1/admin/notifications').set(as(owner)).expect(403);
    await t.http.post(`/api/v1/admin/notifications/${message.id}/retry`).set(as(owner)).expect(403);

    smtp.refuse = false;
    await t.http.post(`/api/v1/admin/notifications/${message.id}/retry`).set(as(admin)).expect(202);
    await mailsTo(customer.email, /Booking confirmed/);
    await eventually(
      () => notificationsOf(customer),
      (items) => items.some((item) => item.id === message.id && item.status === 'sent'),
    );
    // Only a failed message can be retried; an unknown one is 404.
    await t.http.post(`/api/v1/admin/notifications/${message.id}/retry`).set(as(admin)).expect(409);
    await t.http.post(`/api/v1/admin/notifications/${randomUUID()}/retry`).set(as(admin)).expect(404);
  });

  it('sends the reminder when it is due, and none for a booking cancelled meanwhile', async () => {
    const queue = t.app.get<Queue>(getQueueToken(NOTIFICATIONS_QUEUE));
    const customer = await givenCustomer();
    const kept = await bookFor(customer);
    const cancelled = await bookFor(customer);
    const completed = await bookFor(customer);
    const reminders = await eventually(
      async () =>
        (await db.query(
          "SELECT id, booking_id, relayed_at FROM notifications WHERE template = 'booking_reminder' AND booking_id = ANY($1)",
          [[kept.id, cancelled.id, completed.id]],
        )) as Array<{ id: string; booking_id: string; relayed_at: Date | null }>,
      (rows) => rows.length === 3 && rows.every((row) => row.relayed_at !== null),
    );
    await t.http
      .post(`/api/v1/bookings/${cancelled.id}/cancel`)
      .set(as(customer as unknown as GivenUser))
      .send({})
      .expect(200);
    await mailsTo(customer.email, /Booking cancelled/);
    // Completed (its reminder is still queued): the state checked at send time stops it.
    await afterItEnds(t, clock, completed.id, () =>
      t.http.post(`/api/v1/bookings/${completed.id}/complete`).set(as(owner)).send({}).expect(200),
    );

    // Time passes: both delayed reminder jobs come due now.
    for (const reminder of reminders) await (await queue.getJob(reminder.id))?.promote();
    const [reminder] = await mailsTo(customer.email, /Reminder:/);
    expect(reminder.decoded).toContain(kept.time);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const all = smtp.to(customer.email).filter((mail) => /Reminder:/.test(mail.decoded));
    expect(all).toHaveLength(1);
    expect(all[0].decoded).not.toContain(`${cancelled.time} (Asia`);
    expect(all[0].decoded).not.toContain(`${completed.time} (Asia`);
  });

  it("sends the shop's owner the statement of each settlement", async () => {
    const customer = await givenCustomer();
    const booking = await bookFor(customer);
    await afterItEnds(t, clock, booking.id, () =>
      t.http.post(`/api/v1/bookings/${booking.id}/complete`).set(as(owner)).send({}).expect(200),
    );
    const cutoff = new Date(Date.now() + 120 * 24 * 3600 * 1000).toISOString();
    await t.http.post('/api/v1/settlements/runs').set(as(admin)).send({ cutoff }).expect(202);
    const [statement] = await mailsTo(owner.email, /Settlement for Sharp Cuts Indiranagar/);
    expect(statement.decoded).toContain('Owed by you');
    expect(statement.decoded).toContain('Commission');
  });

  it('keeps messages written while Redis is away and delivers them when it returns', async () => {
    const customer = await givenCustomer();
    await redisProxy.stop();
    try {
      await bookFor(customer);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const [row] = await db.query(
        "SELECT relayed_at, status FROM notifications WHERE template = 'booking_confirmed' AND channel = 'email' AND user_id = $1",
        [customer.id],
      );
      expect(row).toMatchObject({ relayed_at: null, status: 'pending' });
    } finally {
      await redisProxy.start();
    }
    await mailsTo(customer.email, /Booking confirmed/);
  });
});
