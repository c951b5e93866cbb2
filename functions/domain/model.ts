// What CallNow stores: the server's Call API settings, the owner chain (reseller -> client -> extension),
// the extension's CallNow preferences, call requests and extension presence. The schemas check records read back.
import { CALL_STATES, FAILURE_REASONS } from '../../contracts/call-states.ts';
import { E164Schema, PRESENCE_STATES } from '../../contracts/messages.ts';
import * as z from '../../contracts/zod.ts';
import { DestinationPolicySchema, defaultDestinationPolicy } from './destination-policy.ts';

export const PREFERRED_AGENTS = ['none', 'isymphony-1.9.0-rev140', 'isymphony-2.0'] as const;
export type PreferredAgent = (typeof PREFERRED_AGENTS)[number];

export const RequestLimitSchema = z.onFirstUse(() =>
  z.object({
    requests: z.number().check(z.int(), z.gte(1), z.lte(1_000_000)),
    windowSeconds: z.number().check(z.int(), z.gte(1), z.lte(86_400)),
  }),
);
export type RequestLimit = z.infer<typeof RequestLimitSchema>;

export const SubnetLimitSchema = z.onFirstUse(() =>
  z.object({
    /** An IPv4 or IPv6 address or network, e.g. `203.0.113.0/24` or `2001:db8::/32`. */
    cidr: z.string(),
    requestsPerMinute: z.number().check(z.int(), z.gte(1), z.lte(1_000_000)),
  }),
);
export type SubnetLimit = z.infer<typeof SubnetLimitSchema>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

/** "Available only in a time interval": the days it starts on, from-to in the extension's time zone; `to` before `from` crosses midnight. */
export const AvailabilitySchema = z.onFirstUse(() =>
  z.object({
    days: z.array(z.enum(WEEKDAYS)).check(z.minLength(1)),
    from: z.string().check(z.regex(TIME_OF_DAY, 'must be HH:MM')),
    to: z.string().check(z.regex(TIME_OF_DAY, 'must be HH:MM')),
    /** An IANA time zone such as `Europe/Bucharest`. */
    timeZone: z.string(),
  }),
);
export type Availability = z.infer<typeof AvailabilitySchema>;

/** The public page's limits, each counted in fixed windows with one atomic update per check. */
export const PublicLimitsSchema = z.onFirstUse(() =>
  z.object({
    /** Requests from one visitor address (IPv6: one /64), all pages together. */
    perVisitorAddress: RequestLimitSchema,
    /** Calls to one phone number, all pages and addresses together. */
    perDestinationNumber: RequestLimitSchema,
    /** Requests on one CallNow page: a burst cap. */
    perCallNowId: RequestLimitSchema,
  }),
);
export type PublicLimits = z.infer<typeof PublicLimitsSchema>;

export const DEFAULT_PUBLIC_LIMITS: PublicLimits = {
  perVisitorAddress: { requests: 5, windowSeconds: 600 },
  perDestinationNumber: { requests: 3, windowSeconds: 3600 },
  perCallNowId: { requests: 30, windowSeconds: 60 },
};

export const DEFAULT_CALL_REQUEST_RETENTION_DAYS = 30;

export const ServerSettingsSchema = z.onFirstUse(() =>
  z.object({
    /** The server-wide Call API switch. */
    callApiEnabled: z.boolean(),
    /** ISO 3166-1 alpha-2; used to read phone numbers typed without a country code. */
    defaultCountry: z.string().check(z.regex(/^[A-Z]{2}$/)),
    adminUsername: z.string(),
    /** scrypt hash; with none set the admin account cannot be used. */
    adminPasswordHash: z.optional(z.string()),
    preferredAgent: z.enum(PREFERRED_AGENTS),
    /** "Accept at most {requests} requests from a user in {windowSeconds} seconds". */
    requestLimit: z._default(RequestLimitSchema, { requests: 100, windowSeconds: 60 }),
    /** "Subnet or IP address {cidr} limit {requestsPerMinute} requests / 60 seconds"; the most specific match applies. */
    subnetLimits: z._default(z.array(SubnetLimitSchema), []),
    publicLimits: z._default(PublicLimitsSchema, DEFAULT_PUBLIC_LIMITS),
    /** Which numbers a page may call; clients and extensions may carry their own, which then wins whole. */
    destinationPolicy: z._default(DestinationPolicySchema, defaultDestinationPolicy),
    /** Call requests are deleted (DynamoDB TTL) this many days after they expire. */
    callRequestRetentionDays: z._default(
      z.number().check(z.int(), z.gte(1), z.lte(3650)),
      DEFAULT_CALL_REQUEST_RETENTION_DAYS,
    ),
  }),
);
export type ServerSettings = z.infer<typeof ServerSettingsSchema>;

/** CallNow IDs are unique regardless of case: records are keyed, and IDs compared, in this form; pages keep the owner's spelling. */
export function callNowKey(callNowId: string): string {
  return callNowId.toLowerCase();
}

/**
 * Extension numbers `first` to `last` of a site, both of one length (`300` to `399`): `0300` is another number
 * on a PBX, so a range never mixes lengths.
 */
export const ExtensionRangeSchema = z.onFirstUse(() =>
  z.object({ siteId: z.string(), first: z.string(), last: z.string() }),
);
export type ExtensionRange = z.infer<typeof ExtensionRangeSchema>;

/** A range of a site's numbers the admin handed to a reseller, or (with `clientId`) the reseller to a client. */
export const SiteAllocationSchema = z.onFirstUse(() =>
  z.object({
    first: z.string(),
    last: z.string(),
    resellerId: z.string(),
    clientId: z.optional(z.string()),
  }),
);
export type SiteAllocation = z.infer<typeof SiteAllocationSchema>;

/**
 * A PBX site, made by the stack's `sites` context (the local stack has `hq`). It records which of its extension
 * numbers belong to whom, all in one item, so that one conditional write keeps ranges from overlapping.
 */
export const SiteSchema = z.onFirstUse(() =>
  z.object({
    siteId: z.string(),
    allocations: z._default(z.array(SiteAllocationSchema), []),
    /** Counts the writes of `allocations`; each write is conditional on the one it read. */
    revision: z._default(z.number(), 0),
  }),
);
export type Site = z.infer<typeof SiteSchema>;

export const ResellerSchema = z.onFirstUse(() =>
  z.object({
    resellerId: z.string(),
    name: z.string(),
    /** The "Call API Management" permission. */
    callApiManagement: z.boolean(),
    /** The caller IDs (the seed's "Phone Numbers", E.164 DIDs) the admin gave this reseller. */
    callerIds: z._default(z.array(z.string()), []),
  }),
);
export type Reseller = z.infer<typeof ResellerSchema>;

export const ClientSchema = z.onFirstUse(() =>
  z.object({
    clientId: z.string(),
    resellerId: z.string(),
    name: z.string(),
    callApiManagement: z.boolean(),
    /** The caller IDs its reseller handed down; an extension shows visitors one of these or the site's default. */
    callerIds: z._default(z.array(z.string()), []),
    /** Overrides the server's destination policy for the client's extensions; null or absent: the server's. */
    destinationPolicy: z.optional(z.nullable(DestinationPolicySchema)),
    /** Call events (EventBridge, webhooks) carry the visitor's whole number; absent: masked. */
    fullNumbersInEvents: z.optional(z.boolean()),
  }),
);
export type Client = z.infer<typeof ClientSchema>;

export const EXTENSION_TYPES = [
  'phone_terminal',
  'queue',
  'ivr',
  'voicemail',
  'conference',
  'callback',
  'calling_card',
  'intercom',
  'queue_center',
] as const;
export type ExtensionType = (typeof EXTENSION_TYPES)[number];

export const CallNowPreferencesSchema = z.onFirstUse(() =>
  z.object({
    /** "Allow people to call me". */
    allowCalls: z.boolean(),
    callNowId: z.string(),
    /** "Do not allow people to contact me while I am on the phone". */
    notWhileOnPhone: z.boolean(),
    /** The owner presses 0 before the visitor is dialled. */
    confirm: z.boolean(),
    showName: z.boolean(),
    askCallerName: z.boolean(),
    imageValidation: z.boolean(),
    /** A language code, or `visitor` for the visitor's choice. */
    language: z.string(),
    message: z.string(),
    /** How long the extension, and then the visitor, are rung. */
    ringSeconds: z.number().check(z.int(), z.gte(5), z.lte(120)),
    /** When people may call; null: at any time. */
    availability: z._default(z.nullable(AvailabilitySchema), null),
    /** Web origins (`https://host[:port]`) whose pages may use the CallNow widget's JSON calls (CORS); none by default. */
    allowedOrigins: z._default(z.array(z.string()), []),
  }),
);
export type CallNowPreferences = z.infer<typeof CallNowPreferencesSchema>;

export const ExtensionSchema = z.onFirstUse(() =>
  z.object({
    extensionId: z.string(),
    clientId: z.string(),
    resellerId: z.string(),
    /** The number dialled on the PBX, e.g. `101`: digits only (EXTENSION_NUMBER_PATTERN) for records written now. */
    number: z.string(),
    /** The PBX site whose connector serves this extension. */
    siteId: z.string(),
    type: z.enum(EXTENSION_TYPES),
    ownerName: z.string(),
    callApiManagement: z.boolean(),
    /** "Call API access" in the Phone Terminal Setup. */
    callApiAccess: z.boolean(),
    /**
     * What the visitor's phone shows when the PBX calls them (E.164), one of the client's caller IDs; the site's
     * default when absent or no longer the client's.
     */
    visitorCallerId: z.optional(E164Schema),
    /** Overrides the client's and the server's destination policy; null or absent: theirs. */
    destinationPolicy: z.optional(z.nullable(DestinationPolicySchema)),
    callNow: CallNowPreferencesSchema,
  }),
);
export type Extension = z.infer<typeof ExtensionSchema>;

/** Everything a public CallNow request needs, loaded together. */
export interface CallNowTarget {
  readonly server: ServerSettings;
  readonly reseller: Reseller;
  readonly client: Client;
  readonly extension: Extension;
  /** Image validation is forced on for this CallNow ID until then, because its limits kept tripping. */
  readonly shieldedUntil?: string;
}

export const CallRequestSchema = z.onFirstUse(() =>
  z.object({
    requestId: z.string(),
    callNowId: z.string(),
    extensionId: z.string(),
    /** The extension's number on its site when the request was made, for the call events (absent on older requests). */
    extensionNumber: z.optional(z.string()),
    siteId: z.string(),
    /** The owners, for the call events (absent on requests made before them). */
    clientId: z.optional(z.string()),
    resellerId: z.optional(z.string()),
    /** The client's choice when the request was made: its call events carry the visitor's whole number. */
    fullNumberInEvents: z.optional(z.boolean()),
    status: z.enum(CALL_STATES),
    reason: z.optional(z.enum(FAILURE_REASONS)),
    /** E.164. */
    visitorPhone: z.string(),
    visitorName: z.optional(z.string()),
    createdAt: z.string(),
    /** Not dialled after this instant. */
    expiresAt: z.string(),
    /** When each state was reached. */
    statusTimes: z.partialRecord(z.enum(CALL_STATES), z.string()),
  }),
);
export type CallRequest = z.infer<typeof CallRequestSchema>;

export const ExtensionPresenceRecordSchema = z.onFirstUse(() =>
  z.object({
    siteId: z.string(),
    extension: z.string(),
    state: z.enum(PRESENCE_STATES),
    at: z.string(),
  }),
);
export type ExtensionPresenceRecord = z.infer<typeof ExtensionPresenceRecordSchema>;
