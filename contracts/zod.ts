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
