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
import { DynamoManagementStore } from '../../functions/store/dynamo-management-store.ts';
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
    reseller: { resellerId: 'demo-reseller', name: 'Demo Reseller', callApiManagement: true, callerIds: [] },
    client: {
      clientId: 'demo-client',
      resellerId: 'demo-reseller',
      name: 'Demo Client',
      callApiManagement: true,
      callerIds: [],
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

/**
 * Writes a CallNow ID's whole chain: server settings, reseller, client, extension, the CallNow ID pointer and the
 * extension's number claim.
 */
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
    {
      ...keys.extensionNumber(extension.siteId, extension.number),
      siteId: extension.siteId,
      number: extension.number,
      extensionId: extension.extensionId,
      clientId: client.clientId,
      resellerId: reseller.resellerId,
      claimedAt: new Date().toISOString(),
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
  const target = demoTarget(siteId, await hashPassword(password), publicLimits);
  await writeTarget(documents, tableName, target);
  await giveDemoNumbers(new DynamoManagementStore(documents, tableName, { siteIds: [siteId] }), target);
  return { username: DEFAULT_ADMIN_USERNAME, password };
}

/** The demo reseller holds the site's 100-199 and hands them all to the demo client: extensions 101-199 are theirs. */
async function giveDemoNumbers(store: DynamoManagementStore, { reseller, client, extension }: CallNowTarget) {
  const site = await store.getSite(extension.siteId);
  if (!site || site.allocations.length > 0) return;
  const numbers = { first: '100', last: '199', resellerId: reseller.resellerId };
  await store.putSiteAllocations({
    ...site,
    allocations: [numbers, { ...numbers, clientId: client.clientId }],
  });
}
