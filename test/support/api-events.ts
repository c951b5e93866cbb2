// API Gateway HTTP API (payload 2.0) events for handler tests.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export function apiEvent(
  routeKey: string,
  {
    pathParameters = {},
    headers = {},
    body,
    isBase64Encoded = false,
    sourceIp = '203.0.113.7',
  }: {
    pathParameters?: Record<string, string>;
    headers?: Record<string, string>;
    body?: string;
    isBase64Encoded?: boolean;
    sourceIp?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET', rawPath = '/'] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: { host: 'callnow.example.com', 'x-forwarded-proto': 'https', ...headers },
    pathParameters,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'callnow.example.com',
      domainPrefix: 'callnow',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp, userAgent: 'test' },
      requestId: 'request',
      routeKey,
      stage: '$default',
      time: '26/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded,
  };
}

export const lambdaContext = { functionName: 'test', awsRequestId: 'test' } as Context;

/** Handlers here always answer with a structured result. */
export function structured(result: unknown): APIGatewayProxyStructuredResultV2 {
  return result as APIGatewayProxyStructuredResultV2;
}
