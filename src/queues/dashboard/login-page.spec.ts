import { loginPage } from './login-page';

describe('queue dashboard sign-in page', () => {
  it('posts the form back to the dashboard and shows no error by default', () => {
    const page = loginPage();
    expect(page).toContain('<form method="post" action="/admin/queues/login">');
    expect(page).not.toContain('role="alert"');
  });

  it('escapes the message and the e-mail it echoes', () => {
    const page = loginPage({ message: '<b>bad</b> & "worse"', email: '"><script>alert(1)</script>' });
    expect(page).toContain('&lt;b&gt;bad&lt;/b&gt; &amp; &quot;worse&quot;');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).not.toContain('<script>');
  });
});
