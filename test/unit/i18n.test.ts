// The page's languages: every catalogue complete, and the page picking the right one.
import { describe, expect, it } from 'vitest';
import { FAILURE_REASONS } from '../../contracts/call-states.ts';
import {
  CATALOGUES,
  chooseLanguage,
  fill,
  LANGUAGES,
  negotiateLanguage,
} from '../../functions/public/i18n/index.ts';
import { scriptTexts } from '../../functions/public/pages.ts';

const { en, ...others } = CATALOGUES;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('the catalogues', () => {
  it('ship at least the eleven languages of the issue', () => {
    expect(LANGUAGES).toEqual(
      expect.arrayContaining(['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'ro', 'pl', 'sv', 'ja']),
    );
  });

  it.each(Object.entries(others))('%s has every key of English, and no other', (_, texts) => {
    expect(Object.keys(texts).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(Object.entries(CATALOGUES))(
    '%s fills the same placeholders as English, in non-empty texts',
    (_, texts) => {
      for (const [key, text] of Object.entries(texts)) {
        expect(text.trim(), key).not.toBe('');
        expect(text, key).toBe(text.trim());
        expect(placeholders(text), key).toEqual(placeholders(en[key as keyof typeof en]));
      }
    },
  );

  it.each(Object.entries(CATALOGUES))('%s tells each way a call can fail in its own words', (_, texts) => {
    const failures = scriptTexts(texts).failure;
    expect(Object.keys(failures).sort()).toEqual([...FAILURE_REASONS].sort());
    expect(new Set(Object.values(failures)).size).toBe(FAILURE_REASONS.length);
  });

  it('names each language in itself, for the selector', () => {
    expect(Object.values(CATALOGUES).map((texts) => texts.languageName)).toEqual([
      'English',
      'Deutsch',
      'Français',
      'Español',
      'Italiano',
      'Português',
      'Nederlands',
      'Română',
      'Polski',
      'Svenska',
      '日本語',
    ]);
  });
});

describe('fill', () => {
  it('fills placeholders, leaves unknown ones, and never reads a value as a pattern', () => {
    expect(fill('Call {name} at {time}', { name: '$& $1' })).toBe('Call $& $1 at {time}');
  });
});

describe('negotiateLanguage', () => {
  it.each([
    ['de-AT,de;q=0.9,en;q=0.8', 'de'],
    ['zh-CN, fr-CA;q=0.9, en;q=0.5', 'fr'],
    ['en;q=0.2, ja;q=0.8', 'ja'],
    ['PT-br', 'pt'],
    ['tlh, *', undefined],
    ['sv;q=0, ro', 'ro'],
    ['', undefined],
  ])('reads %j as %s', (header, language) => {
    expect(negotiateLanguage(header)).toBe(language);
  });
});

describe('chooseLanguage', () => {
  it("uses the owner's language, and the visitor's only when the owner leaves it to them", () => {
    expect(chooseLanguage('ro', { query: 'ja', acceptLanguage: 'de' })).toEqual({
      language: 'ro',
      visitorChooses: false,
    });
    expect(chooseLanguage('visitor', { query: 'ja', acceptLanguage: 'de' })).toEqual({
      language: 'ja',
      visitorChooses: true,
    });
    expect(chooseLanguage('visitor', { acceptLanguage: 'de' }).language).toBe('de');
    expect(chooseLanguage('visitor', {}).language).toBe('en');
    // A language the owner picked that we do not have: the visitor chooses.
    expect(chooseLanguage('tr', { acceptLanguage: 'nl' })).toEqual({ language: 'nl', visitorChooses: true });
  });
});
