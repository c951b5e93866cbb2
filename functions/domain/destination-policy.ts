// Which numbers a visitor may have CallNow ring (toll-fraud protection): a page anyone can reach must not become a
// way to make the PBX call premium-rate or far-away numbers at the owner's expense.
import type { PhoneNumberType } from 'libphonenumber-js/core';
import * as z from '../../contracts/zod.ts';
import { countriesSharingCallingCodes, isKnownCountry, type ParsedVisitorPhone } from './phone.ts';

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

const E164_PREFIX = z.onFirstUse(() =>
  z.string().check(z.regex(/^\+\d{1,15}$/, "must be '+' and 1 to 15 digits")),
);
const COUNTRY = z.onFirstUse(() =>
  z
    .string()
    .check(
      z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as US'),
      z.refine(isKnownCountry, 'is not a country with a numbering plan'),
    ),
);

/** The policy's fields, for schemas that build on them (the management API's strict input). */
export const destinationPolicyFields = {
  /**
   * The countries whose numbers may be called, by libphonenumber's region of the number (ISO 3166-1 alpha-2,
   * e.g. ['US', 'CA', 'GB']): +1 876 is Jamaica, not the US. Empty: only the server's default country.
   */
  allowedCountries: z.onFirstUse(() => z._default(z.array(COUNTRY).check(z.maxLength(300)), [])),
  /** E.164 prefixes with '+', e.g. '+1900'. */
  blockedPrefixes: z.onFirstUse(() => z._default(z.array(E164_PREFIX).check(z.maxLength(200)), [])),
  /** E.164 prefixes allowed even when a blocked prefix or the countries would refuse them (not a refused type). */
  allowedPrefixes: z.onFirstUse(() => z._default(z.array(E164_PREFIX).check(z.maxLength(200)), [])),
  /** Number types refused whatever the country or prefix. */
  refusedNumberTypes: z.onFirstUse(() =>
    z._default(z.array(z.enum(NUMBER_TYPES)).check(z.maxLength(NUMBER_TYPES.length)), [
      'PREMIUM_RATE',
      'SHARED_COST',
      'PERSONAL_NUMBER',
      'PAGER',
      'UAN',
      'VOICEMAIL',
    ]),
  ),
};

/**
 * Replaced by `allowedCountries`, and read for one more release: a calling code lets in every country that shares
 * it (+1 is 25 of them, +44 four), so it is read as exactly those countries, which the answer then names.
 */
export const LegacyCallingCodesSchema = z.onFirstUse(() =>
  z.optional(
    z
      .array(z.string().check(z.regex(/^\d{1,3}$/, "must be 1 to 3 digits without '+'")))
      .check(z.maxLength(300)),
  ),
);

const PolicySchema = z.onFirstUse(() => z.object(destinationPolicyFields));
export type DestinationPolicy = z.infer<typeof PolicySchema>;

/** A stored policy; one stored before `allowedCountries` is read through upgradeDestinationPolicy. */
export const DestinationPolicySchema = z.onFirstUse(() =>
  z.pipe(
    z.object({ ...destinationPolicyFields, allowedCallingCodes: LegacyCallingCodesSchema }),
    z.transform((policy): DestinationPolicy => upgradeDestinationPolicy(policy).policy),
  ),
);

/** Which rule refused a number: for logs and metrics only, never for the visitor. */
export type DestinationRule = 'number_type' | 'unknown_type' | 'country' | 'blocked_prefix';
export type DestinationCheck =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly rule: DestinationRule };

/**
 * Whether CallNow may call `phone` under `policy`. `defaultCountry` (ISO 3166-1 alpha-2, the server's) is the
 * country allowed when the policy lists none.
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
  const countries = policy.allowedCountries.length > 0 ? policy.allowedCountries : [defaultCountry];
  // A non-geographic number (+800, +882) has no country: only an allowed prefix lets it through.
  return phone.country !== undefined && countries.includes(phone.country)
    ? { allowed: true }
    : { allowed: false, rule: 'country' };
}

/**
 * A policy as given, maybe with the replaced `allowedCallingCodes`: the policy it means, and a notice naming the
 * countries the codes were read as, for the answer.
 */
export function upgradeDestinationPolicy({
  allowedCallingCodes = [],
  ...policy
}: DestinationPolicy & { readonly allowedCallingCodes?: readonly string[] | undefined }): {
  policy: DestinationPolicy;
  notice?: string;
} {
  if (allowedCallingCodes.length === 0) return { policy };
  const countries = [
    ...new Set([...policy.allowedCountries, ...countriesSharingCallingCodes(allowedCallingCodes)]),
  ];
  return {
    policy: { ...policy, allowedCountries: countries.sort() },
    notice:
      'allowedCallingCodes is replaced by allowedCountries and is read for one more release only: ' +
      `[${allowedCallingCodes.join(', ')}] was read as allowedCountries [${countries.join(', ')}]`,
  };
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
