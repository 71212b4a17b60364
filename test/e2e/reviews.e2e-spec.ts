import { DataSource } from 'typeorm';

import { afterItEnds, book, givenBookableShop, slotSequence } from '../support/bookings';
import { TestClock } from '../support/clock';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

interface Review {
  id: string;
  bookingId: string;
  shopId: string;
  serviceId: string;
  rating: number;
  comment: string | null;
  reply: string | null;
  createdAt: string;
  hidden: boolean;
}

describe('Reviews and the shop rating (e2e)', () => {
  const clock = new TestClock();
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  let shop: GivenShop;
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });
  const nextSlot = slotSequence({ firstDay: 2 });

  beforeAll(async () => {
    t = await createTestApp({}, [], clock);
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
    shop = await givenBookableShop(t.http, owner, admin);
  });

  afterEach(() => clock.reset());
  afterAll(() => t && assertInvariants(db));
  afterAll(async () => {
    await t.close();
  });

  const booked = async (of: GivenShop = shop, by: GivenUser = customer): Promise<string> =>
    (
      await book(t.http, by, { shopId: of.id, serviceId: of.services[0].id, startsAt: nextSlot() }).expect(
        201,
      )
    ).body.id;

  const completed = async (
    of: GivenShop = shop,
    by: GivenUser = customer,
    ownedBy: GivenUser = owner,
  ): Promise<string> => {
    const id = await booked(of, by);
    await afterItEnds(t, clock, id, () =>
      t.http.post(`/api/v1/bookings/${id}/complete`).set(as(ownedBy)).send({}).expect(200),
    );
    return id;
  };

  const review = (bookingId: string, body: Record<string, unknown>, by: GivenUser = customer) =>
    t.http.post(`/api/v1/bookings/${bookingId}/review`).set(as(by)).send(body);

  const shopRating = async (id = shop.id) => {
    const body = (await t.http.get(`/api/v1/shops/${id}`).expect(200)).body;
    return { ratingAverage: body.ratingAverage, ratingCount: body.ratingCount };
  };

  /** The rating a shop should show, from its visible reviews in the database (what the aggregate must equal). */
  const ratingFromReviews = async (id = shop.id) => {
    const [row] = await db.query(
      `SELECT count(*)::int AS n, round(avg(rating), 1)::float8 AS average FROM reviews WHERE shop_id = $1 AND NOT hidden`,
      [id],
    );
    return { ratingAverage: row.n === 0 ? null : row.average, ratingCount: row.n };
  };

  it('takes one review of a completed booking by its customer, and counts it on the shop', async () => {
    const id = await completed();
    const created = await review(id, { rating: 4, comment: 'Sharp fade, on time.' }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      bookingId: id,
      shopId: shop.id,
      serviceId: shop.services[0].id,
      rating: 4,
      comment: 'Sharp fade, on time.',
      reply: null,
      repliedAt: null,
      createdAt: expect.any(String),
      hidden: false,
    });
    expect(await shopRating()).toEqual(await ratingFromReviews());
    expect((await shopRating()).ratingCount).toBeGreaterThanOrEqual(1);

    const again = await review(id, { rating: 1 }).expect(409);
    expect(again.body.code).toBe('REVIEW_EXISTS');
    expect(await shopRating()).toEqual(await ratingFromReviews());
  });

  it('refuses a booking that is not completed with 409 BOOKING_NOT_COMPLETED', async () => {
    const upcoming = await booked();
    expect((await review(upcoming, { rating: 5 }).expect(409)).body.code).toBe('BOOKING_NOT_COMPLETED');
    const cancelled = await booked();
    await t.http.post(`/api/v1/bookings/${cancelled}/cancel`).set(as(customer)).send({}).expect(200);
    expect((await review(cancelled, { rating: 5 }).expect(409)).body.code).toBe('BOOKING_NOT_COMPLETED');
  });

  it("never lets anyone but the booking's customer review it", async () => {
    const id = await completed();
    const stranger = await givenUser(t.http, 'customer');
    expect((await review(id, { rating: 5 }, stranger).expect(404)).body.code).toBe('BOOKING_NOT_FOUND');
    await review(id, { rating: 5 }, owner).expect(403);
    await review(id, { rating: 5 }, admin).expect(403);
    await t.http.post(`/api/v1/bookings/${id}/review`).send({ rating: 5 }).expect(401);
    expect((await review('6f1c1a4e-4d5b-4a57-9a38-3f2e8b7c0d11', { rating: 5 }).expect(404)).body.code).toBe(
      'BOOKING_NOT_FOUND',
    );
  });

  it.each([
    ['no rating', {}],
    ['rating 0', { rating: 0 }],
    ['rating 6', { rating: 6 }],
    ['rating 4.5', { rating: 4.5 }],
    ['a text rating', { rating: 'five' }],
    ['a comment over 2000 characters', { rating: 5, comment: 'x'.repeat(2001) }],
    ['an unknown property', { rating: 5, hidden: true }],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_label, body) => {
    const id = await completed();
    const response = await review(id, body).expect(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    // Nothing was written.
    expect(await db.query('SELECT 1 FROM reviews WHERE booking_id = $1', [id])).toHaveLength(0);
  });

  it('lets the owner reply once; others may not', async () => {
    const id = await completed();
    const created: Review = (await review(id, { rating: 3 }).expect(201)).body;
    const path = `/api/v1/shops/${shop.id}/reviews/${created.id}/reply`;

    const otherOwner = await givenUser(t.http, 'shop_owner');
    await t.http.post(path).set(as(otherOwner)).send({ text: 'Not my shop' }).expect(403);
    await t.http.post(path).set(as(customer)).send({ text: 'Me neither' }).expect(403);
    await t.http.post(path).set(as(owner)).send({ text: '' }).expect(400);
    await t.http
      .post(path)
      .set(as(owner))
      .send({ text: 'y'.repeat(2001) })
      .expect(400);

    const replied = await t.http
      .post(path)
      .set(as(owner))
      .send({ text: 'Thanks, see you soon!' })
      .expect(200);
    expect(replied.body).toMatchObject({
      id: created.id,
      reply: 'Thanks, see you soon!',
      repliedAt: expect.any(String),
    });
    const second = await t.http.post(path).set(as(owner)).send({ text: 'Again' }).expect(409);
    expect(second.body.code).toBe('REPLY_EXISTS');

    // A review of another shop is not found under this one.
    const other = await givenBookableShop(t.http, otherOwner, admin);
    const elsewhere = await completed(other, customer, otherOwner);
    const otherReview: Review = (await review(elsewhere, { rating: 5 }).expect(201)).body;
    const wrong = await t.http
      .post(`/api/v1/shops/${shop.id}/reviews/${otherReview.id}/reply`)
      .set(as(owner))
      .send({ text: 'Not ours' })
      .expect(404);
    expect(wrong.body.code).toBe('REVIEW_NOT_FOUND');
  });

  it('lets an admin hide a review: the reason is kept, it leaves the list and the rating', async () => {
    const own = await givenBookableShop(t.http, owner, admin);
    const low = await completed(own);
    const high = await completed(own);
    const abusive: Review = (await review(low, { rating: 1, comment: 'rude words' }).expect(201)).body;
    await review(high, { rating: 5 }).expect(201);
    expect(await shopRating(own.id)).toEqual({ ratingAverage: 3, ratingCount: 2 });

    await t.http
      .post(`/api/v1/admin/reviews/${abusive.id}/hide`)
      .set(as(owner))
      .send({ reason: 'x' })
      .expect(403);
    await t.http.post(`/api/v1/admin/reviews/${abusive.id}/hide`).set(as(admin)).send({}).expect(400);
    const hidden = await t.http
      .post(`/api/v1/admin/reviews/${abusive.id}/hide`)
      .set(as(admin))
      .send({ reason: 'Abusive language' })
      .expect(200);
    expect(hidden.body).toMatchObject({ id: abusive.id, hidden: true, hiddenReason: 'Abusive language' });
    expect(await shopRating(own.id)).toEqual({ ratingAverage: 5, ratingCount: 1 });
    const [kept] = await db.query('SELECT hidden_reason, hidden_by FROM reviews WHERE id = $1', [abusive.id]);
    expect(kept).toEqual({ hidden_reason: 'Abusive language', hidden_by: admin.id });

    // Hiding it again changes nothing: the first reason stays and the rating is not taken off twice.
    const again = await t.http
      .post(`/api/v1/admin/reviews/${abusive.id}/hide`)
      .set(as(admin))
      .send({ reason: 'Second thoughts' })
      .expect(200);
    expect(again.body).toMatchObject({ hidden: true, hiddenReason: 'Abusive language' });
    expect(await shopRating(own.id)).toEqual({ ratingAverage: 5, ratingCount: 1 });

    const list = await t.http.get(`/api/v1/shops/${own.id}/reviews`).expect(200);
    expect(list.body.items.map((item: Review) => item.rating)).toEqual([5]);
    expect(list.body.items[0]).not.toHaveProperty('hiddenReason');

    const missing = await t.http
      .post('/api/v1/admin/reviews/6f1c1a4e-4d5b-4a57-9a38-3f2e8b7c0d11/hide')
      .set(as(admin))
      .send({ reason: 'x' })
      .expect(404);
    expect(missing.body.code).toBe('REVIEW_NOT_FOUND');
  });

  it('keeps the aggregate exact under concurrent reviews of one shop', async () => {
    const busy = await givenBookableShop(t.http, owner, admin, { staff: 3 });
    const customers = await Promise.all(Array.from({ length: 4 }, () => givenUser(t.http, 'customer')));
    const bookings: Array<{ id: string; by: GivenUser; rating: number }> = [];
    for (let i = 0; i < 16; i++) {
      const by = customers[i % customers.length];
      bookings.push({ id: await completed(busy, by), by, rating: 1 + ((i * 7) % 5) });
    }
    const answers = await Promise.all(
      bookings.map(({ id, by, rating }) => review(id, { rating, comment: `review ${rating}` }, by)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(bookings.map(() => 201));
    const sum = bookings.reduce((total, { rating }) => total + rating, 0);
    expect(await shopRating(busy.id)).toEqual({
      ratingAverage: Math.round((sum * 10) / bookings.length) / 10,
      ratingCount: bookings.length,
    });
    expect(await shopRating(busy.id)).toEqual(await ratingFromReviews(busy.id));
    const [row] = await db.query('SELECT rating_sum FROM shops WHERE id = $1', [busy.id]);
    expect(row.rating_sum).toBe(sum);

    // Pages newest first, with limit=1, over reviews written within the same milliseconds: no gaps, no repeats.
    const seen: Review[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Review[]; nextCursor: string | null } } = await t.http
        .get(`/api/v1/shops/${busy.id}/reviews`)
        .query({ limit: 1, ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(bookings.length);
    expect(new Set(seen.map((item) => item.id)).size).toBe(bookings.length);
    const stored: Array<{ id: string }> = await db.query(
      'SELECT id FROM reviews WHERE shop_id = $1 ORDER BY created_at DESC, id DESC',
      [busy.id],
    );
    expect(seen.map((item) => item.id)).toEqual(stored.map((item) => item.id));
  });

  it("lists only an active shop's reviews to the public, and refuses a malformed cursor", async () => {
    await t.http.get('/api/v1/shops/6f1c1a4e-4d5b-4a57-9a38-3f2e8b7c0d11/reviews').expect(404);
    const response = await t.http
      .get(`/api/v1/shops/${shop.id}/reviews`)
      .query({ cursor: 'nope' })
      .expect(400);
    expect(response.body.code).toBe('INVALID_CURSOR');
    await t.http.get(`/api/v1/shops/${shop.id}/reviews`).query({ limit: 0 }).expect(400);
  });
});
