// The public page's languages: one catalogue per language, and how the page picks one.
import { de } from './de.ts';
import { en, type MessageKey } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';
import { it } from './it.ts';
import { ja } from './ja.ts';
import { nl } from './nl.ts';
import { pl } from './pl.ts';
import { pt } from './pt.ts';
import { ro } from './ro.ts';
import { sv } from './sv.ts';

export type { MessageKey } from './en.ts';
export type Catalogue = Readonly<Record<MessageKey, string>>;

export const CATALOGUES = { en, de, fr, es, it, pt, nl, ro, pl, sv, ja } as const satisfies Record<
  string,
  Catalogue
>;
export type Language = keyof typeof CATALOGUES;
export const LANGUAGES = Object.keys(CATALOGUES) as readonly Language[];
export const DEFAULT_LANGUAGE: Language = 'en';
/** The owner's preference for "the visitor's choice". */
export const VISITOR_CHOICE = 'visitor';

export function isLanguage(code: string | undefined): code is Language {
  return code !== undefined && Object.hasOwn(CATALOGUES, code);
}

export function catalogue(language: Language): Catalogue {
  return CATALOGUES[language];
}

/** Fills `{name}` placeholders; a placeholder without a value stays as it is. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : placeholder,
  );
}

/** The best of our languages for an Accept-Language header (RFC 9110 weights; primary subtag match), if any. */
export function negotiateLanguage(acceptLanguage: string | undefined): Language | undefined {
  if (!acceptLanguage) return undefined;
  const ranges = acceptLanguage
    .slice(0, 512)
    .split(',')
    .map((part, index) => {
      const [range = '', ...parameters] = part.split(';').map((piece) => piece.trim());
      const weight = parameters.find((parameter) => /^q=/i.test(parameter));
      return { range: range.toLowerCase(), quality: weight ? Number(weight.slice(2)) : 1, index };
    })
    .filter(({ range, quality }) => range !== '' && range !== '*' && quality > 0 && quality <= 1)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { range } of ranges) {
    const primary = range.split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return undefined;
}

export interface LanguageChoice {
  readonly language: Language;
  /** True when the visitor may choose: the page then offers the other languages. */
  readonly visitorChooses: boolean;
}

/**
 * The owner's language when they picked one we have; otherwise the visitor's choice: the page's `lang` selector,
 * then the browser's Accept-Language, then English.
 */
export function chooseLanguage(
  ownerLanguage: string | undefined,
  visitor: { readonly query?: string | undefined; readonly acceptLanguage?: string | undefined },
): LanguageChoice {
  if (ownerLanguage !== VISITOR_CHOICE && isLanguage(ownerLanguage)) {
    return { language: ownerLanguage, visitorChooses: false };
  }
  const language = isLanguage(visitor.query)
    ? visitor.query
    : (negotiateLanguage(visitor.acceptLanguage) ?? DEFAULT_LANGUAGE);
  return { language, visitorChooses: true };
}
