// The console's cookies, by name: the CloudFront behavior of `/console` forwards exactly these.

/** The session's id, from login to logout. */
export const SESSION_COOKIE = 'session';
/** The login form's double-submit token, before there is a session. */
export const LOGIN_COOKIE = 'login';

/** Over TLS a `__Host-` cookie, which only this host, on path `/`, over https, may set. */
export const secureCookieName = (name: string) => `__Host-callnow-${name}`;

export const SESSION_COOKIE_NAMES = [SESSION_COOKIE, LOGIN_COOKIE].map(secureCookieName);
