// An extension's CallNow preferences, and the CallNow ID that is its public address.
import type { Principal } from './access.ts';
import { isValidTimeZone } from './availability.ts';
import { DEFAULT_SERVER_SETTINGS } from './defaults.ts';
import { callApiEligibility, describeIneligibility } from './eligibility.ts';
import { callNowIdClaim } from './extensions.ts';
import { conflict, invalid, notFound } from './management-errors.ts';
import type { ManagementStore } from './management-ports.ts';
import { type CallNowPreferences, type CallNowTarget, callNowKey, type Extension } from './model.ts';
import { type IdSource, loadExtension } from './owner-tree.ts';
import { claimUnique } from './unique-claims.ts';

export const CHOSEN_CALLNOW_ID_PATTERN = /^[A-Za-z0-9_-]{4,64}$/;
export const MAX_MESSAGE_LENGTH = 500;

export async function loadTarget(store: ManagementStore, extension: Extension): Promise<CallNowTarget> {
  const [server, reseller, client] = await Promise.all([
    store.getServerSettings(),
    store.getReseller(extension.resellerId),
    store.getClient(extension.clientId),
  ]);
  if (!reseller || !client) throw notFound('the owner of this extension');
  return { server: server ?? DEFAULT_SERVER_SETTINGS, reseller, client, extension };
}

export type CallNowPreferencesInput = Omit<CallNowPreferences, 'callNowId'> & {
  readonly callNowId?: string | undefined;
};

export async function getCallNowPreferences(
  store: ManagementStore,
  principal: Principal,
  extensionId: string,
) {
  return (await loadExtension(store, principal, extensionId)).callNow;
}

/**
 * Replaces the preferences. Allowing calls needs the whole permission chain (a 409 names the missing link).
 * A new CallNow ID is claimed, then written to the extension, then the old one released (unique-claims.ts): the
 * old URL stops working the moment the extension changes. IDs differing only in case are one ID.
 */
export async function putCallNowPreferences(
  store: ManagementStore,
  principal: Principal,
  extensionId: string,
  input: CallNowPreferencesInput,
  ids: Pick<IdSource, 'now'>,
): Promise<CallNowPreferences> {
  const extension = await loadExtension(store, principal, extensionId);
  if (input.availability && !isValidTimeZone(input.availability.timeZone)) {
    throw invalid(
      'availability.timeZone',
      `availability.timeZone ${input.availability.timeZone} is not an IANA time zone`,
    );
  }
  if (input.allowCalls) {
    const target = await loadTarget(store, extension);
    const chain = callApiEligibility(target);
    if (!chain.callable)
      throw conflict(`CallNow cannot be enabled: ${describeIneligibility(chain.reason, target)}`);
  }
  const oldId = extension.callNow.callNowId;
  const newId = input.callNowId ?? oldId;
  const updated: Extension = { ...extension, callNow: { ...input, callNowId: newId } };
  if (callNowKey(newId) === callNowKey(oldId)) {
    await store.putExtension(updated, extension);
    return updated.callNow;
  }

  await claimUnique(
    callNowIdClaim(store, updated, ids.now()),
    extensionId,
    (id) => store.getExtension(id),
    ids.now(),
  );
  try {
    await store.putExtension(updated, extension);
  } catch (error) {
    await store.releaseCallNowId(newId, extensionId);
    throw error;
  }
  await store.releaseCallNowId(oldId, extensionId);
  return updated.callNow;
}
