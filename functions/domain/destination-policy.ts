// Which numbers a visitor may have CallNow ring (toll-fraud protection): a page anyone can reach must not become a
// way to make the PBX call premium-rate or far-away numbers at the owner's expense.
import type { PhoneNumberType } from 'libphonenumber-js/core';
import * as z from '../../contracts/zod.ts';
import type { ParsedVisitorPhone } from './phone.ts';

/** libphonenumber's number types; FIXED_LINE_OR_MOBILE is one of its own, for plans (+1) that cannot tell the two apart. */
export const NUMBER_TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const satisfies readonly PhoneNumberType[];
export type NumberType = (typeof NUMBER_TYPES)[number];

const E164_PREFIX = z.string().check(z.regex(/^\+\d{1,15}$/, "must be '+' and 1 to 15 digits"));

export const DestinationPolicySchema = z.object({
  /** Country calling codes without '+', e.g. ['1', '44']; empty: only the server's default country. */
  allowedCallingCodes: z._default(
    z
      .array(z.string().check(z.regex(/^\d{1,3}$/, "must be 1 to 3 digits without '+'")))
      .check(z.maxLength(300)),
    [],
  ),
  /** E.164 prefixes with '+', e.g. '+1900'. */
  blockedPrefixes: z._default(z.array(E164_PREFIX).check(z.maxLength(200)), []),
  /** E.164 prefixes allowed even when a blocked prefix or the calling codes would refuse them (not a refused type). */
  allowedPrefixes: z._default(z.array(E164_PREFIX).check(z.maxLength(200)), []),
  /** Number types refused whatever the country or prefix. */
  refusedNumberTypes: z._default(z.array(z.enum(NUMBER_TYPES)).check(z.maxLength(NUMBER_TYPES.length)), [
    'PREMIUM_RATE',
    'SHARED_COST',
    'PERSONAL_NUMBER',
    'PAGER',
    'UAN',
    'VOICEMAIL',
  ]),
});
export type DestinationPolicy = z.infer<typeof DestinationPolicySchema>;

/** Which rule refused a number: for logs and metrics only, never for the visitor. */
export type DestinationRule = 'number_type' | 'unknown_type' | 'calling_code' | 'blocked_prefix';
export type DestinationCheck =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly rule: DestinationRule };

/**
 * Whether CallNow may call `phone` under `policy`. `defaultCountry` (ISO 3166-1 alpha-2, the server's) gives the
 * calling code allowed when the policy lists none.
 */
export function checkDestination(
  phone: ParsedVisitorPhone,
  policy: DestinationPolicy,
  defaultCountry: string,
): DestinationCheck {
  if (phone.type === undefined) return { allowed: false, rule: 'unknown_type' };
  if (policy.refusedNumberTypes.includes(phone.type)) return { allowed: false, rule: 'number_type' };
  if (policy.allowedPrefixes.some((prefix) => phone.e164.startsWith(prefix))) return { allowed: true };
  if (policy.blockedPrefixes.some((prefix) => phone.e164.startsWith(prefix))) {
    return { allowed: false, rule: 'blocked_prefix' };
  }
  // With no list, the server's own country only: not every country sharing its calling code (+1 876 is Jamaica).
  const allowed =
    policy.allowedCallingCodes.length > 0
      ? policy.allowedCallingCodes.includes(phone.callingCode)
      : phone.country === defaultCountry;
  return allowed ? { allowed: true } : { allowed: false, rule: 'calling_code' };
}

/** The schema's defaults, a fresh object each time; fits `z._default(DestinationPolicySchema, defaultDestinationPolicy)`. */
export function defaultDestinationPolicy(): DestinationPolicy {
  return DestinationPolicySchema.parse({});
}

/** The most specific policy set wins whole (extension over client over server); with none set, the defaults. */
export function effectiveDestinationPolicy(
  server?: DestinationPolicy | null,
  client?: DestinationPolicy | null,
  extension?: DestinationPolicy | null,
): DestinationPolicy {
  return extension ?? client ?? server ?? defaultDestinationPolicy();
}
