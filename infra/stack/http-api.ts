// The HTTP API (payload format 2.0) in front of the functions: routes, stage throttling and access logs.

import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PUBLIC_ROUTE_KEYS } from '../resources.ts';

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
  /**
   * Throttling for every route of the stage, a ceiling on what a flood can cost; per-visitor limits are the
   * functions' job.
   * @default { rateLimit: 100, burstLimit: 200 } (requests per second)
   */
  readonly throttle?: apigwv2.ThrottleSettings;
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
  /** The API's base URL, ending with a slash. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: CallNowHttpApiProps) {
    super(scope, id);
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'CallNow: public CallNow pages and call requests',
      createDefaultStage: false,
    });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogGroup', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.stage.url;

    const integration = new HttpLambdaIntegration('PublicIntegration', props.publicFunction, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    // The visitor-facing routes, the same the local stack serves: no credentials, by design.
    this.publicRoutes = PUBLIC_ROUTE_KEYS.map(parseRouteKey).flatMap(({ method, path }) =>
      this.httpApi.addRoutes({ path, methods: [method], integration }),
    );
    for (const route of this.publicRoutes) {
      // Acknowledged per route, so a later route without an authorizer is still reported.
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'A public CallNow route: any visitor may open an extension page and request a call without an ' +
          'account. Abuse is bounded by stage throttling and by the per-visitor limits in the function.',
      });
    }
  }
}
