// The HTTP API (payload format 2.0) in front of the functions: routes, throttling, access logs, custom domain.

import { Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CONSOLE_ROUTE_KEYS, MANAGEMENT_ROUTE_KEYS, PUBLIC_ROUTE_KEYS } from '../resources.ts';
import { type CustomDomain, DEFAULT_CALL_REQUESTS_PER_SECOND } from './settings.ts';

/** The route that creates calls from the public page: the one whose rate the PBX feels. */
export const CALL_REQUEST_ROUTE_KEY =
  'POST /callnow/{callNowId}/requests' satisfies (typeof PUBLIC_ROUTE_KEYS)[number];

export class InvalidRouteKeyError extends Error {
  constructor(routeKey: string) {
    super(`Route key "${routeKey}" is not "<METHOD> /<path>"`);
    this.name = 'InvalidRouteKeyError';
  }
}

/** A route key such as `GET /callnow/{callNowId}`, split into what `HttpApi.addRoutes` takes. */
export function parseRouteKey(routeKey: string): { method: apigwv2.HttpMethod; path: string } {
  const [method, path, ...rest] = routeKey.split(' ');
  const httpMethod = Object.values(apigwv2.HttpMethod).find((candidate) => candidate === method);
  if (httpMethod === undefined || path === undefined || !path.startsWith('/') || rest.length > 0) {
    throw new InvalidRouteKeyError(routeKey);
  }
  return { method: httpMethod, path };
}

/** One JSON object per request, so CloudWatch Logs Insights can filter on any field. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

export interface CallNowHttpApiProps {
  /** The function behind the public CallNow page and call-request routes. */
  readonly publicFunction: lambda.IFunction;
  /** The function behind the management and Call API (`/api/v1/...`). */
  readonly managementFunction: lambda.IFunction;
  /** The function behind the console (`/console/...`). */
  readonly consoleFunction: lambda.IFunction;
  /**
   * Throttling for every route of the stage, a ceiling on what a flood can cost; per-visitor limits are the
   * functions' job.
   * @default { rateLimit: 100, burstLimit: 200 } (requests per second)
   */
  readonly throttle?: apigwv2.ThrottleSettings;
  /**
   * Throttling of `POST /callnow/{callNowId}/requests`, for all sites together: each accepted request makes a PBX
   * ring an extension, so this bounds how fast strangers can make the PBXs place calls.
   * @default { rateLimit: DEFAULT_CALL_REQUESTS_PER_SECOND, burstLimit: twice that }
   */
  readonly callRequestsThrottle?: apigwv2.ThrottleSettings;
  /**
   * Throttling of the management and Call API route, and of the console's. Per-user limits and login lockouts
   * are the functions' job.
   * @default { rateLimit: 20, burstLimit: 40 }
   */
  readonly managementThrottle?: apigwv2.ThrottleSettings;
  /**
   * Serve the API on this domain (a regional API Gateway custom domain). Leave it out when CloudFront fronts
   * the API (the WAF option), which then holds the domain.
   * @default the execute-api endpoint only
   */
  readonly customDomain?: CustomDomain;
  /**
   * How long CloudWatch keeps the access logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;
}

export class CallNowHttpApi extends Construct {
  public readonly httpApi: apigwv2.HttpApi;
  /** The `$default` stage, served at the root of the API endpoint. */
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly publicRoutes: readonly apigwv2.HttpRoute[];
  public readonly managementRoutes: readonly apigwv2.HttpRoute[];
  public readonly consoleRoutes: readonly apigwv2.HttpRoute[];
  /** The custom domain, when one is configured. */
  public readonly domainName: apigwv2.DomainName | undefined;
  /** The API's base URL, ending with a slash: the custom domain's when there is one. */
  public readonly url: string;
  /** The execute-api endpoint's host name, e.g. for CloudFront to use as its origin. */
  public readonly endpointHost: string;

  constructor(scope: Construct, id: string, props: CallNowHttpApiProps) {
    super(scope, id);
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'CallNow: public CallNow pages, call requests, and the management and Call API',
      createDefaultStage: false,
    });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogGroup', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    if (props.customDomain) {
      const { domainName, certificateArn } = props.customDomain;
      this.domainName = new apigwv2.DomainName(this, 'DomainName', {
        domainName,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', certificateArn),
        securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
      });
    }
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
      ...(this.domainName ? { domainMapping: { domainName: this.domainName } } : {}),
    });
    this.url = props.customDomain ? `https://${props.customDomain.domainName}/` : this.stage.url;
    const stack = Stack.of(this);
    this.endpointHost = `${this.httpApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;

    const publicIntegration = new HttpLambdaIntegration('PublicIntegration', props.publicFunction, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    // The visitor-facing routes, the same the local stack serves: no credentials, by design.
    this.publicRoutes = this.addRoutes(PUBLIC_ROUTE_KEYS, publicIntegration);
    for (const route of this.publicRoutes) {
      // Acknowledged per route, so a later route without an authorizer is still reported.
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'A public CallNow route: any visitor may open an extension page and request a call without an ' +
          'account. Abuse is bounded by stage and route throttling and by the per-visitor limits in the function.',
      });
    }

    const managementIntegration = new HttpLambdaIntegration(
      'ManagementIntegration',
      props.managementFunction,
      {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      },
    );
    this.managementRoutes = this.addRoutes(MANAGEMENT_ROUTE_KEYS, managementIntegration);
    for (const route of this.managementRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The management and Call API authenticates every request in its function, before any other work: ' +
          'HTTP Basic for the admin account or a scoped API key, each checked against a salted hash in the ' +
          'table, 401 otherwise. An API Gateway authorizer cannot express per-key scopes (an API key limited to ' +
          'its own extensions) and would add a second invocation to every request.',
      });
    }

    const consoleIntegration = new HttpLambdaIntegration('ConsoleIntegration', props.consoleFunction, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    this.consoleRoutes = this.addRoutes(CONSOLE_ROUTE_KEYS, consoleIntegration);
    for (const route of this.consoleRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The console authenticates in its function: its login page must be open to anyone, and every other ' +
          'page needs a session (a random id in an HttpOnly SameSite=Strict cookie, looked up in the table) ' +
          'and every form its CSRF token. An API Gateway authorizer cannot tell the login page from the rest ' +
          'of a greedy route, and would add a second invocation to every page.',
      });
    }

    const callRequests = props.callRequestsThrottle ?? {
      rateLimit: DEFAULT_CALL_REQUESTS_PER_SECOND,
      burstLimit: 2 * DEFAULT_CALL_REQUESTS_PER_SECOND,
    };
    const management = props.managementThrottle ?? { rateLimit: 20, burstLimit: 40 };
    this.throttleRoutes({
      [CALL_REQUEST_ROUTE_KEY]: callRequests,
      ...Object.fromEntries(
        [...MANAGEMENT_ROUTE_KEYS, ...CONSOLE_ROUTE_KEYS].map((routeKey) => [routeKey, management]),
      ),
    });
  }

  private addRoutes(routeKeys: readonly string[], integration: apigwv2.HttpRouteIntegration) {
    return routeKeys
      .map(parseRouteKey)
      .flatMap(({ method, path }) => this.httpApi.addRoutes({ path, methods: [method], integration }));
  }

  /**
   * Route-level limits below the stage's. The L2 stage has no property for them, and the L1 property is untyped
   * JSON, so its keys are written as CloudFormation spells them.
   */
  private throttleRoutes(limits: Readonly<Record<string, apigwv2.ThrottleSettings>>): void {
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      Object.entries(limits).map(([routeKey, { rateLimit, burstLimit }]) => [
        routeKey,
        { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit },
      ]),
    );
    // A stage may only name routes that exist, so CloudFormation must create the routes first.
    for (const route of [...this.publicRoutes, ...this.managementRoutes, ...this.consoleRoutes])
      this.stage.node.addDependency(route);
  }
}
