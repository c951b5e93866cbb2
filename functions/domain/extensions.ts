// Extensions: who may create, change, list and delete them, inside the numbers and caller IDs their client holds.
import { canSee, type Principal } from './access.ts';
import { defaultCallNowPreferences } from './defaults.ts';
import type { DestinationPolicy } from './destination-policy.ts';
import { deleteLoginsOf } from './logins.ts';
import { ManagementFilterError } from './management-errors.ts';
import type { ManagementStore, Page, PageRequest } from './management-ports.ts';
import { callNowKey, type Extension, type ExtensionType } from './model.ts';
import {
  clientNode,
  definedOnly,
  extensionNode,
  type IdSource,
  loadClient,
  loadExtension,
  requireAdminForDestinationPolicy,
  requireAdminister,
  visibleOnly,
} from './owner-tree.ts';
import { checkExtensionPlacement, checkVisitorCallerId } from './phone-resources.ts';
import { claimUnique, type UniqueClaim } from './unique-claims.ts';

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

export type ExtensionChange = {
  readonly [K in keyof Omit<ExtensionInput, 'clientId' | 'visitorCallerId'>]?: ExtensionInput[K] | undefined;
} & {
  /** null: back to the site's default. */
  readonly visitorCallerId?: string | null | undefined;
  readonly destinationPolicy?: DestinationPolicy | null | undefined;
};

/** Fields only the levels above an extension change: its place on the PBX, its permissions, its caller ID. */
const ADMINISTERED_EXTENSION_FIELDS = [
  'number',
  'siteId',
  'type',
  'callApiManagement',
  'callApiAccess',
  'visitorCallerId',
] as const;

export function callNowPointerOf(extension: Extension) {
  const { extensionId, clientId, resellerId } = extension;
  return { callNowId: extension.callNow.callNowId, extensionId, clientId, resellerId };
}

export function callNowIdClaim(store: ManagementStore, extension: Extension, now: Date): UniqueClaim {
  const { callNowId } = extension.callNow;
  return {
    claim: (orphanOf) =>
      store.claimCallNowId({ ...callNowPointerOf(extension), claimedAt: now.toISOString() }, orphanOf),
    holder: () => store.getCallNowIdPointer(callNowId),
    isUsedBy: (holder) =>
      holder !== undefined && callNowKey(holder.callNow.callNowId) === callNowKey(callNowId),
    takenMessage: `the CallNow ID ${callNowId} is taken`,
  };
}

function numberClaim(store: ManagementStore, extension: Extension, now: Date): UniqueClaim {
  const { siteId, number, extensionId, clientId, resellerId } = extension;
  return {
    claim: (orphanOf) =>
      store.claimExtensionNumber(
        { siteId, number, extensionId, clientId, resellerId, claimedAt: now.toISOString() },
        orphanOf,
      ),
    holder: () => store.getExtensionNumber(siteId, number),
    isUsedBy: (holder) => holder?.siteId === siteId && holder.number === number,
    takenMessage: `extension ${number} already exists on site ${siteId}`,
  };
}

const getExtension = (store: ManagementStore) => (extensionId: string) => store.getExtension(extensionId);

/** Runs `write` once `claims` are held, letting go of them all if anything fails. */
async function withClaims(
  store: ManagementStore,
  extension: Extension,
  claims: ReadonlyArray<{ claim: UniqueClaim; release: () => Promise<void> }>,
  now: Date,
  write: () => Promise<void>,
): Promise<void> {
  const held: Array<() => Promise<void>> = [];
  try {
    for (const { claim, release } of claims) {
      await claimUnique(claim, extension.extensionId, getExtension(store), now);
      held.push(release);
    }
    await write();
  } catch (error) {
    for (const release of held.reverse()) await release();
    throw error;
  }
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
  await checkExtensionPlacement(store, principal, extension);
  checkVisitorCallerId(client, extension.visitorCallerId);
  const now = ids.now();
  // The number and the CallNow ID are claimed first: an extension never exists with either not its own. The
  // number first: it is the one that may be taken, and a claim that fails writes nothing.
  const claims = [
    {
      claim: numberClaim(store, extension, now),
      release: () => store.releaseExtensionNumber(extension.siteId, extension.number, extension.extensionId),
    },
    {
      claim: {
        ...callNowIdClaim(store, extension, now),
        takenMessage: 'could not reserve a CallNow ID; try again',
      },
      release: () => store.releaseCallNowId(extension.callNow.callNowId, extension.extensionId),
    },
  ];
  await withClaims(store, extension, claims, now, () => store.createExtension(extension));
  return extension;
}

export async function updateExtension(
  store: ManagementStore,
  principal: Principal,
  extensionId: string,
  change: ExtensionChange,
  now: Date,
): Promise<Extension> {
  const extension = await loadExtension(store, principal, extensionId);
  requireAdminForDestinationPolicy(principal, change.destinationPolicy);
  const administered = ADMINISTERED_EXTENSION_FIELDS.filter((field) => change[field] !== undefined);
  if (administered.length > 0) {
    requireAdminister(principal, extensionNode(extension), `changing ${administered.join(', ')}`);
  }
  const { visitorCallerId, ...rest } = definedOnly(change);
  const { visitorCallerId: _, ...current } = extension;
  const callerId = visitorCallerId === undefined ? extension.visitorCallerId : (visitorCallerId ?? undefined);
  const updated: Extension = {
    ...current,
    ...rest,
    ...(callerId === undefined ? {} : { visitorCallerId: callerId }),
  };
  if (typeof visitorCallerId === 'string') {
    const client = await store.getClient(extension.clientId);
    if (client) checkVisitorCallerId(client, visitorCallerId);
  }
  if (updated.siteId === extension.siteId && updated.number === extension.number) {
    await store.putExtension(updated, extension);
    return updated;
  }
  await checkExtensionPlacement(store, principal, updated);
  const claim = {
    claim: numberClaim(store, updated, now),
    release: () => store.releaseExtensionNumber(updated.siteId, updated.number, extensionId),
  };
  await withClaims(store, updated, [claim], now, () => store.putExtension(updated, extension));
  await store.releaseExtensionNumber(extension.siteId, extension.number, extensionId);
  return updated;
}

export async function deleteExtension(
  store: ManagementStore,
  principal: Principal,
  extensionId: string,
): Promise<void> {
  const extension = await loadExtension(store, principal, extensionId);
  requireAdminister(principal, extensionNode(extension), 'deleting an extension');
  await deleteLoginsOf(store, {
    level: 'extension',
    resellerId: extension.resellerId,
    clientId: extension.clientId,
    extensionId,
  });
  await store.deleteExtension(extensionId);
  await store.releaseCallNowId(extension.callNow.callNowId, extensionId);
  await store.releaseExtensionNumber(extension.siteId, extension.number, extensionId);
}

/** Lists extensions of a reseller, or of one client; a key's own node is the default, the admin must say which. */
export async function listExtensions(
  store: ManagementStore,
  principal: Principal,
  filter: { resellerId?: string | undefined; clientId?: string | undefined },
  page: PageRequest,
): Promise<Page<Extension>> {
  if (principal.kind !== 'admin' && principal.scope.level === 'extension') {
    const own = await store.getExtension(principal.scope.extensionId);
    const matches =
      own &&
      (filter.clientId ?? own.clientId) === own.clientId &&
      (filter.resellerId ?? own.resellerId) === own.resellerId;
    return { items: matches ? [own] : [] };
  }
  const clientId =
    filter.clientId ??
    (principal.kind !== 'admin' && principal.scope.level === 'client' ? principal.scope.clientId : undefined);
  let resellerId = filter.resellerId;
  if (clientId !== undefined) {
    const client = await store.getClient(clientId);
    const visible = client && canSee(principal, clientNode(client));
    if (!visible || (resellerId !== undefined && resellerId !== client.resellerId)) return { items: [] };
    resellerId = client.resellerId;
  } else {
    resellerId ??= principal.kind !== 'admin' ? principal.scope.resellerId : undefined;
    if (resellerId === undefined) throw new ManagementFilterError('resellerId or clientId');
    if (!canSee(principal, { resellerId })) return { items: [] };
  }
  return visibleOnly(principal, await store.listExtensions(resellerId, clientId, page), extensionNode);
}
