// The optional WAF: AWS WAF cannot be attached to an API Gateway HTTP API, so a CloudFront distribution with a
// CloudFront-scope web ACL goes in front of it, and the public URLs point at the distribution.

import { Aws, CfnRule, Duration, Fn, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { SESSION_COOKIE_NAMES } from '../../functions/console/cookies.ts';
import { ORIGIN_VERIFY_HEADER, VIEWER_HOST_HEADER } from '../../functions/http/edge.ts';
import type { CustomDomain, WafSettings } from './settings.ts';

/** CloudFront-scope web ACLs exist only in us-east-1. */
export const WEB_ACL_REGION = 'us-east-1';

export interface CallNowFirewallProps {
  /** The host name of the HTTP API's execute-api endpoint, CloudFront's origin. */
  readonly apiEndpointHost: string;
  readonly waf: WafSettings;
  /** Its value goes with every request to the API as ORIGIN_VERIFY_HEADER; the functions refuse any without it. */
  readonly originVerifySecret: secretsmanager.Secret;
  /**
   * Serve the distribution on this domain; its certificate must be in us-east-1, as CloudFront requires.
   * @default the distribution's *.cloudfront.net name
   */
  readonly customDomain?: CustomDomain;
}

export class CallNowFirewall extends Construct {
  public readonly distribution: cloudfront.Distribution;
  /** The web ACL the stack created, or undefined when `waf.webAclArn` names an existing one. */
  public readonly webAcl: wafv2.CfnWebACL | undefined;
  /** The public base URL, ending with a slash. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: CallNowFirewallProps) {
    super(scope, id);
    let webAclArn = props.waf.webAclArn;
    if (webAclArn === undefined) {
      this.webAcl = this.createWebAcl(props.waf.rateLimitPer5Minutes);
      webAclArn = this.webAcl.attrArn;
    }

    // Nothing is cached: every request reaches the API, as without CloudFront. The Authorization header is part
    // of the cache key only because that is how CloudFront forwards it on GET; a zero default TTL keeps responses
    // uncached, and even a response that asked to be cached would be cached per credential, for a second at most.
    const cachePolicy = new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'CallNow: no caching; forward Authorization and every query string',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    });
    // Not the viewer's Host: execute-api answers only to its own name; the viewer-request function copies it
    // into VIEWER_HOST_HEADER, so the pages name their own address. CloudFront-Viewer-Address carries the
    // visitor's address, since the API then sees CloudFront's; Sec-Fetch-Site tells the page's own posts.
    const viewerHeaders = [
      'Accept',
      'Accept-Language',
      'Content-Type',
      'Origin',
      'Referer',
      'User-Agent',
      'Sec-Fetch-Site',
      'CloudFront-Viewer-Address',
      VIEWER_HOST_HEADER,
    ];
    const originRequestPolicy = new cloudfront.OriginRequestPolicy(this, 'OriginRequestPolicy', {
      comment: 'CallNow: the viewer headers the functions read, and the viewer address',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...viewerHeaders),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    // The console's pages: the same, and its session and login cookies; never cached, since the cache key
    // holds no cookie.
    const consoleRequestPolicy = new cloudfront.OriginRequestPolicy(this, 'ConsoleRequestPolicy', {
      comment: 'CallNow console: the viewer headers, the viewer address and the console cookies',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...viewerHeaders),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.allowList(...SESSION_COOKIE_NAMES),
    });
    const viewerHost = new cloudfront.Function(this, 'ViewerHostFunction', {
      comment: 'CallNow: the viewer Host, for the functions to name their own address',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        `function handler(event) { var request = event.request; request.headers['${VIEWER_HOST_HEADER}'] = { value: request.headers.host.value }; return request; }`,
      ),
    });
    const functionAssociations = [
      { function: viewerHost, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
    ];

    const domain = props.customDomain;
    const origin = new origins.HttpOrigin(props.apiEndpointHost, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      customHeaders: { [ORIGIN_VERIFY_HEADER]: props.originVerifySecret.secretValue.unsafeUnwrap() },
    });
    const behavior = {
      origin,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      functionAssociations,
    };
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'CallNow: the HTTP API behind AWS WAF',
      webAclId: webAclArn,
      defaultBehavior: { ...behavior, cachePolicy, originRequestPolicy },
      additionalBehaviors: {
        '/console*': {
          ...behavior,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: consoleRequestPolicy,
        },
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      ...(domain
        ? {
            domainNames: [domain.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    this.url = `https://${domain ? domain.domainName : this.distribution.distributionDomainName}/`;

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'CallNow pages are for any visitor of the extension owners, wherever they are; which countries a PBX ' +
        'may call is the trunk and dialplan policy on the PBX, not the web tier.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        'Every request CloudFront lets through reaches the HTTP API, whose stage writes a JSON access-log line ' +
        'for it; requests the web ACL blocks are counted in its CloudWatch metrics and sampled. CloudFront logs ' +
        'would add an S3 bucket and a second copy of the same lines.',
    });
    if (!domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution serves the *.cloudfront.net certificate, for which ' +
          'CloudFront fixes the minimum protocol; with "domainName" and "certificateArn" set the stack requires ' +
          'TLSv1.2_2021.',
      });
    }
  }

  private createWebAcl(rateLimitPer5Minutes: number): wafv2.CfnWebACL {
    new CfnRule(this, 'WebAclRegionRule', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, WEB_ACL_REGION),
          assertDescription:
            `CallNow's "waf" option creates a CloudFront web ACL, which AWS creates only in ${WEB_ACL_REGION}. ` +
            `Deploy the stack there, or create the web ACL in ${WEB_ACL_REGION} yourself and set "wafWebAclArn".`,
        },
      ],
    });
    const visibility = (metricName: string) => ({
      metricName,
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
    });
    return new wafv2.CfnWebACL(this, 'WebAcl', {
      description: 'CallNow: a per-IP rate limit in front of the public pages and the API',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('CallNowWebAcl'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          statement: {
            rateBasedStatement: {
              limit: rateLimitPer5Minutes,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          action: { block: { customResponse: { responseCode: 429 } } },
          visibilityConfig: visibility('CallNowRateLimitPerIp'),
        },
      ],
    });
  }
}
