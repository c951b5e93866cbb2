// Logging in and out. The login form is guarded by a double-submit token (a cookie and a field that must match:
// another site can neither read the cookie nor set it), as it has no session yet; a login always starts a new session.
import { timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { logIn, logOut, SESSION_ABSOLUTE_SECONDS } from '../../domain/sessions.ts';
import { isAllowedOrigin } from '../../http/cors.ts';
import type { ConsoleRouter, OpenScreens } from '../app.ts';
import { LOGIN_COOKIE, SESSION_COOKIE } from '../cookies.ts';
import { formOf, page, readCookie, redirect, setCookie } from '../http.ts';
import { errorSummary, type FieldErrors, h, layout, textField } from '../layout.ts';
import type { ConsolePorts } from '../ports.ts';

/** Only a console path, so the login cannot be used to send anyone elsewhere. */
function nextOf(value: string | undefined): string {
  return value && /^\/console(\/[A-Za-z0-9/_.@-]*)?$/.test(value) ? value : '/console';
}

function loginPage(
  event: APIGatewayProxyEventV2,
  ports: ConsolePorts,
  statusCode: number,
  errors: FieldErrors,
  username = '',
) {
  const token = ports.newSecret();
  const next = nextOf(event.queryStringParameters?.next);
  const body = `${errorSummary(errors)}
<form method="post" action="/console/login?next=${h(encodeURIComponent(next))}" class="narrow">
<input type="hidden" name="token" value="${h(token)}">
${textField({ name: 'username', label: 'Username', value: username, errors, extra: ' autocomplete="username" required autofocus' })}
${textField({ name: 'password', label: 'Password', type: 'password', errors, extra: ' autocomplete="current-password" required' })}
<button type="submit" class="primary">Log in</button>
</form>`;
  const flash = event.queryStringParameters?.changed
    ? { flash: 'The account changed: log in with its new details.' }
    : {};
  return page(statusCode, layout(undefined, 'Log in', body, flash), [
    setCookie(event, LOGIN_COOKIE, token, 3600),
  ]);
}

function sameToken(cookie: string | undefined, field: string | undefined): boolean {
  const a = Buffer.from(cookie ?? '');
  const b = Buffer.from(field ?? '');
  return a.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}

async function submitLogin(event: APIGatewayProxyEventV2, ports: ConsolePorts) {
  const form = formOf(event);
  if (!isAllowedOrigin(event, []) || !sameToken(readCookie(event, LOGIN_COOKIE), form.token)) {
    return loginPage(event, ports, 403, {
      '': 'This login form is too old or came from elsewhere: please try again.',
    });
  }
  const username = form.username ?? '';
  const result = await logIn(
    { username, password: form.password ?? '', sourceIp: event.requestContext.http.sourceIp },
    { ...ports, store: ports.management },
  );
  if (result.ok) {
    const session = setCookie(event, SESSION_COOKIE, result.sessionId, SESSION_ABSOLUTE_SECONDS);
    return redirect(nextOf(event.queryStringParameters?.next), [
      session,
      setCookie(event, LOGIN_COOKIE, '', 0),
    ]);
  }
  const message = {
    invalid: 'The username or the password is not right.',
    no_admin_password: 'The admin account has no password yet: set one with npm run admin -- set-password.',
    locked: 'Too many failed logins: wait a few minutes, then try again.',
  }[result.reason];
  return loginPage(event, ports, result.reason === 'locked' ? 429 : 401, { '': message }, username);
}

export const OPEN_SCREENS: OpenScreens = {
  'GET /console/login': async (event, ports) => loginPage(event, ports, 200, {}),
  'POST /console/login': submitLogin,
};

export function addLogout(router: ConsoleRouter): void {
  router.add('POST', '/logout', async ({ event, ports }) => {
    const sessionId = readCookie(event, SESSION_COOKIE);
    if (sessionId) await logOut(sessionId, ports);
    return redirect('/console/login', [setCookie(event, SESSION_COOKIE, '', 0)]);
  });
}
