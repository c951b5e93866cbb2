// Console logins and sessions against both DynamoDB emulators: who makes logins, passwords, lockouts, the two
// timeouts, rotation at login, logout, and a changed password ending every session of its account.

import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../functions/domain/access.ts';
import {
  changeOwnPassword,
  createLogin,
  deleteLogin,
  listLogins,
  resetLoginPassword,
} from '../../functions/domain/logins.ts';
import { setAdminPassword } from '../../functions/domain/server-settings.ts';
import {
  FAILED_LOGINS_PER_USER,
  logIn,
  logOut,
  resumeSession,
  SESSION_ABSOLUTE_SECONDS,
  SESSION_IDLE_SECONDS,
  type SessionPorts,
} from '../../functions/domain/sessions.ts';
import { DynamoManagementStore } from '../../functions/store/dynamo-management-store.ts';
import { DynamoSessionStore } from '../../functions/store/dynamo-session-store.ts';
import { keys } from '../../functions/store/records.ts';
import { DYNAMODB_EMULATORS, startTestTable, type TestTable } from '../support/dynamodb.ts';
import { passwords } from '../support/management.ts';

const ADMIN: Principal = { kind: 'admin', username: 'admin' };
const ADMIN_PASSWORD = 'the admin password';
const START = Date.parse('2026-12-05T09:00:00Z');

describe.each(DYNAMODB_EMULATORS)('console logins and sessions on %s', (emulator) => {
  let table: TestTable;
  let store: DynamoManagementStore;
  let ports: SessionPorts;
  let now = START;
  let resellerId: string;
  let clientId: string;
  let otherClientId: string;

  beforeAll(async () => {
    table = await startTestTable(emulator);
    store = new DynamoManagementStore(table.documents, table.tableName, { siteIds: ['hq'] });
    await setAdminPassword(store, ADMIN_PASSWORD, passwords);
    ports = {
      store,
      sessions: new DynamoSessionStore(table.documents, table.tableName),
      passwords,
      clock: { now: () => new Date(now) },
      newSecret: () => randomBytes(32).toString('base64url'),
    };
    resellerId = 'r1';
    clientId = 'c1';
    otherClientId = 'c2';
    await store.createReseller({ resellerId, name: 'Acme', callApiManagement: true, callerIds: [] });
    for (const id of [clientId, otherClientId]) {
      await store.createClient({
        clientId: id,
        resellerId,
        name: id,
        callApiManagement: true,
        callerIds: [],
      });
    }
  });
  afterAll(async () => table?.close());

  const login = (username: string, password: string, sourceIp = '198.51.100.1') =>
    logIn({ username, password, sourceIp }, ports);

  it('lets the level above make a login, never a login at its own level or beside it', async () => {
    const made = await createLogin(
      store,
      ADMIN,
      { level: 'reseller', id: resellerId, username: 'Ann@Acme', password: 'ann password' },
      passwords,
      new Date(now),
    );
    expect(made).toEqual({
      username: 'ann@acme',
      scope: { level: 'reseller', resellerId },
      createdAt: new Date(now).toISOString(),
    });
    const ann: Principal = { kind: 'login', username: 'ann@acme', scope: { level: 'reseller', resellerId } };
    await expect(
      createLogin(
        store,
        ann,
        { level: 'reseller', id: resellerId, username: 'ann2', password: 'ann2 password' },
        passwords,
        new Date(now),
      ),
    ).rejects.toMatchObject({ kind: 'forbidden' });
    await createLogin(
      store,
      ann,
      { level: 'client', id: clientId, username: 'carl', password: 'carl password' },
      passwords,
      new Date(now),
    );
    const carl: Principal = {
      kind: 'login',
      username: 'carl',
      scope: { level: 'client', resellerId, clientId },
    };
    await expect(
      createLogin(
        store,
        carl,
        { level: 'client', id: otherClientId, username: 'eve', password: 'eve password' },
        passwords,
        new Date(now),
      ),
    ).rejects.toMatchObject({ kind: 'not_found' });
    await expect(
      createLogin(
        store,
        ADMIN,
        { level: 'client', id: clientId, username: 'CARL', password: 'carl password' },
        passwords,
        new Date(now),
      ),
    ).rejects.toMatchObject({ kind: 'conflict' });
    await expect(
      createLogin(
        store,
        ADMIN,
        { level: 'client', id: clientId, username: 'admin', password: 'short password' },
        passwords,
        new Date(now),
      ),
    ).rejects.toMatchObject({ kind: 'conflict' });
    await expect(
      createLogin(
        store,
        ADMIN,
        { level: 'client', id: clientId, username: 'dan', password: 'nine char' },
        passwords,
        new Date(now),
      ),
    ).rejects.toMatchObject({ kind: 'invalid', field: 'password' });
    expect(
      (await listLogins(store, ann, { level: 'client', id: clientId }, { limit: 10 })).items.map(
        (item) => item.username,
      ),
    ).toEqual(['carl']);
    expect(
      (await listLogins(store, carl, { level: 'client', id: clientId }, { limit: 10 })).items,
    ).toHaveLength(1);
    await expect(deleteLogin(store, carl, 'carl')).rejects.toMatchObject({ kind: 'forbidden' });
  });

  it('opens a session for the admin and for a login, each a new id, and resumes it as the same principal', async () => {
    const first = await login('admin', ADMIN_PASSWORD);
    const second = await login('ADMIN', ADMIN_PASSWORD);
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(first.sessionId).not.toBe(second.sessionId);
    expect((await resumeSession(first.sessionId, ports))?.principal).toEqual(ADMIN);
    const carl = await login('carl', 'carl password');
    if (!carl.ok) throw new Error('carl could not log in');
    expect((await resumeSession(carl.sessionId, ports))?.principal).toEqual({
      kind: 'login',
      username: 'carl',
      scope: { level: 'client', resellerId, clientId },
    });
    const { Item } = await table.documents.send(
      new GetCommand({ TableName: table.tableName, Key: keys.session(carl.sessionId) }),
    );
    expect(Item).toBeUndefined();
  });

  it('refuses a wrong password and an unknown username alike, and locks a username out after repeated failures', async () => {
    expect(await login('carl', 'wrong password')).toEqual({ ok: false, reason: 'invalid' });
    expect(await login('nobody', 'carl password')).toEqual({ ok: false, reason: 'invalid' });
    for (let attempt = 2; attempt <= FAILED_LOGINS_PER_USER.limit; attempt++) {
      await login('carl', 'wrong password', `198.51.100.${attempt + 10}`);
    }
    const locked = await login('carl', 'carl password', '198.51.100.99');
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    now += FAILED_LOGINS_PER_USER.windowSeconds * 1000;
    expect((await login('carl', 'carl password', '198.51.100.99')).ok).toBe(true);
  });

  it('ends a session after 30 idle minutes, and after 12 hours whatever happens', async () => {
    const idle = await login('admin', ADMIN_PASSWORD);
    if (!idle.ok) throw new Error('no session');
    now += (SESSION_IDLE_SECONDS - 60) * 1000;
    expect(await resumeSession(idle.sessionId, ports)).toBeDefined();
    now += (SESSION_IDLE_SECONDS - 60) * 1000;
    expect(await resumeSession(idle.sessionId, ports)).toBeDefined();
    now += SESSION_IDLE_SECONDS * 1000;
    expect(await resumeSession(idle.sessionId, ports)).toBeUndefined();

    const busy = await login('admin', ADMIN_PASSWORD);
    if (!busy.ok) throw new Error('no session');
    const end = now + SESSION_ABSOLUTE_SECONDS * 1000;
    while (now + 20 * 60_000 < end) {
      now += 20 * 60_000;
      expect(await resumeSession(busy.sessionId, ports)).toBeDefined();
    }
    now = end;
    expect(await resumeSession(busy.sessionId, ports)).toBeUndefined();
  });

  it('ends the session at logout, and every session of an account whose password changes', async () => {
    const out = await login('admin', ADMIN_PASSWORD);
    if (!out.ok) throw new Error('no session');
    await logOut(out.sessionId, ports);
    expect(await resumeSession(out.sessionId, ports)).toBeUndefined();

    const sessions = await Promise.all([login('carl', 'carl password'), login('carl', 'carl password')]);
    await expect(
      changeOwnPassword(store, 'carl', { current: 'wrong password', new: 'carl new password' }, passwords),
    ).rejects.toMatchObject({ field: 'current' });
    await changeOwnPassword(store, 'carl', { current: 'carl password', new: 'carl new password' }, passwords);
    for (const session of sessions)
      if (session.ok) expect(await resumeSession(session.sessionId, ports)).toBeUndefined();
    expect((await login('carl', 'carl new password')).ok).toBe(true);
    await resetLoginPassword(store, ADMIN, 'carl', 'reset by the admin', passwords);
    expect((await login('carl', 'carl new password')).ok).toBe(false);
    expect((await login('carl', 'reset by the admin', '198.51.100.7')).ok).toBe(true);
  });
});
