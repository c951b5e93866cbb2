import type { CallNowTarget } from './model.ts';

/** Why an extension cannot be called through CallNow, link by link of the permission chain. */
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

/**
 * May this extension be called through CallNow? The Call API must be allowed at every level that owns it,
 * only phone terminals qualify, and the owner must allow people to call.
 */
export function callNowEligibility({ server, reseller, client, extension }: CallNowTarget): Eligibility {
  const no = (reason: IneligibleReason): Eligibility => ({ callable: false, reason });
  if (!server.callApiEnabled) return no('server_call_api_off');
  if (!reseller.callApiManagement) return no('reseller_call_api_management_off');
  if (!client.callApiManagement) return no('client_call_api_management_off');
  if (!extension.callApiManagement) return no('extension_call_api_management_off');
  if (extension.type !== 'phone_terminal') return no('not_a_phone_terminal');
  if (!extension.callApiAccess) return no('extension_call_api_access_off');
  if (!extension.callNow.allowCalls) return no('callnow_calls_off');
  return { callable: true };
}
