// The one place that turns errors into HTTP responses: our HttpErrors are shown, anything else is logged and hidden.
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { describeError, log } from '../lib/log.ts';
import { errorPayload, HttpError } from './errors.ts';
import { jsonResponse } from './responses.ts';

export function httpErrors(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    onError: async (request) => {
      const { error } = request;
      if (error instanceof HttpError) {
        request.response = jsonResponse(error.statusCode, errorPayload(error), { ...error.headers });
        return;
      }
      log.error('request failed', { routeKey: request.event.routeKey, ...describeError(error) });
      const hidden = new HttpError(
        500,
        'internal_error',
        'something went wrong on our side; please try again',
      );
      request.response = jsonResponse(500, errorPayload(hidden));
    },
  };
}
