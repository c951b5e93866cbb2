import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';

export type VisitorPhoneResult = { readonly ok: true; readonly e164: string } | { readonly ok: false };

/** Reads a number as a visitor types it ("(202) 555-0100", "+40 21 123 4567") into E.164, or says it is not a valid number. */
export function parseVisitorPhone(typed: string, defaultCountry: string): VisitorPhoneResult {
  const parsed = parsePhoneNumberFromString(typed, defaultCountry as CountryCode);
  return parsed?.isValid() ? { ok: true, e164: parsed.number } : { ok: false };
}
