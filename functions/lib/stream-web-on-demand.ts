// Stands in for node:stream/web in the Lambda bundles (infra/stack/function-bundling.ts): `instanceof` answers as
// the real class would, and web streams load only when something asks.
export const ReadableStream = {
  [Symbol.hasInstance]: (value: unknown): boolean => value instanceof globalThis.ReadableStream,
};
