// Resellers, clients and extensions: who may create, read, change and delete them.
import type { Principal, TreeNode } from './access.ts';
import { canAdminister, canSee, isAdmin } from './access.ts';
import { defaultCallNowPreferences } from './defaults.ts';
import type { DestinationPolicy } from './destination-policy.ts';
import { conflict, forbidden, notFound } from './management-errors.ts';
import type { ManagementStore, Page, PageRequest } from './management-ports.ts';
import type { Client, Extension, ExtensionType, Reseller } from './model.ts';

export interface IdSource {
  /** A random URL-safe id for a new record. */
  newId(): string;
  /** A random URL-safe CallNow ID of at least 12 characters. */
  newCallNowId(): string;
  now(): Date;
}

const clientNode = (client: Client): TreeNode => ({
  resellerId: client.resellerId,
  clientId: client.clientId,
});
const extensionNode = (extension: Extension): TreeNode => ({
  resellerId: extension.resellerId,
  clientId: extension.clientId,
  extensionId: extension.extensionId,
});

/** Loads a record the principal may see; one they may not see is "not found", like one that does not exist. */
async function visible<T>(
  principal: Principal,
  record: T | undefined,
  node: (record: T) => TreeNode,
  what: string,
) {
  if (!record || !canSee(principal, node(record))) throw notFound(what);
  return record;
}

export const loadReseller = async (store: ManagementStore, principal: Principal, resellerId: string) =>
  visible(
    principal,
    await store.getReseller(resellerId),
    (reseller) => ({ resellerId: reseller.resellerId }),
    'reseller',
  );

export const loadClient = async (store: ManagementStore, principal: Principal, clientId: string) =>
  visible(principal, await store.getClient(clientId), clientNode, 'client');

export const loadExtension = async (store: ManagementStore, principal: Principal, extensionId: string) =>
  visible(principal, await store.getExtension(extensionId), extensionNode, 'extension');

function requireAdminister(principal: Principal, node: TreeNode, action: string): void {
  if (!canAdminister(principal, node)) throw forbidden(`${action} needs an account above this level`);
}

/** Which numbers may be called is the operator's decision: toll fraud costs the server, not the client. */
function requireAdminForDestinationPolicy(
  principal: Principal,
  policy: DestinationPolicy | null | undefined,
) {
  if (policy !== undefined && !isAdmin(principal)) {
    throw forbidden('only the admin account changes a destination policy');
  }
}

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
  await store.deleteReseller(resellerId);
}

export async function listResellers(store: ManagementStore, principal: Principal, page: PageRequest) {
  if (principal.kind === 'admin') return store.listResellers(page);
  const own = await store.getReseller(principal.scope.resellerId);
  return { items: own && principal.scope.level === 'reseller' ? [own] : [] } satisfies Page<Reseller>;
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
  await store.deleteClient(clientId);
}

/** Lists a reseller's clients; a key's own reseller is the default, the admin must say which. */
export async function listClients(
  store: ManagementStore,
  principal: Principal,
  filter: { resellerId?: string | undefined },
  page: PageRequest,
): Promise<Page<Client>> {
  const resellerId = filter.resellerId ?? (principal.kind === 'key' ? principal.scope.resellerId : undefined);
  if (resellerId === undefined) throw new ManagementFilterError('resellerId');
  if (principal.kind === 'key' && principal.scope.level !== 'reseller') {
    const own =
      principal.scope.level === 'client' || principal.scope.level === 'extension'
        ? principal.scope.clientId
        : '';
    const client = await store.getClient(own);
    return { items: client && client.resellerId === resellerId ? [client] : [] };
  }
  if (!canSee(principal, { resellerId })) return { items: [] };
  return store.listClients(resellerId, page);
}

// Extensions

export interface ExtensionInput {
  readonly clientId: string;
  readonly number: string;
  readonly siteId: string;
  readonly type: ExtensionType;
  readonly ownerName: string;
  readonly callApiManagement?: boolean | undefined;
  readonly callApiAccess?: boolean | undefined;
  readonly visitorCallerId?: string | undefined;
}

export async function createExtension(
  store: ManagementStore,
  principal: Principal,
  input: ExtensionInput,
  ids: IdSource,
): Promise<Extension> {
  const client = await loadClient(store, principal, input.clientId);
  const extension: Extension = {
    extensionId: ids.newId(),
    clientId: client.clientId,
    resellerId: client.resellerId,
    number: input.number,
    siteId: input.siteId,
    type: input.type,
    ownerName: input.ownerName,
    callApiManagement: input.callApiManagement ?? false,
    callApiAccess: input.callApiAccess ?? false,
    ...(input.visitorCallerId === undefined ? {} : { visitorCallerId: input.visitorCallerId }),
    callNow: defaultCallNowPreferences(ids.newCallNowId()),
  };
  requireAdminister(principal, extensionNode(extension), 'creating an extension');
  // The CallNow ID is claimed first: an extension never exists with an ID it does not hold.
  const pointer = { ...callNowPointerOf(extension), claimedAt: ids.now().toISOString() };
  if ((await store.claimCallNowId(pointer)) !== 'claimed')
    throw conflict('could not reserve a CallNow ID; try again');
  try {
    await store.createExtension(extension);
  } catch (error) {
    await store.releaseCallNowId(extension.callNow.callNowId, extension.extensionId);
    throw error;
  }
  return extension;
}

const ADMINISTERED_EXTENSION_FIELDS = [
  'number',
  'siteId',
  'type',
  'callApiManagement',
  'callApiAccess',
  'visitorCallerId',
] as const;

export async function updateExtension(
  store: ManagementStore,
  principal: Principal,
  extensionId: string,
  change: { readonly [K in keyof Omit<ExtensionInput, 'clientId'>]?: ExtensionInput[K] | undefined } & {
    readonly destinationPolicy?: DestinationPolicy | null | undefined;
  },
): Promise<Extension> {
  const extension = await loadExtension(store, principal, extensionId);
  requireAdminForDestinationPolicy(principal, change.destinationPolicy);
  if (ADMINISTERED_EXTENSION_FIELDS.some((field) => change[field] !== undefined)) {
    requireAdminister(
      principal,
      extensionNode(extension),
      `changing ${ADMINISTERED_EXTENSION_FIELDS.filter((field) => change[field] !== undefined).join(', ')}`,
    );
  }
  const updated: Extension = { ...extension, ...definedOnly(change) };
  await store.putExtension(updated, extension.callNow.callNowId);
  return updated;
}

export async function deleteExtension(
  store: ManagementStore,
  principal: Principal,
  extensionId: string,
): Promise<void> {
  const extension = await loadExtension(store, principal, extensionId);
  requireAdminister(principal, extensionNode(extension), 'deleting an extension');
  await store.deleteExtension(extensionId);
  await store.releaseCallNowId(extension.callNow.callNowId, extensionId);
}

/** Lists extensions of a reseller, or of one client; a key's own node is the default, the admin must say which. */
export async function listExtensions(
  store: ManagementStore,
  principal: Principal,
  filter: { resellerId?: string | undefined; clientId?: string | undefined },
  page: PageRequest,
): Promise<Page<Extension>> {
  if (principal.kind === 'key' && principal.scope.level === 'extension') {
    const own = await store.getExtension(principal.scope.extensionId);
    const matches =
      own &&
      (filter.clientId ?? own.clientId) === own.clientId &&
      (filter.resellerId ?? own.resellerId) === own.resellerId;
    return { items: matches ? [own] : [] };
  }
  const clientId =
    filter.clientId ??
    (principal.kind === 'key' && principal.scope.level === 'client' ? principal.scope.clientId : undefined);
  let resellerId = filter.resellerId;
  if (clientId !== undefined) {
    const client = await store.getClient(clientId);
    if (
      !client ||
      !canSee(principal, clientNode(client)) ||
      (resellerId !== undefined && resellerId !== client.resellerId)
    ) {
      return { items: [] };
    }
    resellerId = client.resellerId;
  }
  resellerId ??= principal.kind === 'key' ? principal.scope.resellerId : undefined;
  if (resellerId === undefined) throw new ManagementFilterError('resellerId or clientId');
  if (!canSee(principal, { resellerId })) return { items: [] };
  return store.listExtensions(resellerId, clientId, page);
}

export function callNowPointerOf(extension: Extension) {
  const { extensionId, clientId, resellerId } = extension;
  return { callNowId: extension.callNow.callNowId, extensionId, clientId, resellerId };
}

export class ManagementFilterError extends Error {
  constructor(readonly filter: string) {
    super(`give ${filter} to choose what to list`);
    this.name = 'ManagementFilterError';
  }
}

/** The fields a PATCH gave; an absent field keeps its value. */
function definedOnly<T extends object>(change: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
