// Scoped API keys, issued by the admin: a key acts on its node and what is below it.
import type { Principal, Scope, ScopeLevel } from './access.ts';
import { isAdmin } from './access.ts';
import { hashKeySecret, newApiKey } from './credentials.ts';
import { forbidden, notFound } from './management-errors.ts';
import type { ApiKeyRecord, ManagementStore, PageRequest } from './management-ports.ts';

export type ApiKeyView = Omit<ApiKeyRecord, 'secretHash'>;

const viewOf = ({ secretHash: _, ...view }: ApiKeyRecord): ApiKeyView => view;

/** The scope of a node of the tree, read from its record; a missing record is "not found". */
export async function resolveScope(store: ManagementStore, level: ScopeLevel, id: string): Promise<Scope> {
  switch (level) {
    case 'reseller': {
      if (!(await store.getReseller(id))) throw notFound('reseller');
      return { level, resellerId: id };
    }
    case 'client': {
      const client = await store.getClient(id);
      if (!client) throw notFound('client');
      return { level, resellerId: client.resellerId, clientId: id };
    }
    case 'extension': {
      const extension = await store.getExtension(id);
      if (!extension) throw notFound('extension');
      return { level, resellerId: extension.resellerId, clientId: extension.clientId, extensionId: id };
    }
  }
}

/** Issues a key; the token is in the answer and nowhere else. */
export async function issueApiKey(
  store: ManagementStore,
  principal: Principal,
  input: { scope: { level: ScopeLevel; id: string }; label?: string | undefined },
  now: Date,
): Promise<ApiKeyView & { key: string }> {
  if (!isAdmin(principal)) throw forbidden('only the admin account issues API keys');
  const scope = await resolveScope(store, input.scope.level, input.scope.id);
  const { keyId, secret, token } = newApiKey();
  const record: ApiKeyRecord = {
    keyId,
    secretHash: hashKeySecret(secret),
    scope,
    label: input.label ?? '',
    createdAt: now.toISOString(),
  };
  await store.createApiKey(record);
  return { ...viewOf(record), key: token };
}

export async function listApiKeys(store: ManagementStore, principal: Principal, page: PageRequest) {
  if (!isAdmin(principal)) throw forbidden('only the admin account lists API keys');
  const result = await store.listApiKeys(page);
  return { ...result, items: result.items.map(viewOf) };
}

export async function revokeApiKey(
  store: ManagementStore,
  principal: Principal,
  keyId: string,
): Promise<void> {
  if (!isAdmin(principal)) throw forbidden('only the admin account revokes API keys');
  if (!(await store.deleteApiKey(keyId))) throw notFound('API key');
}
