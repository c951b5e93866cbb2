// The optional deployment settings in CDK context: which values the app accepts, and what an operator is told.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/stack/callnow-function.ts';
import {
  DEFAULT_CALL_REQUESTS_PER_SECOND,
  DEFAULT_WAF_RATE_LIMIT_PER_5_MINUTES,
  InvalidContextError,
  parseSettings,
  type SettingKey,
} from '../../infra/stack/settings.ts';

const execFileAsync = promisify(execFile);

const CERTIFICATE_US_EAST_1 =
  'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const CERTIFICATE_EU_WEST_1 =
  'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const WEB_ACL =
  'arn:aws:wafv2:us-east-1:123456789012:global/webacl/callnow/12345678-1234-1234-1234-123456789012';

const parse = (context: Partial<Record<SettingKey, unknown>>) => parseSettings((key) => context[key]);

describe('parseSettings', () => {
  it('turns every option off when the context sets none, with the default call-request rate', () => {
    expect(parse({})).toEqual({ callRequestsPerSecond: DEFAULT_CALL_REQUESTS_PER_SECOND });
    expect(parse({ waf: false, alarmEmail: '' })).toEqual({
      callRequestsPerSecond: DEFAULT_CALL_REQUESTS_PER_SECOND,
    });
  });

  it('reads cdk.json values and the strings `cdk -c key=value` passes alike', () => {
    const fromJson = parse({
      waf: true,
      wafRateLimit: 500,
      publicReservedConcurrency: 20,
      callRequestsPerSecond: 2,
    });
    const fromCli = parse({
      waf: 'true',
      wafRateLimit: '500',
      publicReservedConcurrency: '20',
      callRequestsPerSecond: '2',
    });
    expect(fromCli).toEqual(fromJson);
    expect(fromJson).toEqual({
      waf: { rateLimitPer5Minutes: 500 },
      publicReservedConcurrency: 20,
      callRequestsPerSecond: 2,
    });
  });

  it('sends alarms to an email address through a new topic, or to an existing topic', () => {
    expect(parse({ alarmEmail: 'ops@example.com' }).alarmNotifications).toEqual({
      kind: 'email',
      email: 'ops@example.com',
    });
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:pbx-alarms';
    expect(parse({ alarmTopicArn: topicArn }).alarmNotifications).toEqual({ kind: 'topic', topicArn });
  });

  it('takes a custom domain with its certificate, and a WAF with its default rate or an existing web ACL', () => {
    expect(
      parse({ domainName: 'call.example.com', certificateArn: CERTIFICATE_EU_WEST_1 }).customDomain,
    ).toEqual({
      domainName: 'call.example.com',
      certificateArn: CERTIFICATE_EU_WEST_1,
    });
    expect(parse({ waf: true }).waf).toEqual({ rateLimitPer5Minutes: DEFAULT_WAF_RATE_LIMIT_PER_5_MINUTES });
    expect(parse({ waf: true, wafWebAclArn: WEB_ACL }).waf).toEqual({
      rateLimitPer5Minutes: DEFAULT_WAF_RATE_LIMIT_PER_5_MINUTES,
      webAclArn: WEB_ACL,
    });
  });

  it.each([
    [
      'an alarm email that is no address',
      { alarmEmail: 'ops' },
      '"alarmEmail" must be an email address; got "ops".',
    ],
    [
      'both alarm targets',
      { alarmEmail: 'ops@example.com', alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:t' },
      'Set "alarmEmail" or "alarmTopicArn", not both',
    ],
    [
      'an alarm topic that is no SNS ARN',
      { alarmTopicArn: 'pbx-alarms' },
      '"alarmTopicArn" must be the ARN of an SNS topic',
    ],
    [
      'a domain without a certificate',
      { domainName: 'call.example.com' },
      'Set "domainName" and "certificateArn" together',
    ],
    [
      'a certificate without a domain',
      { certificateArn: CERTIFICATE_US_EAST_1 },
      'Set "domainName" and "certificateArn" together',
    ],
    [
      'a domain in capitals',
      { domainName: 'Call.Example.com', certificateArn: CERTIFICATE_US_EAST_1 },
      '"domainName" must be a lower-case DNS name',
    ],
    [
      'a certificate that is no ACM ARN',
      { domainName: 'call.example.com', certificateArn: 'cert-1' },
      '"certificateArn" must be the ARN of an ACM certificate',
    ],
    ['a WAF flag that is no boolean', { waf: 'yes' }, '"waf" must be true or false; got "yes".'],
    [
      'a WAF rate limit without the WAF',
      { wafRateLimit: 500 },
      '"wafRateLimit" and "wafWebAclArn" apply only with "waf": true.',
    ],
    [
      'a WAF rate limit below what WAF accepts',
      { waf: true, wafRateLimit: 5 },
      '"wafRateLimit" must be a whole number from 10 to 2,000,000,000; got 5.',
    ],
    [
      'a WAF rate limit with an existing web ACL',
      { waf: true, wafRateLimit: 500, wafWebAclArn: WEB_ACL },
      'Set "wafRateLimit" or "wafWebAclArn", not both',
    ],
    [
      'a regional web ACL',
      { waf: true, wafWebAclArn: WEB_ACL.replace('us-east-1', 'eu-west-1').replace('global', 'regional') },
      '"wafWebAclArn" must be the ARN of a CloudFront-scope (global, us-east-1) WAF web ACL',
    ],
    [
      'a WAF and a domain whose certificate CloudFront cannot use',
      { waf: true, domainName: 'call.example.com', certificateArn: CERTIFICATE_EU_WEST_1 },
      'CloudFront, which takes certificates from us-east-1 only',
    ],
    [
      'a reserved concurrency of 0',
      { publicReservedConcurrency: 0 },
      '"publicReservedConcurrency" must be a whole number from 1 to 1,000; got 0.',
    ],
    [
      'a fractional reserved concurrency',
      { publicReservedConcurrency: '2.5' },
      '"publicReservedConcurrency" must be a whole number',
    ],
    [
      'a call-request rate that is no number',
      { callRequestsPerSecond: 'fast' },
      '"callRequestsPerSecond" must be a number from 0.1 to 10,000; got "fast".',
    ],
  ])('refuses %s, saying what it expects', (_case, context, message) => {
    expect(() => parse(context)).toThrow(InvalidContextError);
    expect(() => parse(context)).toThrow(message);
  });
});

describe('infra/app.ts', () => {
  it('exits with a clear message, and no stack trace, when a setting is wrong', async () => {
    const failure = await execFileAsync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ sites: ['hq'], waf: 'yes' }) },
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr?.trim()).toBe('CallNow: "waf" must be true or false; got "yes".');
  });
});
