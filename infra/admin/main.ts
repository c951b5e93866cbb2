// `npm run admin -- set-password`: sets the total-access admin password directly in the table, for a fresh
// deployment where nobody can log in yet. Uses the AWS credentials and region of the shell.
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setAdminPassword } from '../../functions/domain/server-settings.ts';
import { generatePassword, hashPassword, verifyPassword } from '../../functions/lib/passwords.ts';
import { DynamoManagementStore } from '../../functions/store/dynamo-management-store.ts';
import { DEFAULT_TABLE_NAME } from '../resources.ts';

const USAGE = `Usage: npm run admin -- set-password [--table NAME] [--username NAME] [--endpoint URL]

Sets the Call API admin password in the CallNow table (default table: ${DEFAULT_TABLE_NAME}).
The password is read from standard input when it is piped (echo "$PW" | npm run admin -- set-password),
otherwise a strong one is generated and printed once. It must be at least 12 characters.
AWS credentials and region come from the environment, as for the AWS CLI.`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
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
  if (values.help || positionals[0] !== 'set-password') {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const piped = !process.stdin.isTTY;
  const password = piped ? await readStdin() : generatePassword();
  if (password.length < 12) {
    console.error('The password must be at least 12 characters.');
    return 2;
  }
  const client = new DynamoDBClient(values.endpoint ? { endpoint: values.endpoint } : {});
  const store = new DynamoManagementStore(DynamoDBDocumentClient.from(client), values.table);
  await setAdminPassword(store, password, { hash: hashPassword, verify: verifyPassword }, values.username);
  const settings = await store.getServerSettings();
  console.log(`Admin password set for user ${settings?.adminUsername} in table ${values.table}.`);
  if (!piped) console.log(`Password (shown once): ${password}`);
  client.destroy();
  return 0;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Could not set the password: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
