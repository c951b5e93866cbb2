// The middleware every HTTP function starts with: it names the invocation in the logs, turns errors into HTTP
// answers in one place (what the rules refuse is shown, anything else is logged and hidden), and adds HSTS to
// every answer served over TLS.
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { describeError, log, setLogContext } from '../lib/log.ts';
import { errorPayload, HttpError, toHttpError } from './errors.ts';
import { jsonResponse } from './responses.ts';

export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

type Request = middy.Request<APIGatewayProxyEventV2, APIGatewayProxyResultV2>;

/** Behind API Gateway every request came over https; the local stack speaks plain http and must not send HSTS. */
function addTransportSecurity(request: Request): void {
  const { response } = request;
  if (request.event.headers['x-forwarded-proto'] !== 'https' || !response || typeof response === 'string')
    return;
  response.headers = { ...response.headers, 'strict-transport-security': STRICT_TRANSPORT_SECURITY };
}

export function httpErrors(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    before: async (request) => setLogContext(request.context.awsRequestId),
    after: async (request) => addTransportSecurity(request),
    onError: async (request) => {
      const error = toHttpError(request.error);
      if (error) {
        request.response = jsonResponse(error.statusCode, errorPayload(error), { ...error.headers });
      } else {
        log.error('request failed', { routeKey: request.event.routeKey, ...describeError(request.error) });
        const hidden = new HttpError(
          500,
          'internal_error',
          'something went wrong on our side; please try again',
        );
        request.response = jsonResponse(500, errorPayload(hidden));
      }
      addTransportSecurity(request);
    },
  };
}
