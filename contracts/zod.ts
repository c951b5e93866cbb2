// zod/mini (a fraction of the full build's size, which matters for Lambda cold starts), with English messages.
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

export { z };
