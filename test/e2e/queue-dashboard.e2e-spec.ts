import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { createTestApp, TestApp } from '../support/test-app';

const cookieOf = (setCookie: string | string[] | undefined): string => {
  const header = ([] as string[]).concat(setCookie ?? [])[0] ?? '';
  return header.split(';')[0];
};

describe('Queue dashboard at /admin/queues (e2e)', () => {
  let t: TestApp;
  let admin: GivenUser;
  let customer: GivenUser;
  let owner: GivenUser;

  beforeAll(async () => {
    t = await createTestApp();
    [admin, customer, owner] = await Promise.all([
      givenAdmin(t),
      givenUser(t.http, 'customer'),
      givenUser(t.http, 'shop_owner'),
    ]);
  });

  afterAll(async () => {
    await t.close();
  });

  const signIn = (user: Pick<GivenUser, 'email' | 'password'>) =>
    t.http.post('/admin/queues/login').type('form').send({ email: user.email, password: user.password });

  it('serves a sign-in form', async () => {
    const response = await t.http.get('/admin/queues/login').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.text).toContain('<form method="post" action="/admin/queues/login">');
  });

  it('sends pages to the sign-in form and refuses the dashboard API without a session', async () => {
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/queue/payments']) {
      const page = await t.http.get(path).expect(303);
      expect(page.headers.location).toBe('/admin/queues/login');
    }
    const api = await t.http.get('/admin/queues/api/queues').expect(401);
    expect(api.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    await t.http.put('/admin/queues/api/queues/payments/retry/failed').expect(401);
  });

  it('does not take an API bearer token, even an admin one, in place of the session', async () => {
    await t.http
      .get('/admin/queues/api/queues')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .expect(401);
    await t.http
      .get('/admin/queues/api/queues')
      .set('Cookie', `hairone_queue_session=${admin.accessToken}`)
      .expect(401);
  });

  it('refuses customers and shop owners with 403 and gives them no session', async () => {
    for (const user of [customer, owner]) {
      const response = await signIn(user).expect(403);
      expect(response.text).toContain('Only administrators may open the queue dashboard.');
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a wrong password with 401', async () => {
    const response = await t.http
      .post('/admin/queues/login')
      .type('form')
      .send({ email: admin.email, password: 'not the password' })
      .expect(401);
    expect(response.text).toContain('Wrong e-mail or password.');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('lets an admin in with an HttpOnly, SameSite=Strict cookie scoped to the dashboard, and lists the queues', async () => {
    const response = await signIn(admin).expect(303);
    expect(response.headers.location).toBe('/admin/queues/');
    const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0];
    expect(setCookie).toMatch(/^hairone_queue_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(setCookie).toMatch(/; Path=\/admin\/queues;/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    const cookie = cookieOf(response.headers['set-cookie']);

    const page = await t.http.get('/admin/queues/').set('Cookie', cookie).expect(200);
    expect(page.text).toContain('<title>HairOne queues</title>');

    const queues = await t.http.get('/admin/queues/api/queues').set('Cookie', cookie).expect(200);
    const names = (queues.body.queues as Array<{ name: string }>).map((queue) => queue.name).sort();
    expect(names).toEqual(['notifications', 'payments', 'settlements']);

    // The session is not an API token either.
    await t.http
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${cookie.split('=')[1]}`)
      .expect(401);
  });

  it('refuses state-changing dashboard calls from another origin', async () => {
    const cookie = cookieOf((await signIn(admin).expect(303)).headers['set-cookie']);
    await t.http
      .put('/admin/queues/api/queues/payments/retry/failed')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .expect(403);
  });

  it('signs out by clearing the cookie', async () => {
    const response = await t.http.post('/admin/queues/logout').expect(303);
    expect(response.headers.location).toBe('/admin/queues/login');
    expect(([] as string[]).concat(response.headers['set-cookie'] ?? [])[0]).toMatch(
      /^hairone_queue_session=; Path=\/admin\/queues; Max-Age=0/,
    );
  });
});
