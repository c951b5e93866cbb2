// Where each record lives in the one table.
import * as z from '../../contracts/zod.ts';
import { callNowKey } from '../domain/model.ts';

/** The table's key schema and its one index, as the CDK stack and the local stack create them. */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes the item some time after it. Code never relies on when. */
  timeToLiveAttribute: 'ttl',
  ownerIndex: { name: 'byOwner', partitionKey: 'ownerPk', sortKey: 'ownerSk' },
} as const;

export const keys = {
  server: () => ({ pk: 'SERVER', sk: 'SETTINGS' }),
  reseller: (resellerId: string) => ({ pk: `RESELLER#${resellerId}`, sk: 'RESELLER' }),
  client: (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' }),
  extension: (extensionId: string) => ({ pk: `EXTENSION#${extensionId}`, sk: 'EXTENSION' }),
  /** Keyed by the ID's lower-case form, so that `Demo` and `demo` are one ID. */
  callNowId: (callNowId: string) => ({ pk: `CALLNOW#${callNowKey(callNowId)}`, sk: 'CALLNOW' }),
  site: (siteId: string) => ({ pk: `SITE#${siteId}`, sk: 'SITE' }),
  /**
   * Who holds an extension number on a site. A site's numbers share a partition, sorted by length then number,
   * so that the numbers of a range are one Query.
   */
  extensionNumber: (siteId: string, number: string) => ({
    pk: `EXTNUM#${siteId}`,
    sk: extensionNumberSortKey(number),
  }),
  callRequest: (requestId: string) => ({ pk: `REQUEST#${requestId}`, sk: 'REQUEST' }),
  presence: (siteId: string, extension: string) => ({
    pk: `PRESENCE#${siteId}#${extension}`,
    sk: 'PRESENCE',
  }),
  apiKey: (keyId: string) => ({ pk: `APIKEY#${keyId}`, sk: 'APIKEY' }),
  login: (username: string) => ({ pk: `LOGIN#${username}`, sk: 'LOGIN' }),
  /** A console session, by the SHA-256 of its id: the table never holds a session id that works. */
  session: (sessionKey: string) => ({ pk: `SESSION#${sessionKey}`, sk: 'SESSION' }),
  /** A CAPTCHA challenge of the public page: written when shown, deleted when answered. */
  captcha: (challengeId: string) => ({ pk: `CAPTCHA#${challengeId}`, sk: 'CAPTCHA' }),
  /** Image validation forced on for a CallNow ID under attack; read with the page's chain. */
  shield: (callNowId: string) => ({ pk: `SHIELD#${callNowKey(callNowId)}`, sk: 'SHIELD' }),
  /** Which request holds a destination number (one call in progress per number). */
  destinationHold: (phone: string) => ({ pk: `HOLD#${phone}`, sk: 'HOLD' }),
  /** The key that signs the public form's CSRF tokens; made at first use, so it is in no template. */
  formSigningKey: () => ({ pk: 'SERVER', sk: 'FORMKEY' }),
  /** A fixed-window counter: one item per subject and window. */
  counter: (subject: string, windowStart: number) => ({ pk: `COUNTER#${subject}`, sk: String(windowStart) }),
};

/** `03#305`: numbers of one length sort as numbers, and a range is one `BETWEEN`. */
export function extensionNumberSortKey(number: string): string {
  return `${String(number.length).padStart(2, '0')}#${number}`;
}

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
  /** An extension's call requests, oldest first by when they were made. */
  callRequest: (extensionId: string, createdAt: string, requestId: string) => ({
    ownerPk: `EXTENSION#${extensionId}#CALLS`,
    ownerSk: `${createdAt}#${requestId}`,
  }),
  /** A node's logins: `LOGINS#client#<clientId>`. */
  login: (level: string, id: string, username: string) => ({
    ownerPk: `LOGINS#${level}#${id}`,
    ownerSk: username,
  }),
};

export const ExtensionNumberRecordSchema = z.onFirstUse(() =>
  z.object({
    siteId: z.string(),
    number: z.string(),
    extensionId: z.string(),
    clientId: z.string(),
    resellerId: z.string(),
    claimedAt: z.string(),
  }),
);

/** Where an API key or a console login sits in the owner tree. */
export const ScopeSchema = z.onFirstUse(() =>
  z.discriminatedUnion('level', [
    z.object({ level: z.literal('reseller'), resellerId: z.string() }),
    z.object({ level: z.literal('client'), resellerId: z.string(), clientId: z.string() }),
    z.object({
      level: z.literal('extension'),
      resellerId: z.string(),
      clientId: z.string(),
      extensionId: z.string(),
    }),
  ]),
);

export const LoginRecordSchema = z.onFirstUse(() =>
  z.object({
    username: z.string(),
    scope: ScopeSchema,
    passwordHash: z.string(),
    createdAt: z.string(),
  }),
);

/** The CallNow ID item points at the extension and its owners, so the page loads the chain in one batch. */
export const CallNowIdRecordSchema = z.onFirstUse(() =>
  z.object({
    callNowId: z.string(),
    extensionId: z.string(),
    clientId: z.string(),
    resellerId: z.string(),
    /** When this pointer was written: a pointer its extension does not confirm is reclaimable once it is old. */
    claimedAt: z.optional(z.string()),
  }),
);

export const ShieldRecordSchema = z.onFirstUse(() => z.object({ callNowId: z.string(), until: z.string() }));

export const DestinationHoldRecordSchema = z.onFirstUse(() =>
  z.object({
    phone: z.string(),
    requestId: z.string(),
    callNowId: z.string(),
    requester: z.optional(z.string()),
    heldAt: z.string(),
  }),
);
