// Resellers and clients: who may create, read, change and delete them.
import type { Principal } from './access.ts';
import { canSee } from './access.ts';
import type { DestinationPolicy } from './destination-policy.ts';
import { deleteLoginsOf } from './logins.ts';
import { conflict, forbidden, ManagementFilterError } from './management-errors.ts';
import type { ManagementStore, Page, PageRequest } from './management-ports.ts';
import type { Client, Reseller } from './model.ts';
import {
  clientNode,
  definedOnly,
  type IdSource,
  loadClient,
  loadReseller,
  requireAdminForDestinationPolicy,
  requireAdminister,
  resellerNode,
  visibleOnly,
} from './owner-tree.ts';
import { withdrawAllNumbers } from './phone-resources.ts';

// Resellers

export async function createReseller(
  store: ManagementStore,
  principal: Principal,
  input: { name: string; callApiManagement?: boolean | undefined },
  ids: IdSource,
): Promise<Reseller> {
  if (principal.kind !== 'admin') throw forbidden('only the admin account creates resellers');
  const reseller: Reseller = {
    resellerId: ids.newId(),
    name: input.name,
    callApiManagement: input.callApiManagement ?? false,
    callerIds: [],
  };
  await store.createReseller(reseller);
  return reseller;
}

export async function updateReseller(
  store: ManagementStore,
  principal: Principal,
  resellerId: string,
  change: { name?: string | undefined; callApiManagement?: boolean | undefined },
): Promise<Reseller> {
  const reseller = await loadReseller(store, principal, resellerId);
  if (change.callApiManagement !== undefined)
    requireAdminister(principal, { resellerId }, 'changing a permission');
  const updated = { ...reseller, ...definedOnly(change) };
  await store.putReseller(updated);
  return updated;
}

export async function deleteReseller(
  store: ManagementStore,
  principal: Principal,
  resellerId: string,
): Promise<void> {
  await loadReseller(store, principal, resellerId);
  requireAdminister(principal, { resellerId }, 'deleting a reseller');
  if ((await store.listClients(resellerId, { limit: 1 })).items.length > 0) {
    throw conflict('the reseller still has clients; delete them first');
  }
  await withdrawAllNumbers(store, { resellerId });
  await deleteLoginsOf(store, { level: 'reseller', resellerId });
  await store.deleteReseller(resellerId);
}

export async function listResellers(store: ManagementStore, principal: Principal, page: PageRequest) {
  if (principal.kind === 'admin') return store.listResellers(page);
  const own = await store.getReseller(principal.scope.resellerId);
  return visibleOnly(principal, { items: own ? [own] : [] }, resellerNode);
}

// Clients

export async function createClient(
  store: ManagementStore,
  principal: Principal,
  input: { resellerId: string; name: string; callApiManagement?: boolean | undefined },
  ids: IdSource,
): Promise<Client> {
  await loadReseller(store, principal, input.resellerId);
  const client: Client = {
    clientId: ids.newId(),
    resellerId: input.resellerId,
    name: input.name,
    callApiManagement: input.callApiManagement ?? false,
    callerIds: [],
  };
  requireAdminister(principal, clientNode(client), 'creating a client');
  await store.createClient(client);
  return client;
}

export async function updateClient(
  store: ManagementStore,
  principal: Principal,
  clientId: string,
  change: {
    name?: string | undefined;
    callApiManagement?: boolean | undefined;
    destinationPolicy?: DestinationPolicy | null | undefined;
    fullNumbersInEvents?: boolean | undefined;
  },
): Promise<Client> {
  const client = await loadClient(store, principal, clientId);
  requireAdminForDestinationPolicy(principal, change.destinationPolicy);
  if (change.callApiManagement !== undefined)
    requireAdminister(principal, clientNode(client), 'changing a permission');
  const updated = { ...client, ...definedOnly(change) };
  await store.putClient(updated);
  return updated;
}

export async function deleteClient(
  store: ManagementStore,
  principal: Principal,
  clientId: string,
): Promise<void> {
  const client = await loadClient(store, principal, clientId);
  requireAdminister(principal, clientNode(client), 'deleting a client');
  if ((await store.listExtensions(client.resellerId, clientId, { limit: 1 })).items.length > 0) {
    throw conflict('the client still has extensions; delete them first');
  }
  await withdrawAllNumbers(store, { resellerId: client.resellerId, clientId });
  await deleteLoginsOf(store, { level: 'client', resellerId: client.resellerId, clientId });
  await store.deleteClient(clientId);
}

/** Lists a reseller's clients; a key's own reseller is the default, the admin must say which. */
export async function listClients(
  store: ManagementStore,
  principal: Principal,
  filter: { resellerId?: string | undefined },
  page: PageRequest,
): Promise<Page<Client>> {
  const resellerId =
    filter.resellerId ?? (principal.kind !== 'admin' ? principal.scope.resellerId : undefined);
  if (resellerId === undefined) throw new ManagementFilterError('resellerId');
  if (principal.kind !== 'admin' && principal.scope.level !== 'reseller') {
    const own = await store.getClient(principal.scope.clientId);
    return visibleOnly(principal, { items: own?.resellerId === resellerId ? [own] : [] }, clientNode);
  }
  if (!canSee(principal, { resellerId })) return { items: [] };
  return visibleOnly(principal, await store.listClients(resellerId, page), clientNode);
}
