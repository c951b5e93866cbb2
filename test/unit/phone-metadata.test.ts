import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { type CountryCode, type MetadataJson, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import { describe, expect, it } from 'vitest';
import { parseVisitorPhone } from '../../functions/domain/phone.ts';
import { PHONE_METADATA_DEFLATED } from '../../functions/domain/phone-metadata.ts';
import { phoneMetadataText, readMaxMetadata } from '../../scripts/phone-metadata.ts';

const LIBRARY_DIR = path.join(import.meta.dirname, '../../node_modules/libphonenumber-js');
const max = readMaxMetadata();
const committedText = inflateRawSync(Buffer.from(PHONE_METADATA_DEFLATED, 'base64')).toString('utf8');
const pruned = JSON.parse(committedText) as MetadataJson;
const mobileExamples = JSON.parse(
  readFileSync(path.join(LIBRARY_DIR, 'examples.mobile.json'), 'utf8'),
) as Record<CountryCode, string>;

type Typed = readonly [typed: string, defaultCountry?: CountryCode];

function reading([typed, defaultCountry]: Typed, metadata: MetadataJson) {
  const parsed = defaultCountry
    ? parsePhoneNumberFromString(typed, defaultCountry, metadata)
    : parsePhoneNumberFromString(typed, metadata);
  if (!parsed) return 'not a number';
  return {
    e164: parsed.number,
    valid: parsed.isValid(),
    type: parsed.getType(),
    country: parsed.country,
    callingCode: parsed.countryCallingCode,
  };
}

function readingsThatDiffer(inputs: readonly Typed[]) {
  return inputs.flatMap((input) => {
    const expected = reading(input, max);
    const actual = reading(input, pruned);
    return JSON.stringify(actual) === JSON.stringify(expected)
      ? []
      : [{ input, max: expected, pruned: actual }];
  });
}

/** Each example as visitors type it: E.164, national (with the national prefix), international, dialled from abroad. */
function typedForms(): Typed[] {
  return Object.entries(mobileExamples).flatMap(([country, nationalNumber]) => {
    const example = parsePhoneNumberFromString(nationalNumber, country as CountryCode, max);
    if (!example) throw new Error(`max metadata cannot read the ${country} example ${nationalNumber}`);
    return [
      [example.number],
      [nationalNumber, country as CountryCode],
      [example.formatNational(), country as CountryCode],
      [example.formatInternational(), 'RO'],
      [`00 ${example.countryCallingCode} ${nationalNumber}`, 'DE'],
      [`011 ${example.countryCallingCode} ${nationalNumber}`, 'US'],
    ] satisfies Typed[];
  });
}

/** Digit strings of each country's possible lengths from a fixed seed: mostly invalid, some valid of every kind. */
function seededDigitStrings(perCountry: number): Typed[] {
  let seed = 20261126;
  const nextDigit = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor((seed / 2_147_483_648) * 10);
  };
  return Object.entries(max.countries).flatMap(([country, plan]) => {
    // Positions in a version 4 numbering plan: 0 calling code, 3 possible lengths, 5 national prefix.
    const callingCode = plan[0] as string;
    const possibleLengths = plan[3] as number[];
    const nationalPrefix = (plan[5] || '') as string;
    return Array.from({ length: perCountry }, (_, i) => {
      const length = possibleLengths[i % possibleLengths.length] ?? 0;
      const digits = Array.from({ length }, nextDigit).join('');
      return i % 2 === 0
        ? ([`+${callingCode}${digits}`] satisfies Typed)
        : ([`${nationalPrefix}${digits}`, country as CountryCode] satisfies Typed);
    });
  });
}

// Numbers of every type, picked by hand, with what the max metadata says they are.
const HAND_PICKED: readonly (readonly [
  typed: string,
  defaultCountry: CountryCode,
  e164: string,
  type: string,
])[] = [
  ['+44 909 879 0000', 'RO', '+449098790000', 'PREMIUM_RATE'],
  ['0909 879 0000', 'GB', '+449098790000', 'PREMIUM_RATE'],
  ['00 44 909 879 0000', 'DE', '+449098790000', 'PREMIUM_RATE'],
  ['+44 871 222 3333', 'RO', '+448712223333', 'PREMIUM_RATE'],
  ['1-900-234-5678', 'US', '+19002345678', 'PREMIUM_RATE'],
  ['+40 900 123 456', 'RO', '+40900123456', 'PREMIUM_RATE'],
  ['0900 1 234567', 'DE', '+499001234567', 'PREMIUM_RATE'],
  ['0 899 12 34 56', 'FR', '+33899123456', 'PREMIUM_RATE'],
  ['+61 1900 123 456', 'RO', '+611900123456', 'PREMIUM_RATE'],
  ['+34 803 123 456', 'RO', '+34803123456', 'PREMIUM_RATE'],
  ['+40 801 123 456', 'RO', '+40801123456', 'SHARED_COST'],
  ['+49 180 2 123456', 'RO', '+491802123456', 'SHARED_COST'],
  ['+33 8 10 12 34 56', 'RO', '+33810123456', 'SHARED_COST'],
  ['+34 901 123 456', 'RO', '+34901123456', 'SHARED_COST'],
  ['+41 840 123 456', 'RO', '+41840123456', 'SHARED_COST'],
  ['(800) 234-5678', 'US', '+18002345678', 'TOLL_FREE'],
  ['+44 800 123 4567', 'RO', '+448001234567', 'TOLL_FREE'],
  ['+40 800 123 456', 'RO', '+40800123456', 'TOLL_FREE'],
  ['+7 800 555 3535', 'RO', '+78005553535', 'TOLL_FREE'],
  ['+800 1234 5678', 'RO', '+80012345678', 'TOLL_FREE'],
  ['021 123 4567', 'RO', '+40211234567', 'FIXED_LINE'],
  ['0049 30 12345678', 'RO', '+493012345678', 'FIXED_LINE'],
  ['+33 1 23 45 67 89', 'RO', '+33123456789', 'FIXED_LINE'],
  ['011 44 20 7946 0000', 'US', '+442079460000', 'FIXED_LINE'],
  ['+1 (876) 927-1234', 'US', '+18769271234', 'FIXED_LINE'],
  ['(202) 555-0100', 'US', '+12025550100', 'FIXED_LINE_OR_MOBILE'],
  ['+1 416 555 0100', 'US', '+14165550100', 'FIXED_LINE_OR_MOBILE'],
  ['0721 234 567', 'RO', '+40721234567', 'MOBILE'],
  ['+49 151 23456789', 'RO', '+4915123456789', 'MOBILE'],
  ['+44 7624 123456', 'RO', '+447624123456', 'MOBILE'],
  ['+44 56 1234 5678', 'RO', '+445612345678', 'VOIP'],
  ['+33 9 12 34 56 78', 'RO', '+33912345678', 'VOIP'],
  ['+44 70 1234 5678', 'RO', '+447012345678', 'PERSONAL_NUMBER'],
  ['+49 700 12345678', 'RO', '+4970012345678', 'PERSONAL_NUMBER'],
  ['+1 500 234 5678', 'US', '+15002345678', 'PERSONAL_NUMBER'],
  ['+44 7600 123456', 'RO', '+447600123456', 'PAGER'],
  ['+49 164 1234567', 'RO', '+491641234567', 'PAGER'],
  ['+41 740 123 456', 'RO', '+41740123456', 'PAGER'],
  ['+44 300 123 4567', 'RO', '+443001234567', 'UAN'],
  ['+40 371 234 567', 'RO', '+40371234567', 'UAN'],
  ['+33 8 06 12 34 56', 'RO', '+33806123456', 'UAN'],
  ['+49 185 12345678', 'RO', '+4918512345678', 'UAN'],
  ['+47 812 34567', 'RO', '+4781234567', 'VOICEMAIL'],
  ['+39 33 123456789', 'RO', '+3933123456789', 'VOICEMAIL'],
  ['+49 16013 1234567', 'RO', '+49160131234567', 'VOICEMAIL'],
];

describe('functions/domain/phone-metadata.ts', () => {
  it('is what scripts/phone-metadata.ts generates from the installed libphonenumber-js', () => {
    const { version } = JSON.parse(readFileSync(path.join(LIBRARY_DIR, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(
      committedText === phoneMetadataText(),
      `functions/domain/phone-metadata.ts does not match libphonenumber-js ${version}: run npx tsx scripts/phone-metadata.ts`,
    ).toBe(true);
  });

  it('reads every mobile example, however typed, as the max metadata does', () => {
    const inputs = typedForms();
    expect(inputs).toHaveLength(6 * Object.keys(mobileExamples).length);
    expect(readingsThatDiffer(inputs)).toEqual([]);
    for (const [country, nationalNumber] of Object.entries(mobileExamples)) {
      expect(reading([nationalNumber, country as CountryCode], pruned)).toMatchObject({
        valid: true,
        type: expect.stringMatching(/^(MOBILE|FIXED_LINE_OR_MOBILE)$/),
      });
    }
  });

  it.each(HAND_PICKED)(
    'reads %s (from %s) as %s, %s, as the max metadata does',
    (typed, defaultCountry, e164, type) => {
      const expected = { e164, valid: true, type };
      expect(reading([typed, defaultCountry], max)).toMatchObject(expected);
      expect(reading([typed, defaultCountry], pruned)).toEqual(reading([typed, defaultCountry], max));
    },
  );

  it('reads seeded digit strings of every country as the max metadata does, valid or not', () => {
    const inputs = seededDigitStrings(10);
    const valid = inputs.filter((input) => {
      const result = reading(input, max);
      return typeof result === 'object' && result.valid;
    });
    expect(valid.length).toBeGreaterThan(400);
    expect(readingsThatDiffer(inputs)).toEqual([]);
  });

  it('tells apart numbers the max metadata refuses', () => {
    const invalid: Typed[] = [
      ['+44 20 1234 567'],
      ['+1 123 456 7890'],
      ['+40 802 123 456'],
      ['12345', 'US'],
      ['call me', 'US'],
    ];
    expect(readingsThatDiffer(invalid)).toEqual([]);
    for (const input of invalid) expect(reading(input, pruned)).not.toMatchObject({ valid: true });
  });
});

describe('parseVisitorPhone', () => {
  it('gives E.164, the calling code and the type of a valid number', () => {
    expect(parseVisitorPhone('(202) 555-0100', 'US')).toEqual({
      ok: true,
      e164: '+12025550100',
      callingCode: '1',
      country: 'US',
      type: 'FIXED_LINE_OR_MOBILE',
    });
    expect(parseVisitorPhone('0909 879 0000', 'GB')).toEqual({
      ok: true,
      e164: '+449098790000',
      callingCode: '44',
      country: 'GB',
      type: 'PREMIUM_RATE',
    });
    expect(parseVisitorPhone('+40 21 123 4567', 'US')).toEqual({
      ok: true,
      e164: '+40211234567',
      callingCode: '40',
      country: 'RO',
      type: 'FIXED_LINE',
    });
  });

  it('reads international numbers even when the default country is unknown to the numbering plans', () => {
    expect(parseVisitorPhone('+40 721 234 567', 'XX')).toMatchObject({ ok: true, e164: '+40721234567' });
    expect(parseVisitorPhone('0721 234 567', 'XX')).toEqual({ ok: false });
  });

  it.each([
    ['12345', 'US'],
    ['call me', 'US'],
    ['', 'RO'],
    ['+1 123 456 7890', 'US'],
    ['07700 900123', 'GB'],
  ])('refuses %s (from %s)', (typed, defaultCountry) => {
    expect(parseVisitorPhone(typed, defaultCountry)).toEqual({ ok: false });
  });
});
