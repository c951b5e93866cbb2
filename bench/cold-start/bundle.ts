// Builds a Lambda bundle exactly as the CDK stack does (infra/stack/callnow-function.ts and aws-cdk-lib's
// NodejsFunction with the local esbuild, with the options of infra/stack/function-bundling.ts): ESM for node24,
// minified, no source map, the createRequire banner, main fields module,main, the stack's aliases, the AWS SDK
// bundled; or, to compare with what was deployed before, the SDK external (loaded from the runtime's copy).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import {
  BUNDLE_ALIASES,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_TARGET,
  ESM_REQUIRE_BANNER,
} from '../../infra/stack/function-bundling.ts';
import { PROJECT_ROOT } from '../lib/child.ts';

export interface LambdaBundle {
  readonly file: string;
  readonly bytes: number;
}

export interface BundleOptions {
  readonly bundleSdk: boolean;
}

/** `entry` relative to the project root; writes `<outDir>/index.mjs`. */
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
    target: BUNDLE_TARGET,
    platform: 'node',
    format: 'esm',
    minify: true,
    external: bundleSdk ? [] : ['@aws-sdk/*'],
    alias: { ...BUNDLE_ALIASES },
    logLevel: 'warning',
    banner: { js: ESM_REQUIRE_BANNER },
    mainFields: [...BUNDLE_MAIN_FIELDS],
  });
  return { file, bytes: (await stat(file)).size };
}
