// An extension's CallNow preferences, and the CallNow ID that is its public address.
import type { Principal } from './access.ts';
import { isValidTimeZone } from './availability.ts';
import { DEFAULT_SERVER_SETTINGS } from './defaults.ts';
import { callApiEligibility, type IneligibleReason } from './eligibility.ts';
import { callNowPointerOf, type IdSource, loadExtension } from './hierarchy.ts';
import { conflict, invalid, notFound } from './management-errors.ts';
import type { ManagementStore } from './management-ports.ts';
import type { CallNowPreferences, CallNowTarget, Extension } from './model.ts';

export const CHOSEN_CALLNOW_ID_PATTERN = /^[A-Za-z0-9_-]{4,64}$/;
export const MAX_MESSAGE_LENGTH = 500;
/** A pointer its extension does not confirm is reclaimed once older than this: a change in progress is never raced. */
export const ORPHAN_POINTER_AGE_MS = 60_000;

const MISSING_LINK: Readonly<Record<Exclude<IneligibleReason, 'callnow_calls_off'>, string>> = {
  server_call_api_off: 'the Call API is off for this server',
  reseller_call_api_management_off: "the reseller's Call API Management permission is off",
  client_call_api_management_off: "the client's Call API Management permission is off",
  extension_call_api_management_off: "the extension's Call API Management permission is off",
  not_a_phone_terminal: 'only phone terminal extensions can use CallNow',
  extension_call_api_access_off: "Call API access is off in the extension's Phone Terminal Setup",
};

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
 * A new CallNow ID is claimed, then written to the extension, then the old one released: the old URL stops working
 * the moment the extension changes, and a crash in between leaves only a pointer that no read follows and that is
 * reclaimed later.
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
    const chain = callApiEligibility(await loadTarget(store, extension));
    if (!chain.callable && chain.reason !== 'callnow_calls_off') {
      throw conflict(`CallNow cannot be enabled: ${MISSING_LINK[chain.reason]}`);
    }
  }
  const oldId = extension.callNow.callNowId;
  const newId = input.callNowId ?? oldId;
  const updated: Extension = { ...extension, callNow: { ...input, callNowId: newId } };
  if (newId === oldId) {
    await store.putExtension(updated, oldId);
    return updated.callNow;
  }

  await claimCallNowId(store, updated, ids.now());
  try {
    await store.putExtension(updated, oldId);
  } catch (error) {
    await store.releaseCallNowId(newId, extensionId);
    throw error;
  }
  await store.releaseCallNowId(oldId, extensionId);
  return updated.callNow;
}

async function claimCallNowId(store: ManagementStore, extension: Extension, now: Date): Promise<void> {
  const wanted = extension.callNow.callNowId;
  const existing = await store.getCallNowIdPointer(wanted);
  let orphanOf: string | undefined;
  if (existing && existing.extensionId !== extension.extensionId) {
    const holder = await store.getExtension(existing.extensionId);
    const age = now.getTime() - Date.parse(existing.claimedAt ?? '1970-01-01T00:00:00Z');
    const orphan = holder?.callNow.callNowId !== wanted && age > ORPHAN_POINTER_AGE_MS;
    if (!orphan) throw conflict(`the CallNow ID ${wanted} is taken`);
    orphanOf = existing.extensionId;
  }
  const pointer = { ...callNowPointerOf(extension), claimedAt: now.toISOString() };
  if ((await store.claimCallNowId(pointer, orphanOf)) !== 'claimed')
    throw conflict(`the CallNow ID ${wanted} is taken`);
}
