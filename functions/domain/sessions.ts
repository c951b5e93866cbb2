// Console sessions. Why a session cannot outlive what it stands for, in one place:
// - Its id is 256 random bits in an HttpOnly, SameSite=Strict cookie; the table holds only the id's SHA-256, so a
//   copy of the table opens no session.
// - A login always makes a new id (nothing a visitor was handed before logging in becomes a session), and logout
//   deletes the record: the cookie is then worth nothing, wherever it was copied.
// - Every request reads the record and checks its absolute end (12 h after login) and its idle end (30 min after
//   the last request); the record is touched at most once a minute, so a busy session costs one write a minute.
// - The record keeps a fingerprint of the password hash it was opened with, checked against the account on every
//   request: a changed password, or a deleted login, ends every session of it at once.
// - Every form carries the session's own CSRF token, compared in constant time before anything is changed.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from './access.ts';
import { FAILED_LOGIN_LIMIT } from './authentication.ts';
import { usernameKey } from './logins.ts';
import type { ManagementStore } from './management-ports.ts';
import type { Clock } from './ports.ts';
import type { LimitCheck } from './rate-limits.ts';
import type { PasswordHasher } from './server-settings.ts';

export const SESSION_IDLE_SECONDS = 30 * 60;
export const SESSION_ABSOLUTE_SECONDS = 12 * 3600;
const TOUCH_AFTER_SECONDS = 60;
/** Failed logins allowed per username in a window; the address's own limit is the API's FAILED_LOGIN_LIMIT. */
export const FAILED_LOGINS_PER_USER = { limit: 10, windowSeconds: 900 } as const;

export interface SessionRecord {
  /** SHA-256 of the session id, base64url. */
  readonly sessionKey: string;
  readonly username: string;
  readonly admin: boolean;
  /** SHA-256 of the password hash the session was opened with. */
  readonly credential: string;
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  /** The absolute end. */
  readonly expiresAt: string;
}

export interface SessionStore {
  createSession(session: SessionRecord): Promise<void>;
  getSession(sessionKey: string): Promise<SessionRecord | undefined>;
  touchSession(sessionKey: string, lastSeenAt: string): Promise<void>;
  deleteSession(sessionKey: string): Promise<void>;
}

export interface SessionPorts {
  readonly store: ManagementStore;
  readonly sessions: SessionStore;
  readonly passwords: PasswordHasher;
  readonly clock: Clock;
  /** 256 random bits, URL-safe. */
  readonly newSecret: () => string;
}

export type LogInResult =
  | { readonly ok: true; readonly sessionId: string; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'invalid' | 'no_admin_password' }
  | { readonly ok: false; readonly reason: 'locked'; readonly retryAfterSeconds: number };

export interface OpenSession {
  readonly principal: Principal;
  readonly username: string;
  readonly csrfToken: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
export const sessionKeyOf = sha256;

function failureChecks(username: string, sourceIp: string): LimitCheck[] {
  return [
    { subject: `failed-login#${sourceIp}`, ...FAILED_LOGIN_LIMIT },
    { subject: `failed-login#user#${username}`, ...FAILED_LOGINS_PER_USER },
  ];
}

/** Who the username and password are: the admin, a login, or nobody; as slow for an unknown username as a known. */
async function identify(username: string, password: string, { store, passwords }: SessionPorts) {
  const settings = await store.getServerSettings();
  const adminHash = settings?.adminPasswordHash;
  if (!settings || !adminHash) return 'no_admin_password' as const;
  if (username === usernameKey(settings.adminUsername)) {
    const ok = await passwords.verify(password, adminHash);
    return ok
      ? { principal: { kind: 'admin', username: settings.adminUsername } as const, hash: adminHash }
      : undefined;
  }
  const login = await store.getLogin(username);
  // An unknown username costs a scrypt all the same (the admin's hash: the same cost), and its result is ignored.
  const ok = await passwords.verify(password, login?.passwordHash ?? adminHash);
  if (!login || !ok) return undefined;
  return {
    principal: { kind: 'login', username: login.username, scope: login.scope } as const,
    hash: login.passwordHash,
  };
}

export async function logIn(
  input: { readonly username: string; readonly password: string; readonly sourceIp: string },
  ports: SessionPorts,
): Promise<LogInResult> {
  const username = usernameKey(input.username);
  const nowMs = ports.clock.now().getTime();
  const checks = failureChecks(username, input.sourceIp);
  for (const check of checks) {
    const outcome = await ports.store.countHits(check, nowMs);
    if (!outcome.allowed)
      return { ok: false, reason: 'locked', retryAfterSeconds: outcome.retryAfterSeconds };
  }
  const who = await identify(username, input.password, ports);
  if (who === 'no_admin_password') return { ok: false, reason: who };
  if (!who) {
    await Promise.all(checks.map((check) => ports.store.hit(check, nowMs)));
    return { ok: false, reason: 'invalid' };
  }
  const sessionId = ports.newSecret();
  const now = new Date(nowMs).toISOString();
  await ports.sessions.createSession({
    sessionKey: sessionKeyOf(sessionId),
    username: who.principal.username,
    admin: who.principal.kind === 'admin',
    credential: sha256(who.hash),
    csrfToken: ports.newSecret(),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(nowMs + SESSION_ABSOLUTE_SECONDS * 1000).toISOString(),
  });
  return { ok: true, sessionId, principal: who.principal };
}

/** The session a cookie names, if it is still open; undefined for anything else. */
export async function resumeSession(
  sessionId: string,
  ports: SessionPorts,
): Promise<OpenSession | undefined> {
  const sessionKey = sessionKeyOf(sessionId);
  const session = await ports.sessions.getSession(sessionKey);
  if (!session) return undefined;
  const nowMs = ports.clock.now().getTime();
  const idleSince = Date.parse(session.lastSeenAt);
  if (nowMs >= Date.parse(session.expiresAt) || nowMs - idleSince >= SESSION_IDLE_SECONDS * 1000) {
    await ports.sessions.deleteSession(sessionKey);
    return undefined;
  }
  const principal = await accountOf(session, ports.store);
  if (!principal) {
    await ports.sessions.deleteSession(sessionKey);
    return undefined;
  }
  if (nowMs - idleSince >= TOUCH_AFTER_SECONDS * 1000) {
    await ports.sessions.touchSession(sessionKey, new Date(nowMs).toISOString());
  }
  return { principal, username: session.username, csrfToken: session.csrfToken };
}

/** The account the session was opened for, if its password is still the one it was opened with. */
async function accountOf(session: SessionRecord, store: ManagementStore): Promise<Principal | undefined> {
  if (session.admin) {
    const settings = await store.getServerSettings();
    const hash = settings?.adminPasswordHash;
    const same = settings?.adminUsername === session.username && hash && sha256(hash) === session.credential;
    return same ? { kind: 'admin', username: session.username } : undefined;
  }
  const login = await store.getLogin(session.username);
  if (!login || sha256(login.passwordHash) !== session.credential) return undefined;
  return { kind: 'login', username: login.username, scope: login.scope };
}

export async function logOut(sessionId: string, ports: Pick<SessionPorts, 'sessions'>): Promise<void> {
  await ports.sessions.deleteSession(sessionKeyOf(sessionId));
}

export function isSessionCsrfToken(session: OpenSession, given: string | undefined): boolean {
  const expected = Buffer.from(session.csrfToken);
  const actual = Buffer.from(given ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
