// What the management API accepts: strict objects, so an unknown field is a 400 that names it.

import { EXTENSION_NUMBER_PATTERN, hasControlCharacters } from '../../contracts/ami-safe.ts';
import { E164Schema, SiteIdSchema } from '../../contracts/messages.ts';
import * as z from '../../contracts/zod.ts';
import { CHOSEN_CALLNOW_ID_PATTERN, MAX_MESSAGE_LENGTH } from '../domain/callnow-preferences.ts';
import { destinationPolicyFields, LegacyCallingCodesSchema } from '../domain/destination-policy.ts';
import {
  AvailabilitySchema,
  EXTENSION_TYPES,
  PREFERRED_AGENTS,
  type PublicLimitsSchema,
  RequestLimitSchema,
  SubnetLimitSchema,
} from '../domain/model.ts';

const NoControlCharacters = z.onFirstUse(() =>
  z.refine<string>((text) => !hasControlCharacters(text), 'must not hold control characters'),
);
// Names are shown on the public page and in the widget.
const NameSchema = z.onFirstUse(() =>
  z.string().check(z.trim(), z.minLength(1), z.maxLength(100), NoControlCharacters),
);
const IdSchema = z.onFirstUse(() =>
  z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id this API gave out')),
);
// Line breaks are fine in the public message (it is shown as text); other control characters are not.
const MessageSchema = z.onFirstUse(() =>
  z.string().check(
    z.maxLength(MAX_MESSAGE_LENGTH),
    z.refine(
      (message) => !hasControlCharacters(message.replace(/\r?\n/g, ' ')),
      'must not hold control characters other than line breaks',
    ),
  ),
);

const StrictRequestLimitSchema = z.onFirstUse(() => z.strictObject(RequestLimitSchema.shape));
const StrictPublicLimitsSchema = z.onFirstUse(() =>
  z.strictObject({
    perVisitorAddress: StrictRequestLimitSchema,
    perDestinationNumber: StrictRequestLimitSchema,
    perCallNowId: StrictRequestLimitSchema,
  } satisfies Record<keyof typeof PublicLimitsSchema.shape, unknown>),
);
/**
 * Which numbers pages may call; on a client or an extension, null removes its own policy. `allowedCallingCodes` is
 * read for one more release, as the countries that share each code, and the answer says so.
 */
const StrictDestinationPolicySchema = z.onFirstUse(() =>
  z.strictObject({
    ...destinationPolicyFields,
    allowedCallingCodes: LegacyCallingCodesSchema,
  }),
);

export const ResellerCreateSchema = z.onFirstUse(() =>
  z.strictObject({
    name: NameSchema,
    callApiManagement: z.optional(z.boolean()),
  }),
);
export const ResellerPatchSchema = z.onFirstUse(() =>
  z.strictObject({
    name: z.optional(NameSchema),
    callApiManagement: z.optional(z.boolean()),
  }),
);

export const ClientCreateSchema = z.onFirstUse(() =>
  z.strictObject({
    resellerId: IdSchema,
    name: NameSchema,
    callApiManagement: z.optional(z.boolean()),
  }),
);
export const ClientPatchSchema = z.onFirstUse(() =>
  z.strictObject({
    ...ResellerPatchSchema.shape,
    /** Admin only. */
    destinationPolicy: z.optional(z.nullable(StrictDestinationPolicySchema)),
    /** Call events and webhooks carry the visitor's whole number instead of a masked one. */
    fullNumbersInEvents: z.optional(z.boolean()),
  }),
);

const ExtensionNumberSchema = z.onFirstUse(() =>
  z
    .string()
    .check(z.regex(EXTENSION_NUMBER_PATTERN, 'must be an extension number, 1 to 10 digits, e.g. 101')),
);

const extensionFields = {
  number: ExtensionNumberSchema,
  siteId: SiteIdSchema,
  type: z.enum(EXTENSION_TYPES),
  ownerName: NameSchema,
  callApiManagement: z.optional(z.boolean()),
  /** "Call API access" in the Phone Terminal Setup. */
  callApiAccess: z.optional(z.boolean()),
  /** The number the visitor's phone shows when the PBX calls them. */
  visitorCallerId: z.optional(E164Schema),
};
export const ExtensionCreateSchema = z.onFirstUse(() =>
  z.strictObject({ clientId: IdSchema, ...extensionFields }),
);
export const ExtensionPatchSchema = z.onFirstUse(() =>
  z.strictObject({
    number: z.optional(extensionFields.number),
    siteId: z.optional(extensionFields.siteId),
    type: z.optional(extensionFields.type),
    ownerName: z.optional(extensionFields.ownerName),
    callApiManagement: extensionFields.callApiManagement,
    callApiAccess: extensionFields.callApiAccess,
    /** null: back to the site's default. */
    visitorCallerId: z.optional(z.nullable(E164Schema)),
    /** Admin only. */
    destinationPolicy: z.optional(z.nullable(StrictDestinationPolicySchema)),
  }),
);

/** A web origin as browsers send it: https, a host name and an optional port, no path. */
const WidgetOriginSchema = z.onFirstUse(() =>
  z
    .string()
    .check(
      z.trim(),
      z.toLowerCase(),
      z.regex(
        /^https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/,
        'must be an https origin such as https://www.example.com, with no path',
      ),
    ),
);

export const CallNowPreferencesSchema = z.onFirstUse(() =>
  z.strictObject({
    allowCalls: z.boolean(),
    /** Absent: keep the current one. */
    callNowId: z.optional(
      z.string().check(z.regex(CHOSEN_CALLNOW_ID_PATTERN, 'must be 4 to 64 of A-Z, a-z, 0-9, _ and -')),
    ),
    availability: z.nullable(z.strictObject(AvailabilitySchema.shape)),
    notWhileOnPhone: z.boolean(),
    confirm: z.boolean(),
    showName: z.boolean(),
    askCallerName: z.boolean(),
    imageValidation: z.boolean(),
    language: z
      .string()
      .check(z.regex(/^(visitor|[a-z]{2})$/, 'must be a two-letter language code or visitor')),
    message: MessageSchema,
    ringSeconds: z.number().check(z.int(), z.gte(5), z.lte(120)),
    /** Pages on these origins may use the widget (CORS); absent: none. */
    allowedOrigins: z._default(z.array(WidgetOriginSchema).check(z.maxLength(20)), []),
  }),
);

export const CallApiSettingsSchema = z.onFirstUse(() =>
  z.strictObject({
    callApiEnabled: z.boolean(),
    adminUsername: z
      .string()
      .check(z.regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'must be 1 to 64 letters, digits and _ . @ -')),
    password: z.optional(
      z.strictObject({
        current: z.optional(z.string().check(z.maxLength(256))),
        new: z.string().check(z.minLength(12, 'must be at least 12 characters'), z.maxLength(256)),
      }),
    ),
    requestLimit: StrictRequestLimitSchema,
    preferredAgent: z.enum(PREFERRED_AGENTS),
    subnetLimits: z.array(z.strictObject(SubnetLimitSchema.shape)).check(z.maxLength(100)),
    defaultCountry: z.string().check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US')),
    /** Absent: kept as they are. */
    publicLimits: z.optional(StrictPublicLimitsSchema),
    destinationPolicy: z.optional(StrictDestinationPolicySchema),
    callRequestRetentionDays: z.optional(z.number().check(z.int(), z.gte(1), z.lte(3650))),
  }),
);

/** "Permissions and Phone Numbers": the extension numbers and caller IDs a reseller or client holds, whole. */
export const PhoneNumbersSchema = z.onFirstUse(() =>
  z.strictObject({
    extensionRanges: z
      .array(
        z.strictObject({ siteId: SiteIdSchema, first: ExtensionNumberSchema, last: ExtensionNumberSchema }),
      )
      .check(z.maxLength(200)),
    callerIds: z.array(E164Schema).check(z.maxLength(500)),
  }),
);

export const ApiKeyCreateSchema = z.onFirstUse(() =>
  z.strictObject({
    scope: z.strictObject({ level: z.enum(['reseller', 'client', 'extension']), id: IdSchema }),
    label: z.optional(z.string().check(z.maxLength(100), NoControlCharacters)),
  }),
);

export const CallCreateSchema = z.onFirstUse(() =>
  z.strictObject({
    extensionId: IdSchema,
    phoneNumber: z.string().check(z.minLength(1, 'phoneNumber is required'), z.maxLength(64)),
    callerName: z.optional(z.string().check(z.maxLength(200))),
  }),
);

export const PageQuerySchema = z.onFirstUse(() =>
  z.strictObject({
    limit: z.optional(z.string().check(z.regex(/^(100|[1-9]\d?)$/, 'must be 1 to 100'))),
    cursor: z.optional(z.string().check(z.maxLength(2048))),
    resellerId: z.optional(IdSchema),
    clientId: z.optional(IdSchema),
  }),
);
