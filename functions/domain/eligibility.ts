import type { CallNowTarget } from './model.ts';

/** Why an extension cannot be called, link by link of the permission chain. */
export type IneligibleReason =
  | 'server_call_api_off'
  | 'reseller_call_api_management_off'
  | 'client_call_api_management_off'
  | 'extension_call_api_management_off'
  | 'not_a_phone_terminal'
  | 'extension_call_api_access_off'
  | 'callnow_calls_off';

export type Eligibility =
  | { readonly callable: true }
  | { readonly callable: false; readonly reason: IneligibleReason };

const no = (reason: IneligibleReason): Eligibility => ({ callable: false, reason });

/** May a program place calls to this extension through the Call API? It must be allowed at every level that owns it, and only phone terminals qualify. */
export function callApiEligibility({ server, reseller, client, extension }: CallNowTarget): Eligibility {
  if (!server.callApiEnabled) return no('server_call_api_off');
  if (!reseller.callApiManagement) return no('reseller_call_api_management_off');
  if (!client.callApiManagement) return no('client_call_api_management_off');
  if (!extension.callApiManagement) return no('extension_call_api_management_off');
  if (extension.type !== 'phone_terminal') return no('not_a_phone_terminal');
  if (!extension.callApiAccess) return no('extension_call_api_access_off');
  return { callable: true };
}

/** May visitors call this extension from its CallNow page? The Call API chain, and the owner allows people to call. */
export function callNowEligibility(target: CallNowTarget): Eligibility {
  const chain = callApiEligibility(target);
  if (!chain.callable) return chain;
  return target.extension.callNow.allowCalls ? chain : no('callnow_calls_off');
}

const MISSING_LINK: Readonly<Record<IneligibleReason, string>> = {
  server_call_api_off: 'the Call API is off for this server',
  reseller_call_api_management_off: 'Call API Management is off for reseller {reseller}',
  client_call_api_management_off: 'Call API Management is off for client {client}',
  extension_call_api_management_off: 'Call API Management is off for extension {extension}',
  not_a_phone_terminal: 'only phone terminal extensions can use the Call API and CallNow',
  extension_call_api_access_off: "Call API access is off in extension {extension}'s Phone Terminal Setup",
  callnow_calls_off: 'the owner does not allow people to call (CallNow Preferences)',
};

/** Which link of the chain is missing, in words that name it ("Call API Management is off for reseller Acme"). */
export function describeIneligibility(
  reason: IneligibleReason,
  { reseller, client, extension }: CallNowTarget,
) {
  return MISSING_LINK[reason]
    .replace('{reseller}', reseller.name)
    .replace('{client}', client.name)
    .replace('{extension}', extension.number);
}
