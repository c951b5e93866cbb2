// The connector's settings, read once from the environment at start; a bad value stops it with the variable's name.

import { CHANNEL_PATTERN, TOKEN_PATTERN } from '../../contracts/ami-safe.ts';
import { E164Schema, SiteIdSchema } from '../../contracts/messages.ts';
import { CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS } from '../../contracts/queue-timing.ts';
import * as z from '../../contracts/zod.ts';
import { LOG_LEVELS, type LogLevel } from './log.ts';

export interface AmiConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
}

export interface ConnectorConfig {
  readonly callRequestsQueueUrl: string;
  readonly callEventsQueueUrl: string;
  readonly siteId: string;
  readonly ami: AmiConnectionConfig;
  /** How to reach an extension, with `{extension}` in place of its number, e.g. `PJSIP/{extension}`. */
  readonly extensionChannelTemplate: string;
  /** How to dial a visitor, with `{number}` (E.164, `+12025550100`) or `{digits}` (`12025550100`). */
  readonly visitorDialTemplate: string;
  /** The dialplan context that the answered extension lands in (see edge-connector/asterisk/). */
  readonly callnowContext: string;
  /** What the visitor's phone shows when the request names no number (E.164, the site's main number). */
  readonly outboundCallerId?: string;
  /**
   * The context of the extensions' `hint` lines, for ExtensionState and ExtensionStatus.
   * @default 'ext-local' (FreePBX)
   */
  readonly extensionHintContext?: string;
  /** Extensions whose presence is reported from the start; any extension a request names is added. */
  readonly presenceExtensions?: readonly string[];
  /**
   * An unchanged presence is sent again this often, so that the cloud (which takes presence older than 300 s as
   * unknown) keeps seeing an owner on a long call as in use.
   * @default DEFAULT_PRESENCE_REFRESH_SECONDS
   */
  readonly presenceRefreshSeconds?: number;
  /** How the process runs (main.ts): not needed to start the loop itself. */
  readonly operations?: OperationsConfig;
}

export interface OperationsConfig {
  /** Where the request journal lives; must survive restarts (systemd: StateDirectory). */
  readonly stateDir: string;
  /** `/healthz` and `/metrics` on 127.0.0.1; undefined: not served. */
  readonly healthPort: number | undefined;
  readonly maxConcurrentCalls: number;
  readonly stopGraceSeconds: number;
  /** The call-requests queue's visibility timeout: each heartbeat extends a held message by this much. */
  readonly visibilityTimeoutSeconds: number;
  /** Added to each safety timer of a call (see call-tracker.ts). */
  readonly safetyMarginSeconds: number;
  /** How long one SQS long poll waits; also the longest a graceful stop waits for the polls to end. */
  readonly receiveWaitSeconds: number;
  readonly logLevel: LogLevel;
}

export class ConnectorConfigError extends Error {
  constructor(
    message: string,
    readonly variables: readonly string[],
  ) {
    super(message);
    this.name = 'ConnectorConfigError';
  }
}

export const DEFAULT_AMI_PORT = 5038;
export const DEFAULT_EXTENSION_CHANNEL_TEMPLATE = 'PJSIP/{extension}';
export const DEFAULT_VISITOR_DIAL_TEMPLATE = 'PJSIP/{number}@trunk';
export const DEFAULT_CALLNOW_CONTEXT = 'callnow';
export const DEFAULT_EXTENSION_HINT_CONTEXT = 'ext-local';
export const DEFAULT_STATE_DIR = '/var/lib/callnow-connector';
export const DEFAULT_HEALTH_PORT = 9478;
export const DEFAULT_MAX_CONCURRENT_CALLS = 10;
export const DEFAULT_STOP_GRACE_SECONDS = 15;
export const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS;
export const DEFAULT_SAFETY_MARGIN_SECONDS = 15;
export const DEFAULT_RECEIVE_WAIT_SECONDS = 20;
/** The cloud takes presence older than 300 s as unknown: a refresh must land well before that, retries included. */
export const DEFAULT_PRESENCE_REFRESH_SECONDS = 120;
export const MAX_PRESENCE_REFRESH_SECONDS = 240;

/** Replaces `{extension}` in the extension channel template. */
export function expandExtensionChannel(template: string, extensionNumber: string): string {
  return template.replaceAll('{extension}', extensionNumber);
}

/** Replaces `{number}` (E.164 with its `+`) and `{digits}` (the same without it) in the visitor dial template. */
export function expandVisitorDial(template: string, visitorPhone: string): string {
  return template
    .replaceAll('{number}', visitorPhone)
    .replaceAll('{digits}', visitorPhone.replace(/^\+/, ''));
}

// Longest values the message schema allows, so a template that passes here expands to a valid dial string for any request.
const LONGEST_EXTENSION = 'x'.repeat(64);
const LONGEST_PHONE = `+1${'2'.repeat(14)}`;

const QueueUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http(s) queue URL' });
const RequiredTextSchema = z.string().check(z.minLength(1, 'is required'));
const ContextSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,79}$/, 'must be a dialplan context name (letters, digits, _ and -)'));

function integerText(min: number, max: number) {
  return z.string().check(
    z.regex(/^\d{1,6}$/, `must be a whole number from ${min} to ${max}`),
    z.refine((value) => Number(value) >= min && Number(value) <= max, `must be from ${min} to ${max}`),
  );
}

const ExtensionListSchema = z.string().check(
  z.refine(
    (value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .every((entry) => TOKEN_PATTERN.test(entry)),
    'must be extension numbers separated by commas, e.g. 101,102',
  ),
);

const ExtensionTemplateSchema = z.string().check(
  z.refine((value) => value.includes('{extension}'), 'must contain {extension}'),
  z.refine(
    (value) => CHANNEL_PATTERN.test(expandExtensionChannel(value, LONGEST_EXTENSION)),
    'must expand to a dial string such as PJSIP/101 (Technology/resource, no spaces or commas)',
  ),
);

const VisitorTemplateSchema = z.string().check(
  z.refine(
    (value) => value.includes('{number}') || value.includes('{digits}'),
    'must contain {number} or {digits}',
  ),
  z.refine(
    (value) => CHANNEL_PATTERN.test(expandVisitorDial(value, LONGEST_PHONE)),
    'must expand to a dial string such as PJSIP/+12025550100@trunk (Technology/resource, no spaces or commas)',
  ),
);

const EnvSchema = z.object({
  CALL_REQUESTS_QUEUE_URL: QueueUrlSchema,
  CALL_EVENTS_QUEUE_URL: QueueUrlSchema,
  SITE_ID: SiteIdSchema,
  AMI_HOST: RequiredTextSchema,
  AMI_PORT: z._default(
    z.string().check(z.regex(/^\d{1,5}$/, 'must be a TCP port number')),
    String(DEFAULT_AMI_PORT),
  ),
  AMI_USERNAME: RequiredTextSchema,
  AMI_SECRET: RequiredTextSchema,
  EXTENSION_CHANNEL_TEMPLATE: z._default(ExtensionTemplateSchema, DEFAULT_EXTENSION_CHANNEL_TEMPLATE),
  VISITOR_DIAL_TEMPLATE: z._default(VisitorTemplateSchema, DEFAULT_VISITOR_DIAL_TEMPLATE),
  CALLNOW_CONTEXT: z._default(ContextSchema, DEFAULT_CALLNOW_CONTEXT),
  OUTBOUND_CALLER_ID: z.optional(E164Schema),
  EXTENSION_HINT_CONTEXT: z._default(ContextSchema, DEFAULT_EXTENSION_HINT_CONTEXT),
  PRESENCE_EXTENSIONS: z.optional(ExtensionListSchema),
  PRESENCE_REFRESH_SECONDS: z._default(
    integerText(10, MAX_PRESENCE_REFRESH_SECONDS),
    String(DEFAULT_PRESENCE_REFRESH_SECONDS),
  ),
  CALLNOW_STATE_DIR: z.optional(z.string().check(z.regex(/^\//, 'must be an absolute path'))),
  // systemd sets it from StateDirectory= (colon-separated when there are several).
  STATE_DIRECTORY: z.optional(z.string()),
  HEALTH_PORT: z._default(integerText(0, 65_535), String(DEFAULT_HEALTH_PORT)),
  MAX_CONCURRENT_CALLS: z._default(integerText(1, 1000), String(DEFAULT_MAX_CONCURRENT_CALLS)),
  STOP_GRACE_SECONDS: z._default(integerText(0, 3600), String(DEFAULT_STOP_GRACE_SECONDS)),
  VISIBILITY_TIMEOUT_SECONDS: z._default(integerText(3, 43_200), String(DEFAULT_VISIBILITY_TIMEOUT_SECONDS)),
  CALL_SAFETY_MARGIN_SECONDS: z._default(integerText(1, 600), String(DEFAULT_SAFETY_MARGIN_SECONDS)),
  RECEIVE_WAIT_SECONDS: z._default(integerText(1, 20), String(DEFAULT_RECEIVE_WAIT_SECONDS)),
  LOG_LEVEL: z._default(z.enum(LOG_LEVELS), 'info'),
});

/**
 * Reads and checks the connector's environment variables. AWS region, endpoint and credentials are not read
 * here: the SDK takes them from its own variables (AWS_REGION, AWS_ENDPOINT_URL_SQS, AWS_PROFILE...).
 * @throws ConnectorConfigError naming every variable that is missing or wrong
 */
export function loadConnectorConfig(env: NodeJS.ProcessEnv): ConnectorConfig {
  // An empty variable (common in systemd EnvironmentFile) means "not set", so its default applies.
  const present = Object.fromEntries(
    Object.entries(env)
      .filter(([, value]) => value !== undefined && value !== '')
      .map(([name, value]) => [name, name === 'LOG_LEVEL' ? value?.toLowerCase() : value]),
  );
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
    }));
    throw new ConnectorConfigError(
      `invalid edge connector configuration: ${problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`,
      problems.map((p) => p.variable),
    );
  }
  const vars = result.data;
  const port = Number(vars.AMI_PORT);
  if (port < 1 || port > 65_535) {
    throw new ConnectorConfigError(
      'invalid edge connector configuration: AMI_PORT must be between 1 and 65535',
      ['AMI_PORT'],
    );
  }
  const healthPort = Number(vars.HEALTH_PORT);
  const stateDir =
    vars.CALLNOW_STATE_DIR ?? vars.STATE_DIRECTORY?.split(':').find((dir) => dir !== '') ?? DEFAULT_STATE_DIR;
  return {
    callRequestsQueueUrl: vars.CALL_REQUESTS_QUEUE_URL,
    callEventsQueueUrl: vars.CALL_EVENTS_QUEUE_URL,
    siteId: vars.SITE_ID,
    ami: { host: vars.AMI_HOST, port, username: vars.AMI_USERNAME, secret: vars.AMI_SECRET },
    extensionChannelTemplate: vars.EXTENSION_CHANNEL_TEMPLATE,
    visitorDialTemplate: vars.VISITOR_DIAL_TEMPLATE,
    callnowContext: vars.CALLNOW_CONTEXT,
    ...(vars.OUTBOUND_CALLER_ID === undefined ? {} : { outboundCallerId: vars.OUTBOUND_CALLER_ID }),
    extensionHintContext: vars.EXTENSION_HINT_CONTEXT,
    presenceExtensions: vars.PRESENCE_EXTENSIONS
      ? [...new Set(vars.PRESENCE_EXTENSIONS.split(',').map((entry) => entry.trim()))]
      : [],
    presenceRefreshSeconds: Number(vars.PRESENCE_REFRESH_SECONDS),
    operations: {
      stateDir,
      healthPort: healthPort === 0 ? undefined : healthPort,
      maxConcurrentCalls: Number(vars.MAX_CONCURRENT_CALLS),
      stopGraceSeconds: Number(vars.STOP_GRACE_SECONDS),
      visibilityTimeoutSeconds: Number(vars.VISIBILITY_TIMEOUT_SECONDS),
      safetyMarginSeconds: Number(vars.CALL_SAFETY_MARGIN_SECONDS),
      receiveWaitSeconds: Number(vars.RECEIVE_WAIT_SECONDS),
      logLevel: vars.LOG_LEVEL,
    },
  };
}
