// The functions as Lambda gets them, built as the stack builds them. The public one is one file with nothing beside
// it, and still draws its CAPTCHA: built with the AWS SDK inside (no node_modules needed at all), it runs in a fresh
// node process in an empty directory, against dynalite holding a CallNow ID with image validation on. Each loads
// only what it uses, and the public one nothing of the console's.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaBundle } from '../../bench/cold-start/bundle.ts';
import { FUNCTION_ENV } from '../../functions/lib/config.ts';
import { LOCAL_AWS } from '../../infra/local/aws.ts';
import { ensureTable, type LocalDynamoDb, startLocalDynamoDb } from '../../infra/local/dynamodb.ts';
import { DEMO_CALLNOW_ID, demoTarget, writeTarget } from '../../infra/local/seed.ts';
import { apiEvent } from '../support/api-events.ts';

const run = promisify(execFile);
const TABLE_NAME = 'callnow-bundle-test';

/** Run by `node -e` in the bundle's directory: one page request through the bundle's handler. */
const INVOKE = `
const { handler } = await import('./index.mjs');
const response = await handler(JSON.parse(process.argv[1]), { functionName: 'public', awsRequestId: 'bundle-test' });
process.stdout.write(JSON.stringify(response));
`;

let dynamo: LocalDynamoDb;
let bundleDirectory: string;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  await ensureTable(dynamo.endpoint, TABLE_NAME);
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint }),
  );
  const target = demoTarget('hq', 'not-a-password-hash');
  await writeTarget(documents, TABLE_NAME, {
    ...target,
    extension: { ...target.extension, callNow: { ...target.extension.callNow, imageValidation: true } },
  });
  documents.destroy();
  bundleDirectory = await mkdtemp(path.join(os.tmpdir(), 'callnow-public-bundle-'));
  await buildLambdaBundle('functions/public/handler.ts', bundleDirectory, { bundleSdk: true });
});

afterAll(async () => {
  await dynamo?.close();
  if (bundleDirectory) await rm(bundleDirectory, { recursive: true, force: true });
});

describe('the bundled public function', () => {
  it('is one file, and draws the CAPTCHA of a page with nothing beside it', async () => {
    expect(await readdir(bundleDirectory)).toEqual(['index.mjs']);
    const event = apiEvent('GET /callnow/{callNowId}', { pathParameters: { callNowId: DEMO_CALLNOW_ID } });
    const { stdout, stderr } = await run(
      process.execPath,
      ['--input-type=module', '-e', INVOKE, JSON.stringify(event)],
      {
        cwd: bundleDirectory,
        // No NODE_PATH and no node_modules above a temporary directory: the bundle has only itself.
        env: {
          PATH: process.env.PATH ?? '',
          NODE_PATH: '',
          [FUNCTION_ENV.tableName]: TABLE_NAME,
          [FUNCTION_ENV.callRequestsQueueUrls]: JSON.stringify({ hq: 'http://127.0.0.1:9/queue/hq' }),
          AWS_REGION: LOCAL_AWS.region,
          AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          LOG_LEVEL: 'warn',
        },
        timeout: 30_000,
      },
    );
    expect(stderr).toBe('');
    const response = JSON.parse(stdout) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(200);
    const image = /<img id="captcha-image" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/.exec(
      response.body ?? '',
    )?.[1];
    expect(image).toBeDefined();
    const svg = Buffer.from(image ?? '', 'base64').toString();
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="200" height="64"[^>]*>.*<\/svg>$/,
    );
    expect(svg.match(/<g /g)).toHaveLength(5);
  });

  it("carries nothing of the console's: its QR code library stays out", async () => {
    const code = await readFile(path.join(bundleDirectory, 'index.mjs'), 'utf8');
    // Searched as booleans: a failure would otherwise print the whole bundle.
    expect(code.includes(PAGE_TEXT)).toBe(true);
    expect(code.includes(QR_LIBRARY_TEXT)).toBe(false);
    expect(code.includes('CallNow console')).toBe(false);
  });
});

/** A message of uqr's, the console's QR code library. */
const QR_LIBRARY_TEXT = 'String contains unencodable characters in alphanumeric mode';
/** A text of the public page's (its English catalogue). */
const PAGE_TEXT = 'We lost track of your call';

/** What a bundle imports from outside itself. */
const importsOf = (code: string) =>
  [...code.matchAll(/(?:^|[;}])\s*import\s*(?:[\w$*{},\s]+from\s*)?"([^"]+)"/gm)].map((match) => match[1]);

describe('the bundled console function', () => {
  it('draws QR codes but carries neither the public page and its eleven languages nor the SQS client', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'callnow-console-bundle-'));
    try {
      const { file } = await buildLambdaBundle('functions/console/handler.ts', directory, {
        bundleSdk: false,
      });
      const code = await readFile(file, 'utf8');
      expect(code.includes(QR_LIBRARY_TEXT)).toBe(true);
      expect(code.includes(PAGE_TEXT)).toBe(false);
      expect(importsOf(code)).toContain('@aws-sdk/client-dynamodb');
      expect(importsOf(code)).not.toContain('@aws-sdk/client-sqs');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('the bundled public, management and console functions', () => {
  it.each(['public', 'management', 'console'])(
    '%s loads no web streams, which middy imports only for streamed responses',
    async (name) => {
      const directory = await mkdtemp(path.join(os.tmpdir(), `callnow-${name}-bundle-`));
      try {
        const { file } = await buildLambdaBundle(`functions/${name}/handler.ts`, directory, {
          bundleSdk: true,
        });
        expect(importsOf(await readFile(file, 'utf8'))).not.toContain('node:stream/web');
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  );
});

describe('the bundled call-events function', () => {
  it('loads neither the SQS client nor middy, which it does not use', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'callnow-events-bundle-'));
    try {
      const { file } = await buildLambdaBundle('functions/call-events/handler.ts', directory, {
        bundleSdk: false,
      });
      const code = await readFile(file, 'utf8');
      const imported = importsOf(code);
      expect(imported).toContain('@aws-sdk/client-dynamodb');
      expect(imported).not.toContain('@aws-sdk/client-sqs');
      expect(code).not.toContain('node:stream/web');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
