// The local stack's demo data: Call API on, one reseller, one client, and extension 101 reachable at CallNow ID `demo`.
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  DEFAULT_ADMIN_USERNAME,
  DEFAULT_SERVER_SETTINGS,
  defaultCallNowPreferences,
} from '../../functions/domain/defaults.ts';
import {
  type CallNowTarget,
  DEFAULT_PUBLIC_LIMITS,
  type PublicLimits,
} from '../../functions/domain/model.ts';
import { generatePassword, hashPassword } from '../../functions/lib/passwords.ts';
import { keys, ownerKeys } from '../../functions/store/records.ts';

export const DEMO_CALLNOW_ID = 'demo';

/** For tests and benchmarks, which call far more often than any visitor: the limits are still counted, never hit. */
export const LOOSE_PUBLIC_LIMITS: PublicLimits = {
  perVisitorAddress: { requests: 1_000_000, windowSeconds: 60 },
  perDestinationNumber: { requests: 1_000_000, windowSeconds: 60 },
  perCallNowId: { requests: 1_000_000, windowSeconds: 60 },
};

export function demoTarget(
  siteId: string,
  adminPasswordHash: string,
  publicLimits: PublicLimits = DEFAULT_PUBLIC_LIMITS,
): CallNowTarget {
  return {
    server: { ...DEFAULT_SERVER_SETTINGS, callApiEnabled: true, adminPasswordHash, publicLimits },
    reseller: { resellerId: 'demo-reseller', name: 'Demo Reseller', callApiManagement: true },
    client: {
      clientId: 'demo-client',
      resellerId: 'demo-reseller',
      name: 'Demo Client',
      callApiManagement: true,
    },
    extension: {
      extensionId: 'demo-101',
      clientId: 'demo-client',
      resellerId: 'demo-reseller',
      number: '101',
      siteId,
      type: 'phone_terminal',
      ownerName: 'Alex Demo',
      callApiManagement: true,
      callApiAccess: true,
      callNow: {
        ...defaultCallNowPreferences(DEMO_CALLNOW_ID),
        allowCalls: true,
        confirm: true,
        askCallerName: true,
        message:
          'Hi! Type your number and press Call: my phone rings, and once I pick up we call you right back.',
      },
    },
  };
}

/** Writes a CallNow ID's whole chain: server settings, reseller, client, extension and the CallNow ID pointer. */
export async function writeTarget(
  documents: DynamoDBDocumentClient,
  tableName: string,
  target: CallNowTarget,
): Promise<void> {
  const { server, reseller, client, extension } = target;
  const { callNowId } = extension.callNow;
  const items = [
    { ...keys.server(), ...server },
    { ...keys.reseller(reseller.resellerId), ...ownerKeys.reseller(reseller.resellerId), ...reseller },
    { ...keys.client(client.clientId), ...ownerKeys.client(client.resellerId, client.clientId), ...client },
    {
      ...keys.extension(extension.extensionId),
      ...ownerKeys.extension(extension.resellerId, extension.clientId, extension.extensionId),
      ...extension,
    },
    {
      ...keys.callNowId(callNowId),
      callNowId,
      extensionId: extension.extensionId,
      clientId: client.clientId,
      resellerId: reseller.resellerId,
    },
  ];
  for (const item of items) await documents.send(new PutCommand({ TableName: tableName, Item: item }));
}

/** Writes the demo records and returns the admin password, which exists nowhere else in clear. */
export async function seedDemo(
  documents: DynamoDBDocumentClient,
  tableName: string,
  siteId: string,
  publicLimits?: PublicLimits,
): Promise<{ username: string; password: string }> {
  const password = generatePassword();
  await writeTarget(documents, tableName, demoTarget(siteId, await hashPassword(password), publicLimits));
  return { username: DEFAULT_ADMIN_USERNAME, password };
}
