// The public CallNow routes: the page, a visitor's call request, its status and cancelling it, a new CAPTCHA, and
// the widget with its CORS preflights. Each route is a module of its own; this maps route keys to them.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { preflight, withCors } from '../http/cors.ts';
import { edgeRequests } from '../http/edge.ts';
import { HttpError } from '../http/errors.ts';
import { httpErrors } from '../http/middleware.ts';
import { prefersHtml } from '../http/request.ts';
import { jsonError } from '../http/responses.ts';
import { notAvailablePage, PublicContainer, type PublicPorts, PublicRequest } from './context.ts';
import { showPage } from './page-route.ts';
import { postRequest } from './post-route.ts';
import { cancelForm, cancelJson, showStatus } from './status-routes.ts';
import { captchaJson, widget } from './widget-route.ts';

export type { PublicPorts } from './context.ts';
export { VisitorRequestSchema } from './post-route.ts';

const CALLNOW_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

type Answer = Promise<APIGatewayProxyResultV2>;

const notAvailableJson = async () =>
  jsonError(new HttpError(404, 'not_available', 'this CallNow page is not available'));

/** `request` is undefined for a CallNow ID of the wrong shape: not looked up, and "not available" like an unknown one. */
function route(request: PublicRequest | undefined, event: APIGatewayProxyEventV2): Answer {
  const requestId = event.pathParameters?.requestId ?? '';
  const json = (answer: (request: PublicRequest) => Answer): Answer =>
    request
      ? withCors(
          event,
          () => request.allowedOrigins(),
          () => answer(request),
        )
      : notAvailableJson();
  switch (event.routeKey) {
    case 'GET /callnow/{callNowId}':
      return request ? showPage(request) : Promise.resolve(notAvailablePage(event));
    case 'POST /callnow/{callNowId}/requests':
      return json(postRequest);
    case 'GET /callnow/{callNowId}/requests/{requestId}':
      if (request && prefersHtml(event)) return showStatus(request, requestId);
      return json((known) => showStatus(known, requestId));
    case 'DELETE /callnow/{callNowId}/requests/{requestId}':
      return json((known) => cancelJson(known, requestId));
    case 'POST /callnow/{callNowId}/requests/{requestId}/cancel':
      return request ? cancelForm(request, requestId) : Promise.resolve(notAvailablePage(event));
    case 'GET /callnow/{callNowId}/captcha':
      return json(captchaJson);
    case 'GET /callnow/{callNowId}/widget.js':
      return widget(request);
    case 'OPTIONS /callnow/{callNowId}/requests':
    case 'OPTIONS /callnow/{callNowId}/requests/{requestId}':
      return request
        ? request.allowedOrigins().then((origins) => preflight(event, origins))
        : notAvailableJson();
    default:
      throw new HttpError(404, 'not_found', `no route for ${event.routeKey}`);
  }
}

export function createPublicHandler(ports: PublicPorts) {
  const container = new PublicContainer(ports);
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpErrors())
    .use(edgeRequests(ports.edge ?? {}))
    .handler(async (event) => {
      const callNowId = event.pathParameters?.callNowId ?? '';
      const known = CALLNOW_ID_PATTERN.test(callNowId);
      return route(known ? new PublicRequest(event, container, callNowId) : undefined, event);
    });
}
