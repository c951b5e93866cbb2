// How every CallNow function is bundled: the stack's NodejsFunction and the benchmark's cold-start bundles read
// these, so that what is measured is what is deployed.

/**
 * The bundle is ESM like the sources; CommonJS code inside it may still `require` Node built-ins, which an ES
 * module can only do through createRequire.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __callnowCreateRequire } from 'node:module'; " +
  'const require = __callnowCreateRequire(import.meta.url);';

export const BUNDLE_TARGET = 'node24';
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];

/**
 * Modules the bundles take from elsewhere, relative to the project root. @middy/core imports ReadableStream from
 * node:stream/web only to recognise a streamed response, which CallNow never sends, and loading web streams costs
 * every cold start about 6 ms.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  'node:stream/web': './functions/lib/stream-web-on-demand.ts',
};
