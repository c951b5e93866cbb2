// The optional settings in the template: alarm notifications, custom domain, WAF, reserved concurrency and the
// call-request rate. One app, synthesized once, holds two stacks: one that lets CallNow create everything
// (new topic, created web ACL) and one that uses what the operator already has (topic, web ACL; domain on API
// Gateway itself), so that both ways pass cdk-nag.

import { rmSync } from 'node:fs';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN_VERIFY_HEADER, VIEWER_HOST_HEADER } from '../../functions/http/edge.ts';
import { FUNCTION_ENV } from '../../functions/lib/config.ts';
import { CallNowStack } from '../../infra/stack/callnow-stack.ts';
import { WEB_ACL_REGION } from '../../infra/stack/firewall.ts';
import { CALL_REQUEST_ROUTE_KEY } from '../../infra/stack/http-api.ts';
import { parseSettings, type SettingKey } from '../../infra/stack/settings.ts';
import { acknowledgments, addNagChecks, type CfnResource, cfn, testApp } from './support.ts';

const CERTIFICATE_US_EAST_1 =
  'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const CERTIFICATE_EU_WEST_1 =
  'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const EXISTING_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:pbx-alarms';
const EXISTING_WEB_ACL =
  'arn:aws:wafv2:us-east-1:123456789012:global/webacl/callnow/12345678-1234-1234-1234-123456789012';

const CREATE_EVERYTHING: Partial<Record<SettingKey, unknown>> = {
  alarmEmail: 'pbx-ops@example.com',
  waf: true,
  wafRateLimit: 500,
  domainName: 'call.example.com',
  certificateArn: CERTIFICATE_US_EAST_1,
  publicReservedConcurrency: 20,
  callRequestsPerSecond: 2,
};
const USE_EXISTING: Partial<Record<SettingKey, unknown>> = {
  alarmTopicArn: EXISTING_TOPIC,
  domainName: 'call.example.org',
  certificateArn: CERTIFICATE_EU_WEST_1,
};
const USE_EXISTING_WEB_ACL: Partial<Record<SettingKey, unknown>> = {
  waf: true,
  wafWebAclArn: EXISTING_WEB_ACL,
};

let app: App;
let created: CallNowStack;
let existing: CallNowStack;
let existingWebAcl: CallNowStack;
let createdTemplate: Template;
let existingTemplate: Template;
let existingWebAclTemplate: Template;

beforeAll(() => {
  app = testApp({}, { bundle: false });
  const stack = (id: string, context: Partial<Record<SettingKey, unknown>>) =>
    new CallNowStack(app, id, { siteIds: ['hq'], settings: parseSettings((key) => context[key]) });
  created = stack('CallNowCreated', CREATE_EVERYTHING);
  existing = stack('CallNowExisting', USE_EXISTING);
  existingWebAcl = stack('CallNowExistingWebAcl', USE_EXISTING_WEB_ACL);
  addNagChecks(app);
  createdTemplate = Template.fromStack(created);
  existingTemplate = Template.fromStack(existing);
  existingWebAclTemplate = Template.fromStack(existingWebAcl);
}, 120_000);

afterAll(() => {
  if (app !== undefined) rmSync(app.outdir, { recursive: true, force: true });
});

function alarms(template: Template): CfnResource[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm') as Record<string, CfnResource>);
}

describe('alarm notifications', () => {
  it('with alarmEmail, go to a new TLS-only topic with an email subscription, when raised and when cleared', () => {
    createdTemplate.resourceCountIs('AWS::SNS::Topic', 1);
    createdTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'pbx-ops@example.com',
      TopicArn: cfn(created, created.alarmTopic?.topicArn ?? ''),
    });
    createdTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
      },
    });
    const topic = cfn(created, created.alarmTopic?.topicArn ?? '');
    expect(alarms(createdTemplate)).toHaveLength(created.alarms.alarms.length);
    for (const alarm of alarms(createdTemplate)) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
      expect(alarm.Properties.OKActions).toEqual([topic]);
    }
  });

  it('with alarmTopicArn, go to that topic and create none', () => {
    existingTemplate.resourceCountIs('AWS::SNS::Topic', 0);
    existingTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
    for (const alarm of alarms(existingTemplate)) {
      expect(alarm.Properties.AlarmActions).toEqual([EXISTING_TOPIC]);
      expect(alarm.Properties.OKActions).toEqual([EXISTING_TOPIC]);
    }
  });
});

describe('the custom domain', () => {
  it('without the WAF, is an API Gateway domain with TLS 1.2 mapped to the stage, and the API URL', () => {
    existingTemplate.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'call.example.org',
      DomainNameConfigurations: [
        { CertificateArn: CERTIFICATE_EU_WEST_1, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' },
      ],
    });
    existingTemplate.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: cfn(existing, existing.api.httpApi.apiId),
      Stage: cfn(existing, existing.api.stage.stageName),
    });
    existingTemplate.hasOutput('ApiUrl', { Value: 'https://call.example.org/' });
    existingTemplate.hasOutput('CustomDomainTarget', {
      Value: cfn(existing, existing.api.domainName?.regionalDomainName ?? ''),
    });
    existingTemplate.resourceCountIs('AWS::CloudFront::Distribution', 0);
  });

  it('with the WAF, is held by CloudFront with TLS 1.2, and API Gateway gets none', () => {
    createdTemplate.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    createdTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['call.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: CERTIFICATE_US_EAST_1,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
    createdTemplate.hasOutput('ApiUrl', { Value: 'https://call.example.com/' });
  });
});

describe('the WAF', () => {
  it('puts CloudFront in front of the execute-api endpoint: HTTPS with TLS 1.2 to it, every method, no caching', () => {
    const distribution = created.firewall?.distribution;
    expect(distribution).toBeDefined();
    const [resource] = Object.values(
      createdTemplate.findResources('AWS::CloudFront::Distribution') as Record<string, CfnResource>,
    );
    const config = resource?.Properties.DistributionConfig as {
      Origins: { DomainName: unknown; CustomOriginConfig: unknown }[];
      DefaultCacheBehavior: { AllowedMethods: string[]; ViewerProtocolPolicy: string };
    };
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: cfn(created, created.api.endpointHost),
        CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
      }),
    ]);
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    );
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    createdTemplate.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 0,
        MinTTL: 0,
        MaxTTL: 1,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
          QueryStringsConfig: { QueryStringBehavior: 'all' },
        }),
      }),
    });
  });

  it("never forwards the viewer's Host, which execute-api refuses, but its copy, and the visitor's address", () => {
    const policies = Object.values(
      createdTemplate.findResources('AWS::CloudFront::OriginRequestPolicy') as Record<string, CfnResource>,
    );
    expect(policies).toHaveLength(2); // the API's and the console's
    for (const policy of policies) {
      const config = policy.Properties.OriginRequestPolicyConfig as { HeadersConfig: { Headers: string[] } };
      const headers = config.HeadersConfig.Headers;
      expect(headers).toContain('CloudFront-Viewer-Address');
      expect(headers).toContain('Sec-Fetch-Site');
      expect(headers).toContain('Content-Type');
      expect(headers).toContain(VIEWER_HOST_HEADER);
      expect(headers.map((header) => header.toLowerCase())).not.toContain('host');
    }
    const [viewerHost] = Object.values(
      createdTemplate.findResources('AWS::CloudFront::Function') as Record<string, CfnResource>,
    );
    expect(viewerHost?.Properties.FunctionCode).toContain(`request.headers['${VIEWER_HOST_HEADER}']`);
  });

  it('forwards only the console its two cookies, and never caches its pages', () => {
    type Behavior = { OriginRequestPolicyId: unknown; FunctionAssociations: unknown[] };
    const distribution = Object.values(
      createdTemplate.findResources('AWS::CloudFront::Distribution') as Record<string, CfnResource>,
    )[0]?.Properties.DistributionConfig as {
      DefaultCacheBehavior: Behavior;
      CacheBehaviors: Array<Behavior & { PathPattern: string; CachePolicyId: unknown }>;
    };
    const [consoleBehavior] = distribution.CacheBehaviors;
    expect(distribution.CacheBehaviors).toHaveLength(1);
    expect(consoleBehavior?.PathPattern).toBe('/console*');
    expect(consoleBehavior?.CachePolicyId).toBe(cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId);
    expect(consoleBehavior?.FunctionAssociations).toHaveLength(1);
    expect(distribution.DefaultCacheBehavior.FunctionAssociations).toHaveLength(1);
    const policies = createdTemplate.findResources('AWS::CloudFront::OriginRequestPolicy') as Record<
      string,
      CfnResource
    >;
    const cookiesOf = (policyId: unknown) => {
      const config = policies[(policyId as { Ref: string }).Ref]?.Properties.OriginRequestPolicyConfig;
      return (config as { CookiesConfig?: unknown } | undefined)?.CookiesConfig;
    };
    expect(cookiesOf(consoleBehavior?.OriginRequestPolicyId)).toEqual({
      CookieBehavior: 'whitelist',
      Cookies: ['__Host-callnow-session', '__Host-callnow-login'],
    });
    expect(cookiesOf(distribution.DefaultCacheBehavior.OriginRequestPolicyId)).toEqual({
      CookieBehavior: 'none',
    });
  });

  it('blocks an IP address over the rate limit with a 429, in a CloudFront web ACL that may only live in us-east-1', () => {
    createdTemplate.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Statement: {
            RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP', EvaluationWindowSec: 300 },
          },
          Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
          VisibilityConfig: Match.objectLike({
            CloudWatchMetricsEnabled: true,
            SampledRequestsEnabled: true,
          }),
        }),
      ],
    });
    createdTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: cfn(created, created.firewall?.webAcl?.attrArn ?? ''),
      }),
    });
    const rules = createdTemplate.toJSON().Rules as Record<string, { Assertions: { Assert: unknown }[] }>;
    expect(Object.values(rules).map((rule) => rule.Assertions[0]?.Assert)).toContainEqual({
      'Fn::Equals': [{ Ref: 'AWS::Region' }, WEB_ACL_REGION],
    });
  });

  it('with wafWebAclArn, uses that web ACL and needs no region', () => {
    existingWebAclTemplate.resourceCountIs('AWS::WAFv2::WebACL', 0);
    existingWebAclTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ WebACLId: EXISTING_WEB_ACL }),
    });
    const rules = existingWebAclTemplate.toJSON().Rules as Record<string, unknown>;
    expect(JSON.stringify(rules)).not.toContain(WEB_ACL_REGION);
    existingWebAclTemplate.hasOutput('ApiUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            cfn(existingWebAcl, existingWebAcl.firewall?.distribution.distributionDomainName ?? ''),
            '/',
          ],
        ],
      },
    });
  });

  it('proves each request came through CloudFront with a generated secret header the functions require', () => {
    const secret = created.originVerifySecret;
    expect(secret).toBeDefined();
    createdTemplate.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
    });
    const reference = {
      'Fn::Join': [
        '',
        ['{{resolve:secretsmanager:', cfn(created, secret?.secretArn ?? ''), ':SecretString:::}}'],
      ],
    };
    createdTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [
          Match.objectLike({
            OriginCustomHeaders: [{ HeaderName: ORIGIN_VERIFY_HEADER, HeaderValue: reference }],
          }),
        ],
      }),
    });
    for (const callNowFunction of [created.publicFunction, created.managementFunction]) {
      createdTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(
          callNowFunction === created.publicFunction ? 'public' : 'management',
        ),
        Environment: { Variables: Match.objectLike({ [FUNCTION_ENV.originVerifySecret]: reference }) },
      });
    }
  });

  it('is off by default: no CloudFront, no web ACL, and the functions take requests straight', () => {
    existingTemplate.resourceCountIs('AWS::CloudFront::Distribution', 0);
    existingTemplate.resourceCountIs('AWS::WAFv2::WebACL', 0);
    existingTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(JSON.stringify(existingTemplate.toJSON())).not.toContain(FUNCTION_ENV.originVerifySecret);
  });
});

describe('reserved concurrency and the call-request rate', () => {
  it('reserve the public function the concurrency asked for, and no other function any', () => {
    const functions = createdTemplate.findResources('AWS::Lambda::Function') as Record<string, CfnResource>;
    const reserved = Object.values(functions).map((fn) => fn.Properties.ReservedConcurrentExecutions);
    expect(reserved.filter((value) => value !== undefined)).toEqual([20]);
    createdTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CallNow public pages and call requests',
      ReservedConcurrentExecutions: 20,
    });
  });

  it('throttle call requests at the rate asked for, with twice that as burst', () => {
    createdTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: Match.objectLike({
        [CALL_REQUEST_ROUTE_KEY]: { ThrottlingRateLimit: 2, ThrottlingBurstLimit: 4 },
      }),
    });
  });
});

describe('cdk-nag with every option', () => {
  it('finds nothing that is not acknowledged', () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  it('is acknowledged, besides the API routes, only for CloudFront choices and its secret, each with a reason', () => {
    const found = acknowledgments(app).filter(({ id }) => id !== 'AwsSolutions-APIG4');
    const at = (stack: CallNowStack) => `${stack.firewall?.distribution.node.path}`;
    expect(found.map(({ path, id }) => `${path} ${id}`).sort()).toEqual(
      [
        `${at(created)} AwsSolutions-CFR1`,
        `${at(created)} AwsSolutions-CFR3`,
        `${created.originVerifySecret?.node.path} AwsSolutions-SMG4`,
        `${existingWebAcl.originVerifySecret?.node.path} AwsSolutions-SMG4`,
        `${at(existingWebAcl)} AwsSolutions-CFR1`,
        `${at(existingWebAcl)} AwsSolutions-CFR3`,
        // Only without a custom domain is CloudFront's default certificate, and its TLS floor, in use.
        `${at(existingWebAcl)} AwsSolutions-CFR4`,
      ].sort(),
    );
    for (const { reason } of found) expect(reason.length).toBeGreaterThan(100);
  });
});
