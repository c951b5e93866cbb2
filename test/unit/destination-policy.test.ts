import { describe, expect, it } from 'vitest';
import {
  checkDestination,
  type DestinationPolicy,
  DestinationPolicySchema,
  defaultDestinationPolicy,
  effectiveDestinationPolicy,
  upgradeDestinationPolicy,
} from '../../functions/domain/destination-policy.ts';
import { type ParsedVisitorPhone, parseVisitorPhone } from '../../functions/domain/phone.ts';

function phone(typed: string, defaultCountry = 'RO'): ParsedVisitorPhone {
  const parsed = parseVisitorPhone(typed, defaultCountry);
  if (!parsed.ok) throw new Error(`${typed} is not a valid number`);
  return parsed;
}

function policy(
  settings: Partial<DestinationPolicy> & { allowedCallingCodes?: string[] } = {},
): DestinationPolicy {
  return DestinationPolicySchema.parse(settings);
}

const BUCHAREST_FIXED = phone('+40 21 123 4567');
const ROMANIAN_MOBILE = phone('+40 721 234 567');
const ROMANIAN_PREMIUM = phone('+40 900 123 456');
const ROMANIAN_SHARED_COST = phone('+40 801 123 456');
const ROMANIAN_TOLL_FREE = phone('+40 800 123 456');
const ROMANIAN_UAN = phone('+40 371 234 567');
const LONDON_FIXED = phone('+44 20 7946 0000');
const UK_PREMIUM = phone('+44 909 879 0000');
const UK_PAGER = phone('+44 7600 123456');
const UK_PERSONAL = phone('+44 70 1234 5678');
const UK_VOIP = phone('+44 56 1234 5678');
const NORWEGIAN_VOICEMAIL = phone('+47 812 34567');
const US_NUMBER = phone('+1 202 555 0100');
const US_PREMIUM = phone('+1 900 234 5678');
const JAMAICAN_FIXED = phone('+1 876 927 1234');

const allowed = { allowed: true };
const refusedBy = (rule: string) => ({ allowed: false, rule });

describe('DestinationPolicySchema', () => {
  it('defaults to the default country only, no prefixes, and refuses the types that cost the caller or reach no one', () => {
    expect(DestinationPolicySchema.parse({})).toEqual({
      allowedCountries: [],
      blockedPrefixes: [],
      allowedPrefixes: [],
      refusedNumberTypes: ['PREMIUM_RATE', 'SHARED_COST', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'],
    });
    expect(defaultDestinationPolicy()).toEqual(DestinationPolicySchema.parse({}));
  });

  it('accepts country codes and E.164 prefixes of 1 to 15 digits', () => {
    const settings = {
      allowedCountries: ['US', 'GB', 'UA'],
      blockedPrefixes: ['+1900', '+4'],
      allowedPrefixes: ['+123456789012345'],
      refusedNumberTypes: ['PREMIUM_RATE', 'FIXED_LINE_OR_MOBILE'],
    };
    expect(DestinationPolicySchema.parse(settings)).toEqual(settings);
  });

  it.each([
    ['a lower-case country', { allowedCountries: ['us'] }],
    ['a three-letter country', { allowedCountries: ['USA'] }],
    ['a country without a numbering plan', { allowedCountries: ['XX'] }],
    ['a calling code with +', { allowedCallingCodes: ['+1'] }],
    ['a calling code of 4 digits', { allowedCallingCodes: ['1234'] }],
    ['an empty calling code', { allowedCallingCodes: [''] }],
    ['a prefix without +', { blockedPrefixes: ['1900'] }],
    ['a bare +', { blockedPrefixes: ['+'] }],
    ['a prefix with spaces', { allowedPrefixes: ['+44 20'] }],
    ['a prefix of 16 digits', { allowedPrefixes: ['+1234567890123456'] }],
    ['an unknown number type', { refusedNumberTypes: ['SATELLITE'] }],
    ['301 calling codes', { allowedCallingCodes: Array.from({ length: 301 }, () => '1') }],
    ['301 countries', { allowedCountries: Array.from({ length: 301 }, () => 'US') }],
    ['201 blocked prefixes', { blockedPrefixes: Array.from({ length: 201 }, () => '+1') }],
    ['201 allowed prefixes', { allowedPrefixes: Array.from({ length: 201 }, () => '+1') }],
  ])('refuses %s', (_, settings) => {
    expect(DestinationPolicySchema.safeParse(settings).success).toBe(false);
  });

  it('accepts the most entries allowed', () => {
    const settings = {
      allowedCountries: Array.from({ length: 300 }, () => 'GB'),
      blockedPrefixes: Array.from({ length: 200 }, (_, i) => `+${i + 1}`),
      allowedPrefixes: Array.from({ length: 200 }, (_, i) => `+${i + 1}`),
    };
    expect(DestinationPolicySchema.safeParse(settings).success).toBe(true);
  });

  it('reads the replaced allowedCallingCodes as every country that shares each code, and names them', () => {
    const read = upgradeDestinationPolicy({ ...policy(), allowedCallingCodes: ['1', '44'] });
    expect(read.policy.allowedCountries).toEqual(
      expect.arrayContaining(['US', 'CA', 'JM', 'AG', 'BS', 'PR', 'GB', 'GG', 'IM', 'JE']),
    );
    expect(read.policy).not.toHaveProperty('allowedCallingCodes');
    expect(read.notice).toContain('allowedCountries');
    expect(read.notice).toContain('JM');
    expect(policy({ allowedCallingCodes: ['44'] }).allowedCountries).toEqual(['GB', 'GG', 'IM', 'JE']);
    expect(upgradeDestinationPolicy(policy({ allowedCountries: ['US'] }))).toEqual({
      policy: policy({ allowedCountries: ['US'] }),
    });
  });
});

describe('checkDestination', () => {
  describe('with the default policy', () => {
    const defaults = policy();

    it.each([
      ['a fixed line', BUCHAREST_FIXED],
      ['a mobile', ROMANIAN_MOBILE],
      ['a toll-free number', ROMANIAN_TOLL_FREE],
    ])("allows %s in the server's default country", (_, number) => {
      expect(checkDestination(number, defaults, 'RO')).toEqual(allowed);
    });

    it.each([
      ['premium rate', ROMANIAN_PREMIUM, 'RO'],
      ['premium rate', US_PREMIUM, 'US'],
      ['shared cost', ROMANIAN_SHARED_COST, 'RO'],
      ['UAN', ROMANIAN_UAN, 'RO'],
      ['personal', UK_PERSONAL, 'GB'],
      ['pager', UK_PAGER, 'GB'],
      ['voicemail', NORWEGIAN_VOICEMAIL, 'NO'],
    ])('refuses a %s number even in the default country', (_, number, defaultCountry) => {
      expect(checkDestination(number, defaults, defaultCountry)).toEqual(refusedBy('number_type'));
    });

    it('refuses numbers of other countries', () => {
      expect(checkDestination(LONDON_FIXED, defaults, 'RO')).toEqual(refusedBy('country'));
      expect(checkDestination(BUCHAREST_FIXED, defaults, 'GB')).toEqual(refusedBy('country'));
      expect(checkDestination(US_NUMBER, defaults, 'RO')).toEqual(refusedBy('country'));
    });

    it("refuses the other countries sharing the default country's calling code", () => {
      expect(checkDestination(JAMAICAN_FIXED, defaults, 'US')).toEqual(refusedBy('country'));
      expect(checkDestination(JAMAICAN_FIXED, policy({ allowedCountries: ['JM'] }), 'US')).toEqual(allowed);
    });

    it('allows VoIP numbers', () => {
      expect(checkDestination(UK_VOIP, defaults, 'GB')).toEqual(allowed);
    });

    it('refuses every number when the default country is unknown to the numbering plans', () => {
      expect(checkDestination(BUCHAREST_FIXED, defaults, 'XX')).toEqual(refusedBy('country'));
    });
  });

  it('refuses a number whose type the numbering plan cannot tell, whatever the policy allows', () => {
    const untyped: ParsedVisitorPhone = { ok: true, e164: '+40211234567', callingCode: '40' };
    expect(checkDestination(untyped, policy(), 'RO')).toEqual(refusedBy('unknown_type'));
    expect(
      checkDestination(untyped, policy({ allowedPrefixes: ['+40'], refusedNumberTypes: [] }), 'RO'),
    ).toEqual(refusedBy('unknown_type'));
  });

  it('allows the listed countries instead of the default country', () => {
    const ukAndUs = policy({ allowedCountries: ['GB', 'US'] });
    expect(checkDestination(LONDON_FIXED, ukAndUs, 'RO')).toEqual(allowed);
    expect(checkDestination(US_NUMBER, ukAndUs, 'RO')).toEqual(allowed);
    expect(checkDestination(BUCHAREST_FIXED, ukAndUs, 'RO')).toEqual(refusedBy('country'));
  });

  it.each([
    ['Antigua', '+1 268 460 1234'],
    ['the Cayman Islands', '+1 345 949 1234'],
    ['Dominica', '+1 767 448 1234'],
    ['the Dominican Republic', '+1 809 221 1234'],
    ['Trinidad', '+1 868 621 1234'],
    ['the Isle of Man', '+44 1624 612345'],
    ['Jersey', '+44 1534 612345'],
    ['a Jersey mobile', '+44 7797 712345'],
  ])('does not let the US and the UK in %s, which shares their calling codes', (_, number) => {
    expect(checkDestination(phone(number), policy({ allowedCountries: ['US', 'GB'] }), 'US')).toEqual(
      refusedBy('country'),
    );
  });

  it('refuses a non-geographic number unless a prefix allows it', () => {
    const freephone = phone('+800 1234 5678');
    expect(freephone.country).toBeUndefined();
    expect(checkDestination(freephone, policy({ refusedNumberTypes: [] }), 'RO')).toEqual(
      refusedBy('country'),
    );
  });

  it('refuses a blocked prefix in an allowed country', () => {
    const noJamaica = policy({ allowedCountries: ['US', 'JM'], blockedPrefixes: ['+1876', '+1900'] });
    expect(checkDestination(JAMAICAN_FIXED, noJamaica, 'US')).toEqual(refusedBy('blocked_prefix'));
    expect(checkDestination(US_NUMBER, noJamaica, 'US')).toEqual(allowed);
  });

  it('refuses by type before looking at blocked prefixes', () => {
    expect(checkDestination(US_PREMIUM, policy({ blockedPrefixes: ['+1900'] }), 'US')).toEqual(
      refusedBy('number_type'),
    );
  });

  it('allows an allowed prefix despite a blocked prefix', () => {
    const bucharestOnly = policy({ blockedPrefixes: ['+40'], allowedPrefixes: ['+4021'] });
    expect(checkDestination(BUCHAREST_FIXED, bucharestOnly, 'RO')).toEqual(allowed);
    expect(checkDestination(ROMANIAN_MOBILE, bucharestOnly, 'RO')).toEqual(refusedBy('blocked_prefix'));
  });

  it('allows an allowed prefix outside the allowed countries', () => {
    const withLondon = policy({ allowedPrefixes: ['+1555', '+4420'] });
    expect(checkDestination(LONDON_FIXED, withLondon, 'RO')).toEqual(allowed);
    expect(checkDestination(phone('+44 161 496 0000'), withLondon, 'RO')).toEqual(refusedBy('country'));
  });

  it('does not let an allowed prefix override a refused type', () => {
    const withUk = policy({ allowedPrefixes: ['+44'] });
    expect(checkDestination(UK_PREMIUM, withUk, 'RO')).toEqual(refusedBy('number_type'));
    expect(checkDestination(UK_PAGER, withUk, 'RO')).toEqual(refusedBy('number_type'));
  });

  it('refuses only the listed types, matched exactly', () => {
    const noMobiles = policy({ refusedNumberTypes: ['MOBILE'] });
    expect(checkDestination(ROMANIAN_MOBILE, noMobiles, 'RO')).toEqual(refusedBy('number_type'));
    expect(checkDestination(ROMANIAN_PREMIUM, noMobiles, 'RO')).toEqual(allowed);
    // +1 cannot tell mobiles from fixed lines: such numbers are FIXED_LINE_OR_MOBILE, a type of its own.
    expect(checkDestination(US_NUMBER, noMobiles, 'US')).toEqual(allowed);
  });
});

describe('effectiveDestinationPolicy', () => {
  const server = policy({ allowedCountries: ['RO'], blockedPrefixes: ['+4090'] });
  const client = policy({ allowedCountries: ['GB'] });
  const extension = policy({ allowedPrefixes: ['+4420'], refusedNumberTypes: [] });

  it('is the defaults when none is set', () => {
    expect(effectiveDestinationPolicy()).toEqual(defaultDestinationPolicy());
    expect(effectiveDestinationPolicy(undefined, null, null)).toEqual(defaultDestinationPolicy());
  });

  it("is the server's when neither the client nor the extension has one", () => {
    expect(effectiveDestinationPolicy(server)).toBe(server);
    expect(effectiveDestinationPolicy(server, null, undefined)).toBe(server);
  });

  it("is the client's, whole, over the server's", () => {
    const effective = effectiveDestinationPolicy(server, client);
    expect(effective).toBe(client);
    expect(effective.blockedPrefixes).toEqual([]);
  });

  it("is the extension's over the client's and the server's", () => {
    expect(effectiveDestinationPolicy(server, client, extension)).toBe(extension);
    expect(effectiveDestinationPolicy(server, undefined, extension)).toBe(extension);
    expect(effectiveDestinationPolicy(undefined, undefined, extension)).toBe(extension);
  });

  it('gives a fresh default each time, so one caller cannot change it for the next', () => {
    effectiveDestinationPolicy().refusedNumberTypes.pop();
    expect(effectiveDestinationPolicy().refusedNumberTypes).toContain('VOICEMAIL');
  });
});
