// Console logins: the people who manage CallNow in a browser. The total-access admin is the existing account; every
// other login is made by the level above (the admin makes reseller logins, a reseller its clients', a client one
// per extension, for its owner) and sees and changes exactly what an API key of the same scope would.
import {
  canAdminister,
  canSee,
  type Principal,
  type Scope,
  type ScopeLevel,
  type TreeNode,
} from './access.ts';
import { resolveScope } from './api-keys.ts';
import { conflict, forbidden, invalid, notFound } from './management-errors.ts';
import type { LoginRecord, ManagementStore, Page, PageRequest } from './management-ports.ts';
import type { PasswordHasher } from './server-settings.ts';

/** The seed's rule for console passwords. */
export const MIN_PASSWORD_LENGTH = 10;
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{2,63}$/;

export type LoginView = Omit<LoginRecord, 'passwordHash'>;
const viewOf = ({ passwordHash: _, ...view }: LoginRecord): LoginView => view;

export const nodeOf = (scope: Scope): TreeNode => {
  switch (scope.level) {
    case 'reseller':
      return { resellerId: scope.resellerId };
    case 'client':
      return { resellerId: scope.resellerId, clientId: scope.clientId };
    case 'extension':
      return { resellerId: scope.resellerId, clientId: scope.clientId, extensionId: scope.extensionId };
  }
};

/** Usernames are one whatever their case. */
export const usernameKey = (username: string) => username.trim().toLowerCase();

function checkPassword(field: string, password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw invalid(field, `${field} must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
}

/** A login the principal manages: one below it in the tree. Any other is "not found", as records are. */
async function loadManagedLogin(store: ManagementStore, principal: Principal, username: string) {
  const login = await store.getLogin(usernameKey(username));
  if (!login || !canSee(principal, nodeOf(login.scope))) throw notFound('login');
  if (!canAdminister(principal, nodeOf(login.scope)))
    throw forbidden('a login is managed by the level above it');
  return login;
}

export async function createLogin(
  store: ManagementStore,
  principal: Principal,
  input: { level: ScopeLevel; id: string; username: string; password: string },
  passwords: PasswordHasher,
  now: Date,
): Promise<LoginView> {
  const username = usernameKey(input.username);
  if (!USERNAME_PATTERN.test(username)) {
    throw invalid(
      'username',
      'username must be 3 to 64 of a-z, 0-9 and . _ @ -, starting with a letter or digit',
    );
  }
  checkPassword('password', input.password);
  const scope = await resolveScope(store, input.level, input.id);
  if (!canSee(principal, nodeOf(scope))) throw notFound(input.level);
  if (!canAdminister(principal, nodeOf(scope))) throw forbidden('a login is made by the level above it');
  if (scope.level === 'extension' && (await store.listLogins(scope, { limit: 1 })).items.length > 0) {
    throw conflict("the extension already has its owner's login");
  }
  const settings = await store.getServerSettings();
  if (username === usernameKey(settings?.adminUsername ?? 'admin'))
    throw conflict(`the username ${username} is taken`);
  const login: LoginRecord = {
    username,
    scope,
    passwordHash: await passwords.hash(input.password),
    createdAt: now.toISOString(),
  };
  await store.createLogin(login);
  return viewOf(login);
}

/** The logins of one node of the tree, for the level above it. */
export async function listLogins(
  store: ManagementStore,
  principal: Principal,
  input: { level: ScopeLevel; id: string },
  page: PageRequest,
): Promise<Page<LoginView>> {
  const scope = await resolveScope(store, input.level, input.id);
  if (!canSee(principal, nodeOf(scope))) throw notFound(input.level);
  const logins = await store.listLogins(scope, page);
  return {
    ...logins,
    items: logins.items.filter((login) => canSee(principal, nodeOf(login.scope))).map(viewOf),
  };
}

export async function deleteLogin(
  store: ManagementStore,
  principal: Principal,
  username: string,
): Promise<void> {
  const login = await loadManagedLogin(store, principal, username);
  await store.deleteLogin(login.username);
}

/** The level above sets a new password, for someone who forgot theirs. */
export async function resetLoginPassword(
  store: ManagementStore,
  principal: Principal,
  username: string,
  password: string,
  passwords: PasswordHasher,
): Promise<void> {
  const login = await loadManagedLogin(store, principal, username);
  checkPassword('password', password);
  await store.putLogin({ ...login, passwordHash: await passwords.hash(password) }, login.passwordHash);
}

/** A login changes its own password only with the current one (the seed's rule). */
export async function changeOwnPassword(
  store: ManagementStore,
  username: string,
  change: { current: string; new: string },
  passwords: PasswordHasher,
): Promise<void> {
  const login = await store.getLogin(usernameKey(username));
  if (!login) throw notFound('login');
  if (!(await passwords.verify(change.current, login.passwordHash))) {
    throw invalid('current', 'the current password is not right');
  }
  checkPassword('new', change.new);
  await store.putLogin({ ...login, passwordHash: await passwords.hash(change.new) }, login.passwordHash);
}

/** A node of the tree that is deleted takes its logins with it. */
export async function deleteLoginsOf(store: ManagementStore, scope: Scope): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await store.listLogins(scope, { limit: 100, cursor });
    for (const login of page.items) await store.deleteLogin(login.username);
    cursor = page.nextCursor;
  } while (cursor);
}
