// The local stack's demo data: Call API on, one reseller, one client, and extension 101 reachable at CallNow ID `demo`.
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CallNowTarget } from '../../functions/domain/model.ts';
import { generatePassword, hashPassword } from '../../functions/lib/passwords.ts';
import { keys } from '../../functions/store/records.ts';

export const DEMO_CALLNOW_ID = 'demo';
export const ADMIN_USERNAME = 'admin';

export function demoTarget(siteId: string, adminPasswordHash: string): CallNowTarget {
  return {
    server: {
      callApiEnabled: true,
      defaultCountry: 'US',
      adminUsername: ADMIN_USERNAME,
      adminPasswordHash,
      preferredAgent: 'none',
    },
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
        allowCalls: true,
        callNowId: DEMO_CALLNOW_ID,
        notWhileOnPhone: false,
        confirm: true,
        showName: true,
        askCallerName: true,
        imageValidation: false,
        language: 'en',
        message:
          'Hi! Type your number and press Call: my phone rings, and once I pick up we call you right back.',
        ringSeconds: 30,
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
    { ...keys.reseller(reseller.resellerId), ...reseller },
    { ...keys.client(client.clientId), ...client },
    { ...keys.extension(extension.extensionId), ...extension },
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
): Promise<{ username: string; password: string }> {
  const password = generatePassword();
  await writeTarget(documents, tableName, demoTarget(siteId, await hashPassword(password)));
  return { username: ADMIN_USERNAME, password };
}
