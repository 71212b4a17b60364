import { runMigrations } from '../../src/database/migrate';
import { at, book, givenBookableShop, localDate } from '../support/bookings';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariantsAt } from '../support/invariants';
import { eventually } from '../support/payments';
import { freePort } from '../support/ports';
import { PostgresCluster } from '../support/postgres-cluster';
import { createTestApp, TestApp } from '../support/test-app';
import { testConfig } from '../support/test-env';

/**
 * Read/write splitting against a real streaming replica: a primary and a hot standby of this suite's own, made with
 * initdb and pg_basebackup on free ports. Replication lag is made by pausing WAL replay on the standby.
 */
describe('Read replicas (real primary and streaming replica)', () => {
  let primary: PostgresCluster;
  let replica: PostgresCluster;
  let databaseUrl: string;
  let replicaUrl: string;
  const apps: TestApp[] = [];

  const app = async (maxLagMs: number) => {
    const created = await createTestApp({
      DATABASE_URL: databaseUrl,
      DATABASE_REPLICA_URLS: replicaUrl,
      DATABASE_REPLICA_MAX_LAG_MS: String(maxLagMs),
      REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}replicas-${maxLagMs}:`,
    });
    apps.push(created);
    return created;
  };

  beforeAll(async () => {
    primary = await PostgresCluster.primary(await freePort());
    await primary.query('CREATE DATABASE hairone');
    databaseUrl = primary.url('hairone');
    await runMigrations(testConfig({ DATABASE_URL: databaseUrl }));
    replica = await PostgresCluster.replicaOf(primary, await freePort());
    replicaUrl = replica.url('hairone');
  }, 120_000);

  afterAll(() => databaseUrl && assertInvariantsAt(databaseUrl));

  afterAll(async () => {
    await Promise.all(apps.map((created) => created.close()));
    await replica?.destroy();
    await primary?.destroy();
  });

  const pauseReplay = () => replica.query('SELECT pg_wal_replay_pause()');
  const resumeReplay = () => replica.query('SELECT pg_wal_replay_resume()');

  /** How many replica-eligible reads the app has served from each side so far. */
  const reads = async (t: TestApp) => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    const count = (target: string) =>
      Number(new RegExp(`db_reads_total\\{target="${target}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { primary: count('primary'), replica: count('replica') };
  };

  const search = (t: TestApp, user?: GivenUser) => {
    const request = t.http
      .get('/api/v1/shops')
      .query({ lat: 12.9716, lng: 77.5946, radiusKm: 50, limit: 100 });
    if (user) request.set('Authorization', `Bearer ${user.accessToken}`);
    return request
      .expect(200)
      .then((response) => (response.body.items as Array<{ id: string }>).map((shop) => shop.id));
  };

  /** A pending shop of a fresh owner, ready for approval. */
  const pendingShop = async (t: TestApp, admin: GivenUser) => {
    const owner = await givenUser(t.http, 'shop_owner');
    const shop = await givenBookableShop(t.http, owner, admin);
    return { owner, shop };
  };

  it('answers searches, lists and reports from the replica; every write goes to the primary', async () => {
    const t = await app(60_000);
    const admin = await givenAdmin(t);
    const { shop } = await pendingShop(t, admin);
    const customer = await givenUser(t.http, 'customer');
    await eventually(
      () => search(t),
      (ids) => ids.includes(shop.id),
      10_000,
    );

    const before = await reads(t);
    await search(t);
    await t.http
      .get(`/api/v1/shops/${shop.id}/slots`)
      .query({ date: localDate(3), serviceId: shop.services[0].id })
      .expect(200);
    const after = await reads(t);
    expect(after.replica).toBeGreaterThan(before.replica);

    // Writes through the whole booking path succeed: a write sent to the hot standby would fail (read-only).
    const booking = await book(t.http, customer, {
      shopId: shop.id,
      serviceId: shop.services[0].id,
      startsAt: at(localDate(3), '10:00'),
    }).expect(201);
    await t.http
      .post(`/api/v1/bookings/${booking.body.id}/cancel`)
      .set('Authorization', `Bearer ${customer.accessToken}`)
      .send({ reason: 'Plans changed' })
      .expect(200);
  });

  it('lets a lagging replica show others older data, while each user sees their own writes at once', async () => {
    const t = await app(60_000);
    const admin = await givenAdmin(t);
    const { shop: existing } = await pendingShop(t, admin);
    const customer = await givenUser(t.http, 'customer');
    await eventually(
      () => search(t),
      (ids) => ids.includes(existing.id),
      10_000,
    );

    await pauseReplay();
    try {
      // The customer's booking is visible in the customer's next request, on any path.
      const booking = await book(t.http, customer, {
        shopId: existing.id,
        serviceId: existing.services[0].id,
        startsAt: at(localDate(3), '11:00'),
      }).expect(201);
      const mine = await t.http
        .get('/api/v1/bookings')
        .set('Authorization', `Bearer ${customer.accessToken}`)
        .expect(200);
      expect((mine.body.items as Array<{ id: string }>).map((item) => item.id)).toContain(booking.body.id);
      const slots = await t.http
        .get(`/api/v1/shops/${existing.id}/slots`)
        .set('Authorization', `Bearer ${customer.accessToken}`)
        .query({ date: localDate(3), serviceId: existing.services[0].id })
        .expect(200);
      expect(
        (slots.body.slots as Array<{ startsAt: string }>).map((slot) => Date.parse(slot.startsAt)),
      ).not.toContain(Date.parse(at(localDate(3), '11:00')));

      // A shop approved meanwhile: the admin who approved it sees it; an anonymous search, served by the
      // paused replica (60 s of lag allowed), does not yet.
      const { shop: approvedMeanwhile } = await pendingShop(t, admin);
      expect(await search(t, admin)).toContain(approvedMeanwhile.id);
      const before = await reads(t);
      expect(await search(t)).not.toContain(approvedMeanwhile.id);
      expect((await reads(t)).replica).toBeGreaterThan(before.replica);
    } finally {
      await resumeReplay();
    }
  });

  it('never shows anyone a slot booked while the replica lags: the day is read from the primary then', async () => {
    const t = await app(60_000);
    const admin = await givenAdmin(t);
    const { shop } = await pendingShop(t, admin);
    const booker = await givenUser(t.http, 'customer');
    const watcher = await givenUser(t.http, 'customer');
    await eventually(
      () => search(t),
      (ids) => ids.includes(shop.id),
      10_000,
    );
    const date = localDate(3);
    const taken = Date.parse(at(date, '14:00'));
    const slotsSeenBy = async (user?: GivenUser) => {
      const request = t.http
        .get(`/api/v1/shops/${shop.id}/slots`)
        .query({ date, serviceId: shop.services[0].id });
      if (user) request.set('Authorization', `Bearer ${user.accessToken}`);
      const { body } = await request.expect(200);
      return (body.slots as Array<{ startsAt: string }>).map((slot) => Date.parse(slot.startsAt));
    };
    // Free, and cached so, before the booking.
    expect(await slotsSeenBy()).toContain(taken);
    expect(await slotsSeenBy(watcher)).toContain(taken);

    await pauseReplay();
    try {
      await book(t.http, booker, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(date, '14:00'),
      }).expect(201);
      // The replica has not replayed the booking: its copy of the day is older than the primary's.
      const dayVersion = `SELECT version FROM availability_days WHERE shop_id = '${shop.id}' AND local_date = '${date}'`;
      const [onReplica] = await replica.query<{ version: string }>(dayVersion, 'hairone');
      const [onPrimary] = await primary.query<{ version: string }>(dayVersion, 'hairone');
      expect(Number(onReplica?.version ?? 0)).toBeLessThan(Number(onPrimary.version));

      // Nobody is offered the slot: not an anonymous visitor, not another signed-in customer, not twice.
      for (let i = 0; i < 2; i++) {
        expect(await slotsSeenBy()).not.toContain(taken);
        expect(await slotsSeenBy(watcher)).not.toContain(taken);
      }
      // The rest of the day is still offered.
      expect(await slotsSeenBy()).toContain(Date.parse(at(date, '15:00')));
    } finally {
      await resumeReplay();
    }
  });

  it('sends no reads to a replica further behind than DATABASE_REPLICA_MAX_LAG_MS', async () => {
    const t = await app(300);
    const admin = await givenAdmin(t);
    await pauseReplay();
    try {
      const { shop } = await pendingShop(t, admin);
      // Once the replica is more than 300 ms behind, anonymous searches are answered by the primary.
      await eventually(
        () => search(t),
        (ids) => ids.includes(shop.id),
        10_000,
      );
      const before = await reads(t);
      await search(t);
      const after = await reads(t);
      expect(after.primary).toBeGreaterThan(before.primary);
      expect(after.replica).toBe(before.replica);
    } finally {
      await resumeReplay();
    }
  });

  it('falls back to the primary while the replica is down, and uses it again once it is back', async () => {
    const t = await app(60_000);
    const admin = await givenAdmin(t);
    const { shop } = await pendingShop(t, admin);
    await eventually(
      () => search(t),
      (ids) => ids.includes(shop.id),
      10_000,
    );

    await replica.stop();
    try {
      for (let i = 0; i < 5; i++) expect(await search(t)).toContain(shop.id);
      await t.http.get('/health').expect(200);
      const before = await reads(t);
      await search(t);
      expect((await reads(t)).replica).toBe(before.replica);
    } finally {
      await replica.start(['-c hot_standby=on', '-c fsync=off']);
    }
    await eventually(
      async () => {
        const before = await reads(t);
        await search(t);
        return (await reads(t)).replica - before.replica;
      },
      (served) => served > 0,
      15_000,
    );
  });
});
