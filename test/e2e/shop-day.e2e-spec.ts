import { DataSource, EntityManager } from 'typeorm';

import { DayCreatedConcurrentlyError } from '../../src/availability/availability.repository';
import { ShopDay, ShopDays } from '../../src/bookings/shop-day';
import { at, book, expireHoldNow, givenBookableShop, localDate } from '../support/bookings';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * The shop-day unit of work against the real database: the lock it takes, the row it creates, the holds it
 * expires (with their messages), and that it writes the read model back exactly when it changed.
 */
describe('ShopDay (unit of work, real database)', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let shopDays: ShopDays;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;

  beforeAll(async () => {
    t = await createTestApp();
    dataSource = t.app.get(DataSource);
    shopDays = t.app.get(ShopDays);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
  });

  afterAll(async () => {
    await t.close();
  });

  /** Runs `work` in its own transaction, committed unless it throws. */
  async function inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    try {
      const result = await work(runner.manager);
      await runner.query('COMMIT');
      return result;
    } catch (error) {
      await runner.query('ROLLBACK');
      throw error;
    } finally {
      await runner.release();
    }
  }

  const dayRow = async (shopId: string, date: string) =>
    (
      await dataSource.query(
        `SELECT busy, version::int AS version FROM availability_days WHERE shop_id = $1 AND local_date = $2`,
        [shopId, date],
      )
    )[0] as { busy: Record<string, Array<{ b: string; s: number; e: number }>>; version: number } | undefined;

  const slot = (date: string, from: string, to: string) => ({
    start: Date.parse(at(date, from)),
    end: Date.parse(at(date, to)),
  });

  it('creates the day row on first open, and saves nothing when nothing changed', async () => {
    const shop = await givenBookableShop(t.http, owner, admin);
    const date = localDate(3);
    expect(await dayRow(shop.id, date)).toBeUndefined();

    await inTransaction(async (manager) => {
      const day = await shopDays.open(manager, shop.id, date);
      day.release(['00000000-0000-4000-8000-000000000000']);
      await day.save();
    });
    expect(await dayRow(shop.id, date)).toEqual({ busy: {}, version: 0 });
  });

  it('take and release change the busy map and move the version once per save', async () => {
    const shop = await givenBookableShop(t.http, owner, admin, { staff: 2 });
    const date = localDate(3);
    const [a, b] = shop.staff.map((member) => member.id);
    const first = '11111111-1111-4111-8111-111111111111';
    const second = '22222222-2222-4222-8222-222222222222';

    await inTransaction(async (manager) => {
      const day = await shopDays.open(manager, shop.id, date);
      day.take(a, first, slot(date, '10:00', '10:30'));
      day.take(a, second, slot(date, '11:00', '11:30'));
      await day.save();
      // A second save without a change writes nothing more.
      await day.save();
    });
    const afterTake = await dayRow(shop.id, date);
    expect(afterTake?.version).toBe(1);
    expect(afterTake?.busy[a].map((entry) => entry.b)).toEqual([first, second]);

    const free = await inTransaction(async (manager) => {
      const day = await shopDays.open(manager, shop.id, date);
      // b has nothing that day: free, and the least busy, so first.
      const atTen = day.freeStaff(slot(date, '10:15', '10:45'), [a, b]);
      const atNoon = day.freeStaff(slot(date, '12:00', '12:30'), [a, b]);
      day.release([first]);
      await day.save();
      return { atTen, atNoon, aFreeAtTen: day.isFree(a, slot(date, '10:00', '10:30')) };
    });
    expect(free.atTen).toEqual([b]);
    expect(free.atNoon).toEqual([b, a]);
    expect(free.aFreeAtTen).toBe(true);
    const afterRelease = await dayRow(shop.id, date);
    expect(afterRelease?.version).toBe(2);
    expect(afterRelease?.busy[a].map((entry) => entry.b)).toEqual([second]);

    // These bookings exist only in the read model: leave it as the suites' invariants expect it.
    await inTransaction(async (manager) => {
      const day = await shopDays.open(manager, shop.id, date);
      day.release([second]);
      await day.save();
    });
  });

  it('rolls back with its transaction: nothing of an aborted change is kept', async () => {
    const shop = await givenBookableShop(t.http, owner, admin);
    const date = localDate(4);
    await expect(
      inTransaction(async (manager) => {
        const day = await shopDays.open(manager, shop.id, date);
        day.take(shop.staff[0].id, '33333333-3333-4333-8333-333333333333', slot(date, '09:00', '09:30'));
        await day.save();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await dayRow(shop.id, date)).toBeUndefined();
  });

  it('holds the day locked until its transaction ends', async () => {
    const shop = await givenBookableShop(t.http, owner, admin);
    const date = localDate(3);
    await inTransaction((manager) => shopDays.open(manager, shop.id, date));

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    const holder = inTransaction(async (manager) => {
      await shopDays.open(manager, shop.id, date);
      opened();
      await held;
    });
    await isOpen;
    // Another transaction cannot open the day while it is held.
    await expect(
      inTransaction(async (manager) => {
        await manager.query("SET LOCAL lock_timeout = '300ms'");
        await shopDays.open(manager, shop.id, date);
      }),
    ).rejects.toThrow(/lock timeout/);
    release();
    await holder;
    await expect(inTransaction((manager) => shopDays.open(manager, shop.id, date))).resolves.toBeInstanceOf(
      ShopDay,
    );
  });

  it('a day first opened by two transactions at once is created once; the second is told to retry', async () => {
    const shop = await givenBookableShop(t.http, owner, admin);
    const date = localDate(5);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    const first = inTransaction(async (manager) => {
      await shopDays.open(manager, shop.id, date);
      opened();
      await held;
    });
    await isOpen;
    const second = inTransaction((manager) => shopDays.open(manager, shop.id, date));
    // The second waits on the first's uncommitted row, then finds it was not the one that created it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await first;
    await expect(second).rejects.toBeInstanceOf(DayCreatedConcurrentlyError);
    expect(await dayRow(shop.id, date)).toEqual({ busy: {}, version: 0 });
  });

  describe('expireStale', () => {
    let shop: GivenShop;
    const date = localDate(2);
    const bookAt = async (time: string, paymentMethod: 'ONLINE' | 'PAY_AT_SHOP', day = date) =>
      (
        await book(t.http, customer, {
          shopId: shop.id,
          serviceId: shop.services[0].id,
          startsAt: at(day, time),
          paymentMethod,
        }).expect(201)
      ).body.id as string;
    const statusOf = async (id: string) =>
      (await dataSource.query('SELECT status FROM bookings WHERE id = $1', [id]))[0].status as string;

    beforeAll(async () => {
      shop = await givenBookableShop(t.http, owner, admin, { staff: 3 });
    });

    it('expires exactly the due holds of its day, tells their customers and frees their time', async () => {
      const due = await bookAt('10:00', 'ONLINE');
      const notDue = await bookAt('10:00', 'ONLINE');
      const paidAtShop = await bookAt('10:00', 'PAY_AT_SHOP');
      const otherDay = await bookAt('10:00', 'ONLINE', localDate(3));
      await expireHoldNow(t, due);
      await expireHoldNow(t, otherDay);
      const before = await dayRow(shop.id, date);

      const expired = await inTransaction(async (manager) => {
        const day = await shopDays.open(manager, shop.id, date);
        const ids = await day.expireStale();
        await day.save();
        return ids;
      });

      expect(expired).toEqual([due]);
      expect(await statusOf(due)).toBe('expired');
      expect(await statusOf(notDue)).toBe('pending_payment');
      expect(await statusOf(paidAtShop)).toBe('upcoming');
      expect(await statusOf(otherDay)).toBe('pending_payment');
      const after = await dayRow(shop.id, date);
      expect(after?.version).toBe((before?.version ?? 0) + 1);
      const held = Object.values(after?.busy ?? {}).flatMap((entries) => entries.map((entry) => entry.b));
      expect(held.sort()).toEqual([notDue, paidAtShop].sort());
      const messages: Array<{ template: string }> = await dataSource.query(
        'SELECT template FROM notifications WHERE booking_id = $1',
        [due],
      );
      expect(messages.map((message) => message.template)).toContain('booking_expired');
    });

    it('with nothing due, expires nothing and leaves the version alone', async () => {
      const before = await dayRow(shop.id, date);
      const expired = await inTransaction(async (manager) => {
        const day = await shopDays.open(manager, shop.id, date);
        const ids = await day.expireStale();
        await day.save();
        return ids;
      });
      expect(expired).toEqual([]);
      expect((await dayRow(shop.id, date))?.version).toBe(before?.version);
    });
  });
});
