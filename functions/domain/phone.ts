import { inflateRawSync } from 'node:zlib';
import { type CountryCode, type MetadataJson, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import type { NumberType } from './destination-policy.ts';
import { PHONE_METADATA_DEFLATED } from './phone-metadata.ts';

let unpacked: MetadataJson | undefined;
/** The max metadata without its formatting rules, unpacked once, when the first number is read: a page view never is. */
function metadata(): MetadataJson {
  unpacked ??= JSON.parse(inflateRawSync(Buffer.from(PHONE_METADATA_DEFLATED, 'base64')).toString('utf8'));
  return unpacked as MetadataJson;
}

export type ParsedVisitorPhone = {
  readonly ok: true;
  readonly e164: string;
  /** The country calling code without '+', e.g. '40' for +40 21 123 4567. */
  readonly callingCode: string;
  /** ISO 3166-1 alpha-2, e.g. 'JM' for +1 876 927 1234; absent for non-geographic numbers. */
  readonly country?: string;
  /** Absent when the numbering plan cannot tell what kind of number it is. */
  readonly type?: NumberType;
};

export type VisitorPhoneResult = ParsedVisitorPhone | { readonly ok: false };

/** Reads a number as a visitor types it ("(202) 555-0100", "+40 21 123 4567") into E.164, or says it is not a valid number. */
export function parseVisitorPhone(typed: string, defaultCountry: string): VisitorPhoneResult {
  const parsed = parsePhoneNumberFromString(typed, defaultCountry as CountryCode, metadata());
  if (!parsed?.isValid()) return { ok: false };
  const type: NumberType | undefined = parsed.getType();
  const phone = {
    ok: true,
    e164: parsed.number,
    callingCode: parsed.countryCallingCode,
    ...(parsed.country === undefined ? {} : { country: parsed.country }),
  } as const;
  return type === undefined ? phone : { ...phone, type };
}

/** Whether libphonenumber has a numbering plan for this ISO 3166-1 alpha-2 code. */
export function isKnownCountry(country: string): boolean {
  return Object.hasOwn(metadata().countries, country);
}

/** Every country that numbers with one of these calling codes ('1' is the US, Canada, Jamaica and 22 more). */
export function countriesSharingCallingCodes(callingCodes: readonly string[]): string[] {
  const byCode = metadata().country_calling_codes;
  return callingCodes.flatMap((code) => (byCode[code] ?? []).filter((country) => isKnownCountry(country)));
}
