// `npm run admin -- set-password | upgrade`: what an operator does on the table directly. `set-password` sets the
// total-access admin password, for a fresh deployment where nobody can log in yet; `upgrade` brings records made
// by an earlier release up to date. Uses the AWS credentials and region of the shell.
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setAdminPassword } from '../../functions/domain/server-settings.ts';
import { generatePassword, hashPassword, verifyPassword } from '../../functions/lib/passwords.ts';
import { DynamoManagementStore } from '../../functions/store/dynamo-management-store.ts';
import { DEFAULT_TABLE_NAME } from '../resources.ts';
import { upgradeRecords } from './upgrade.ts';

const USAGE = `Usage: npm run admin -- set-password [--table NAME] [--username NAME] [--endpoint URL]
       npm run admin -- upgrade [--table NAME] [--endpoint URL]

set-password sets the Call API admin password in the CallNow table (default table: ${DEFAULT_TABLE_NAME}).
The password is read from standard input when it is piped (echo "$PW" | npm run admin -- set-password),
otherwise a strong one is generated and printed once. It must be at least 12 characters.

upgrade brings the records of an earlier release up to date: each extension's claim on its number, and its
CallNow ID under its lower-case form. It lists what it cannot fix by itself. It can be run any number of times.

AWS credentials and region come from the environment, as for the AWS CLI.`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function setPassword(store: DynamoManagementStore, table: string, username: string | undefined) {
  const piped = !process.stdin.isTTY;
  const password = piped ? await readStdin() : generatePassword();
  if (password.length < 12) {
    console.error('The password must be at least 12 characters.');
    return 2;
  }
  await setAdminPassword(store, password, { hash: hashPassword, verify: verifyPassword }, username);
  const settings = await store.getServerSettings();
  console.log(`Admin password set for user ${settings?.adminUsername} in table ${table}.`);
  if (!piped) console.log(`Password (shown once): ${password}`);
  return 0;
}

async function upgrade(store: DynamoManagementStore, table: string) {
  const report = await upgradeRecords(store, new Date());
  console.log(
    `Table ${table}: ${report.extensions} extensions; ${report.numbersClaimed} number claims and ` +
      `${report.pointersWritten} CallNow ID pointers written.`,
  );
  for (const problem of report.problems) console.log(`  to fix: ${problem}`);
  return report.problems.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      table: { type: 'string', default: DEFAULT_TABLE_NAME },
      username: { type: 'string' },
      endpoint: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || (command !== 'set-password' && command !== 'upgrade')) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const client = new DynamoDBClient(values.endpoint ? { endpoint: values.endpoint } : {});
  const store = new DynamoManagementStore(DynamoDBDocumentClient.from(client), values.table);
  try {
    return command === 'upgrade'
      ? await upgrade(store, values.table)
      : await setPassword(store, values.table, values.username);
  } finally {
    client.destroy();
  }
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`CallNow admin: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
