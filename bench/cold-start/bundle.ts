// Builds a Lambda bundle exactly as the CDK stack does (infra/stack/callnow-function.ts and aws-cdk-lib's
// NodejsFunction with the local esbuild): ESM for node24, minified, linked source map without sources, the
// createRequire banner, main fields module,main, @aws-sdk/* external unless the SDK is to be bundled.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../lib/child.ts';

/** Same text as ESM_REQUIRE_BANNER in infra/stack/callnow-function.ts (not exported there). */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __callnowCreateRequire } from 'node:module'; " +
  'const require = __callnowCreateRequire(import.meta.url);';

export interface LambdaBundle {
  readonly file: string;
  readonly bytes: number;
}

export interface BundleOptions {
  readonly bundleSdk: boolean;
}

/** `entry` relative to the project root; writes `<outDir>/index.mjs` and its map. */
export async function buildLambdaBundle(
  entry: string,
  outDir: string,
  { bundleSdk }: BundleOptions,
): Promise<LambdaBundle> {
  const file = path.join(outDir, 'index.mjs');
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [path.join(PROJECT_ROOT, entry)],
    bundle: true,
    outfile: file,
    target: 'node24',
    platform: 'node',
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: bundleSdk ? [] : ['@aws-sdk/*'],
    logLevel: 'warning',
    banner: { js: ESM_REQUIRE_BANNER },
    mainFields: ['module', 'main'],
  });
  return { file, bytes: (await stat(file)).size };
}
