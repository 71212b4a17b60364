import { escapeHtml } from '../../../libs/notifications/templates';
import { DASHBOARD_PATH } from './session-cookie';

/** The dashboard's sign-in form: plain HTML, no script, posting back to itself. */
export function loginPage(options: { message?: string; email?: string } = {}): string {
  const message = options.message ? `<p class="error" role="alert">${escapeHtml(options.message)}</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="robots" content="noindex">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>HairOne queues: sign in</title>
  <style>
    body { font-family: system-ui, sans-serif; background: #f4f5f7; display: grid; place-items: center; min-height: 100vh; margin: 0; }
    form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); width: 20rem; }
    label { display: block; margin-top: 1rem; font-size: .9rem; }
    input { width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; }
    button { margin-top: 1.5rem; width: 100%; padding: .6rem; }
    .error { color: #b00020; }
  </style>
</head>
<body>
  <form method="post" action="${DASHBOARD_PATH}/login">
    <h1>Queue dashboard</h1>
    <p>Administrators only.</p>
    ${message}
    <label>E-mail <input type="email" name="email" autocomplete="username" required maxlength="254" value="${escapeHtml(options.email ?? '')}"></label>
    <label>Password <input type="password" name="password" autocomplete="current-password" required maxlength="72"></label>
    <button type="submit">Sign in</button>
  </form>
</body>
</html>
`;
}
