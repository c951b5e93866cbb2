// zod/mini (a fraction of the full build's size, which matters for Lambda cold starts), with English messages.
// Import it as a namespace (`import * as z from '.../zod.ts'`) so bundlers keep only what is used.

import { en } from 'zod/locales';
import { config, type core } from 'zod/mini';

let english: core.$ZodErrorMap | undefined;
// The messages are built for the first issue that needs one, not at every cold start: most never see bad input.
config({
  localeError: (issue) => {
    english ??= en().localeError;
    return english(issue);
  },
});

export * from 'zod/mini';

/**
 * A schema built at its first use instead of when its module loads. Building a zod schema is not free (every
 * check and property is an object of its own), and the functions define a hundred or more of them, most of which
 * a cold start never uses: together they cost each cold start several milliseconds. The schema behaves as the one
 * `build` makes, for parsing, composing and inferring its type.
 */
export function onFirstUse<T extends object>(build: () => T): T {
  let built: T | undefined;
  const schema = () => {
    built ??= build();
    return built;
  };
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(schema(), key),
    has: (_, key) => Reflect.has(schema(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  });
}
