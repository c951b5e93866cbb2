// zod/mini (a fraction of the full build's size, which matters for Lambda cold starts), with English messages.
// Import it as a namespace (`import * as z from '.../zod.ts'`) so bundlers keep only what is used.

import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
