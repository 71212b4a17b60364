import { clearedSessionCookie, readSessionCookie, sessionCookie } from './session-cookie';

describe('queue dashboard session cookie', () => {
  it('is HttpOnly, SameSite=Strict, scoped to /admin/queues, and Secure only when asked', () => {
    expect(sessionCookie('a.b.c', 900, false)).toBe(
      'hairone_queue_session=a.b.c; Path=/admin/queues; Max-Age=900; HttpOnly; SameSite=Strict',
    );
    expect(sessionCookie('a.b.c', 900, true)).toMatch(/; Secure$/);
    expect(clearedSessionCookie(true)).toBe(
      'hairone_queue_session=; Path=/admin/queues; Max-Age=0; HttpOnly; SameSite=Strict; Secure',
    );
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['hairone_queue_session=', undefined],
    ['hairone_queue_session=a.b.c', 'a.b.c'],
    ['theme=dark; hairone_queue_session=a.b.c; lang=en', 'a.b.c'],
    ['xhairone_queue_session=forged; hairone_queue_session_old=x', undefined],
    ['=a.b.c; hairone_queue_session', undefined],
  ])('reads %j as %j', (header, expected) => {
    expect(readSessionCookie(header)).toBe(expected);
  });

  it('round-trips whatever token it wrote', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
    expect(readSessionCookie(sessionCookie(token, 60, false))).toBe(token);
  });
});
