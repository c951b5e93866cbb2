// Where each record lives in the one table.
import * as z from '../../contracts/zod.ts';

export const keys = {
  server: () => ({ pk: 'SERVER', sk: 'SETTINGS' }),
  reseller: (resellerId: string) => ({ pk: `RESELLER#${resellerId}`, sk: 'RESELLER' }),
  client: (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' }),
  extension: (extensionId: string) => ({ pk: `EXTENSION#${extensionId}`, sk: 'EXTENSION' }),
  callNowId: (callNowId: string) => ({ pk: `CALLNOW#${callNowId}`, sk: 'CALLNOW' }),
  callRequest: (requestId: string) => ({ pk: `REQUEST#${requestId}`, sk: 'REQUEST' }),
  presence: (siteId: string, extension: string) => ({
    pk: `PRESENCE#${siteId}#${extension}`,
    sk: 'PRESENCE',
  }),
  apiKey: (keyId: string) => ({ pk: `APIKEY#${keyId}`, sk: 'APIKEY' }),
  /** A CAPTCHA challenge of the public page: written when shown, deleted when answered. */
  captcha: (challengeId: string) => ({ pk: `CAPTCHA#${challengeId}`, sk: 'CAPTCHA' }),
  /** A fixed-window counter: one item per subject and window. */
  counter: (subject: string, windowStart: number) => ({ pk: `COUNTER#${subject}`, sk: String(windowStart) }),
};

/**
 * The owner index (`byOwner`): resellers under one key; a reseller's clients; a reseller's extensions sorted by
 * client, so one query lists a reseller's extensions and a `begins_with` narrows them to one client's.
 */
export const ownerKeys = {
  reseller: (resellerId: string) => ({ ownerPk: 'RESELLERS', ownerSk: resellerId }),
  client: (resellerId: string, clientId: string) => ({
    ownerPk: `RESELLER#${resellerId}#CLIENTS`,
    ownerSk: clientId,
  }),
  extension: (resellerId: string, clientId: string, extensionId: string) => ({
    ownerPk: `RESELLER#${resellerId}#EXTENSIONS`,
    ownerSk: `${clientId}#${extensionId}`,
  }),
  apiKey: (keyId: string) => ({ ownerPk: 'APIKEYS', ownerSk: keyId }),
};

/** The CallNow ID item points at the extension and its owners, so the page loads the chain in one batch. */
export const CallNowIdRecordSchema = z.object({
  callNowId: z.string(),
  extensionId: z.string(),
  clientId: z.string(),
  resellerId: z.string(),
  /** When this pointer was written: a pointer its extension does not confirm is reclaimable once it is old. */
  claimedAt: z.optional(z.string()),
});

/** Call requests are kept this long after they expire, then DynamoDB's TTL removes them. */
export const CALL_REQUEST_RETENTION_SECONDS = 30 * 24 * 3600;
