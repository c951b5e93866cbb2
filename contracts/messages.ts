// The messages between the cloud and the edge connector. Both sides validate with these schemas.

import {
  CHANNEL_PATTERN,
  E164_PATTERN,
  EXTENSION_NUMBER_PATTERN,
  hasControlCharacters,
  MAX_CALLER_NAME_LENGTH,
  TOKEN_PATTERN,
} from './ami-safe.ts';
import { FAILURE_REASONS, REPORTED_STATES } from './call-states.ts';
import * as z from './zod.ts';

export const WIRE_VERSION = 1;

const TokenSchema = z.onFirstUse(() =>
  z.string().check(z.regex(TOKEN_PATTERN, 'must be letters, digits, and _ . * # - (at most 64)')),
);
const AmiTextSchema = z.onFirstUse(() =>
  z.string().check(
    z.maxLength(MAX_CALLER_NAME_LENGTH),
    z.refine(
      (value) => !hasControlCharacters(value) && !/["<>]/.test(value),
      'must not hold control characters or quotes',
    ),
  ),
);
const TimestampSchema = z.onFirstUse(() => z.iso.datetime());

const FailureReasonSchema = z.onFirstUse(() => z.enum(FAILURE_REASONS));
export const SiteIdSchema = z.onFirstUse(() =>
  z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and -')),
);
export const RequestIdSchema = TokenSchema;
/** An extension as the PBX reports it (presence): whatever its hints name. */
export const ExtensionNumberSchema = TokenSchema;
/** An extension CallNow rings: digits only. */
export const DialledExtensionNumberSchema = z.onFirstUse(() =>
  z.string().check(z.regex(EXTENSION_NUMBER_PATTERN, 'must be an extension number, 1 to 10 digits')),
);
export const E164Schema = z.onFirstUse(() =>
  z.string().check(z.regex(E164_PATTERN, 'must be an E.164 number such as +12025550100')),
);

export const CallRequestedSchema = z.onFirstUse(() =>
  z.strictObject({
    v: z.literal(WIRE_VERSION),
    type: z.literal('call.requested'),
    requestId: RequestIdSchema,
    siteId: SiteIdSchema,
    extension: z.strictObject({
      number: DialledExtensionNumberSchema,
      channel: z.optional(z.string().check(z.regex(CHANNEL_PATTERN))),
    }),
    visitor: z.strictObject({
      phone: E164Schema,
      name: z.optional(AmiTextSchema),
    }),
    confirm: z.boolean(),
    notWhileOnPhone: z.boolean(),
    ringSeconds: z.number().check(z.int(), z.gte(5), z.lte(120)),
    callerIdName: AmiTextSchema,
    /** What the visitor's phone shows: the extension's or site's number, never theirs. Absent: the site default. */
    visitorCallerId: z.optional(E164Schema),
    createdAt: TimestampSchema,
    expiresAt: TimestampSchema,
  }),
);
export type CallRequested = z.infer<typeof CallRequestedSchema>;

/**
 * The cloud asks the connector not to dial a request (cloud -> connector, on the same queue). Only the connector
 * knows whether it already dialled: it reports `failed/rejected` if it had not, and ignores this if it had.
 */
export const CallCancelledSchema = z.onFirstUse(() =>
  z.strictObject({
    v: z.literal(WIRE_VERSION),
    type: z.literal('call.cancelled'),
    requestId: RequestIdSchema,
    siteId: SiteIdSchema,
    at: TimestampSchema,
  }),
);
export type CallCancelled = z.infer<typeof CallCancelledSchema>;

/** What the cloud sends on a site's call-requests queue. */
export const SiteQueueMessageSchema = z.onFirstUse(() =>
  z.discriminatedUnion('type', [CallRequestedSchema, CallCancelledSchema]),
);
export type SiteQueueMessage = z.infer<typeof SiteQueueMessageSchema>;

export const CallStatusSchema = z.onFirstUse(() =>
  z
    .strictObject({
      v: z.literal(WIRE_VERSION),
      type: z.literal('call.status'),
      requestId: RequestIdSchema,
      siteId: SiteIdSchema,
      status: z.enum(REPORTED_STATES),
      reason: z.optional(FailureReasonSchema),
      at: TimestampSchema,
    })
    .check(
      z.refine((message) => (message.status === 'failed') === (message.reason !== undefined), {
        message: 'reason is required with status failed, and only then',
        path: ['reason'],
      }),
    ),
);
export type CallStatus = z.infer<typeof CallStatusSchema>;

export const PRESENCE_STATES = ['idle', 'ringing', 'in_use', 'unavailable'] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];

export const ExtensionPresenceSchema = z.onFirstUse(() =>
  z.strictObject({
    v: z.literal(WIRE_VERSION),
    type: z.literal('extension.presence'),
    siteId: SiteIdSchema,
    extension: ExtensionNumberSchema,
    state: z.enum(PRESENCE_STATES),
    at: TimestampSchema,
  }),
);
export type ExtensionPresence = z.infer<typeof ExtensionPresenceSchema>;

/** What the connector sends on the call-events queue. */
export const CallEventSchema = z.onFirstUse(() =>
  z.discriminatedUnion('type', [CallStatusSchema, ExtensionPresenceSchema]),
);
export type CallEvent = z.infer<typeof CallEventSchema>;

export type WireParseResult<T> = { ok: true; message: T } | { ok: false; problem: string };

/** Parses a message body (a JSON string) with one of the schemas above; never throws. */
export function parseWireMessage<T>(schema: z.ZodMiniType<T>, body: string): WireParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'body is not JSON' };
  }
  const result = schema.safeParse(json);
  return result.success
    ? { ok: true, message: result.data }
    : { ok: false, problem: z.prettifyError(result.error) };
}
