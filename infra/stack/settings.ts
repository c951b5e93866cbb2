// The optional deployment settings, read from CDK context (cdk.json, or `-c key=value` on the command line) and
// checked before anything is built, so a mistake is one clear sentence rather than a failed deployment.

export class InvalidContextError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidContextError';
  }
}

/** The context keys an operator may set besides `sites`. README.md ("Deploy to AWS") documents each. */
export const SETTING_KEYS = [
  'alarmEmail',
  'alarmTopicArn',
  'domainName',
  'certificateArn',
  'waf',
  'wafRateLimit',
  'wafWebAclArn',
  'publicReservedConcurrency',
  'callRequestsPerSecond',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Where alarm notifications go: a topic the stack creates with an email subscription, or the operator's own. */
export type AlarmNotifications =
  | { readonly kind: 'email'; readonly email: string }
  | { readonly kind: 'topic'; readonly topicArn: string };

export interface CustomDomain {
  readonly domainName: string;
  /** An ACM certificate for domainName: in the stack's region, or in us-east-1 when the WAF is on (CloudFront). */
  readonly certificateArn: string;
}

export interface WafSettings {
  /** Requests one IP address may make in any 5 minutes before the web ACL blocks it. */
  readonly rateLimitPer5Minutes: number;
  /** A CloudFront-scope web ACL to use instead of creating one (needed when the stack is not in us-east-1). */
  readonly webAclArn?: string;
}

export interface CallNowSettings {
  readonly alarmNotifications?: AlarmNotifications;
  readonly customDomain?: CustomDomain;
  readonly waf?: WafSettings;
  /** Reserved concurrency of the public function; undefined leaves it unreserved. */
  readonly publicReservedConcurrency?: number;
  /** API Gateway's steady-state limit on `POST /callnow/{callNowId}/requests`, for all sites together. */
  readonly callRequestsPerSecond: number;
}

/** 300 per 5 minutes is one request a second: far above one visitor (a page, a POST, ~10 status polls). */
export const DEFAULT_WAF_RATE_LIMIT_PER_5_MINUTES = 300;
/** Five new calls a second, 18,000 an hour, for all sites: more than a PBX answers, less than a flood. */
export const DEFAULT_CALL_REQUESTS_PER_SECOND = 5;

const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const SNS_TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const DOMAIN_NAME_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN_PATTERN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const CLOUDFRONT_WEB_ACL_ARN_PATTERN =
  /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[0-9a-f-]{36}$/;

type ReadContext = (key: SettingKey) => unknown;

/** Reads and checks every setting; throws InvalidContextError naming the key and what it expects. */
export function parseSettings(read: ReadContext): CallNowSettings {
  const alarmNotifications = parseAlarmNotifications(read);
  const customDomain = parseCustomDomain(read);
  const waf = parseWaf(read);
  if (waf && customDomain && certificateRegion(customDomain.certificateArn) !== 'us-east-1') {
    throw new InvalidContextError(
      'With "waf": true the domain is served by CloudFront, which takes certificates from us-east-1 only: ' +
        'request the certificate for it there and set that "certificateArn".',
    );
  }
  const publicReservedConcurrency = optionalInteger(read, 'publicReservedConcurrency', 1, 1000);
  const callRequestsPerSecond =
    optionalNumber(read, 'callRequestsPerSecond', 0.1, 10_000) ?? DEFAULT_CALL_REQUESTS_PER_SECOND;
  return {
    ...(alarmNotifications === undefined ? {} : { alarmNotifications }),
    ...(customDomain === undefined ? {} : { customDomain }),
    ...(waf === undefined ? {} : { waf }),
    ...(publicReservedConcurrency === undefined ? {} : { publicReservedConcurrency }),
    callRequestsPerSecond,
  };
}

function parseAlarmNotifications(read: ReadContext): AlarmNotifications | undefined {
  const email = optionalString(read, 'alarmEmail', EMAIL_PATTERN, 'an email address');
  const topicArn = optionalString(read, 'alarmTopicArn', SNS_TOPIC_ARN_PATTERN, 'the ARN of an SNS topic');
  if (email !== undefined && topicArn !== undefined) {
    throw new InvalidContextError(
      'Set "alarmEmail" or "alarmTopicArn", not both: to add an address to your own topic, subscribe it there.',
    );
  }
  if (email !== undefined) return { kind: 'email', email };
  if (topicArn !== undefined) return { kind: 'topic', topicArn };
  return undefined;
}

function parseCustomDomain(read: ReadContext): CustomDomain | undefined {
  const domainName = optionalString(read, 'domainName', DOMAIN_NAME_PATTERN, 'a lower-case DNS name');
  const certificateArn = optionalString(
    read,
    'certificateArn',
    CERTIFICATE_ARN_PATTERN,
    'the ARN of an ACM certificate',
  );
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new InvalidContextError(
      'Set "domainName" and "certificateArn" together: the API is served on the domain with that certificate.',
    );
  }
  return domainName === undefined || certificateArn === undefined
    ? undefined
    : { domainName, certificateArn };
}

function parseWaf(read: ReadContext): WafSettings | undefined {
  const enabled = optionalBoolean(read, 'waf') ?? false;
  const rateLimit = optionalInteger(read, 'wafRateLimit', 10, 2_000_000_000);
  const webAclArn = optionalString(
    read,
    'wafWebAclArn',
    CLOUDFRONT_WEB_ACL_ARN_PATTERN,
    'the ARN of a CloudFront-scope (global, us-east-1) WAF web ACL',
  );
  if (!enabled) {
    if (rateLimit !== undefined || webAclArn !== undefined) {
      throw new InvalidContextError('"wafRateLimit" and "wafWebAclArn" apply only with "waf": true.');
    }
    return undefined;
  }
  if (rateLimit !== undefined && webAclArn !== undefined) {
    throw new InvalidContextError(
      'Set "wafRateLimit" or "wafWebAclArn", not both: the rate limit is a rule of the web ACL the stack creates.',
    );
  }
  return {
    rateLimitPer5Minutes: rateLimit ?? DEFAULT_WAF_RATE_LIMIT_PER_5_MINUTES,
    ...(webAclArn === undefined ? {} : { webAclArn }),
  };
}

/** arn:aws:acm:<region>:<account>:certificate/<id> */
function certificateRegion(certificateArn: string): string | undefined {
  return certificateArn.split(':')[3];
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function optionalString(read: ReadContext, key: SettingKey, pattern: RegExp, expected: string) {
  const value = read(key);
  if (isUnset(value)) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new InvalidContextError(`"${key}" must be ${expected}; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** `-c key=value` always gives a string, so "true" and "20" are read as cdk.json's true and 20. */
function optionalBoolean(read: ReadContext, key: SettingKey): boolean | undefined {
  const value = read(key);
  if (isUnset(value)) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new InvalidContextError(`"${key}" must be true or false; got ${JSON.stringify(value)}.`);
}

function optionalNumber(read: ReadContext, key: SettingKey, min: number, max: number, integer = false) {
  const value = read(key);
  if (isUnset(value)) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (
    typeof number !== 'number' ||
    !Number.isFinite(number) ||
    (integer && !Number.isInteger(number)) ||
    number < min ||
    number > max
  ) {
    const kind = integer ? 'a whole number' : 'a number';
    throw new InvalidContextError(
      `"${key}" must be ${kind} from ${min} to ${max.toLocaleString('en-US')}; got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}

function optionalInteger(read: ReadContext, key: SettingKey, min: number, max: number) {
  return optionalNumber(read, key, min, max, true);
}
