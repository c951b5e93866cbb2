// Reading the owner tree as a principal may: what they see, what they may change, and records they may not see
// answered as "not found".
import type { Principal, TreeNode } from './access.ts';
import { canAdminister, canSee, isAdmin } from './access.ts';
import type { DestinationPolicy } from './destination-policy.ts';
import { forbidden, notFound } from './management-errors.ts';
import type { ManagementStore, Page } from './management-ports.ts';
import type { Client, Extension, Reseller } from './model.ts';

export interface IdSource {
  /** A random URL-safe id for a new record. */
  newId(): string;
  /** A random URL-safe CallNow ID of at least 12 characters. */
  newCallNowId(): string;
  now(): Date;
}

export const resellerNode = (reseller: Reseller): TreeNode => ({ resellerId: reseller.resellerId });
export const clientNode = (client: Client): TreeNode => ({
  resellerId: client.resellerId,
  clientId: client.clientId,
});
export const extensionNode = (extension: Extension): TreeNode => ({
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
  visible(principal, await store.getReseller(resellerId), resellerNode, 'reseller');

export const loadClient = async (store: ManagementStore, principal: Principal, clientId: string) =>
  visible(principal, await store.getClient(clientId), clientNode, 'client');

export const loadExtension = async (store: ManagementStore, principal: Principal, extensionId: string) =>
  visible(principal, await store.getExtension(extensionId), extensionNode, 'extension');

export function requireAdminister(principal: Principal, node: TreeNode, action: string): void {
  if (!canAdminister(principal, node)) throw forbidden(`${action} needs an account above this level`);
}

/** Which numbers may be called is the operator's decision: toll fraud costs the server, not the client. */
export function requireAdminForDestinationPolicy(
  principal: Principal,
  policy: DestinationPolicy | null | undefined,
) {
  if (policy !== undefined && !isAdmin(principal)) {
    throw forbidden('only the admin account changes a destination policy');
  }
}

/** A list shows only what the principal could read one by one: never a record it would get 404 for alone. */
export function visibleOnly<T>(principal: Principal, page: Page<T>, node: (record: T) => TreeNode): Page<T> {
  return { ...page, items: page.items.filter((record) => canSee(principal, node(record))) };
}

/** The fields a PATCH gave; an absent field keeps its value. */
export function definedOnly<T extends object>(change: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
