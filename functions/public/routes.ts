// The public CallNow routes: the page, a visitor's call request, and the request's status.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { TOKEN_PATTERN } from '../../contracts/ami-safe.ts';
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import * as z from '../../contracts/zod.ts';
import {
  callRequestStatus,
  findCallableTarget,
  type RequestCallPorts,
  requestCall,
} from '../domain/call-requests.ts';
import type { CallNowTarget } from '../domain/model.ts';
import { HttpError } from '../http/errors.ts';
import { httpErrors } from '../http/middleware.ts';
import { bodyFields, bodyFormat, parseInput, prefersHtml } from '../http/request.ts';
import { htmlResponse, jsonResponse, seeOther } from '../http/responses.ts';
import { describeError, log } from '../lib/log.ts';
import { metrics } from '../lib/metrics.ts';
import {
  type CallNowPageView,
  PAGE_HEADERS,
  renderCallNowPage,
  renderNotAvailablePage,
  renderProblemPage,
  renderStatusPage,
} from './pages.ts';

const CALLNOW_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const VisitorRequestSchema = z.strictObject({
  phoneNumber: z.string().check(z.minLength(1, 'phoneNumber is required'), z.maxLength(64)),
  callerName: z.optional(z.string().check(z.maxLength(200))),
});

const notAvailableHtml = () => htmlResponse(404, renderNotAvailablePage(), PAGE_HEADERS);
const notAvailableJson = () =>
  jsonResponse(404, { error: { code: 'not_available', message: 'this CallNow page is not available' } });

function pageView(callNowId: string, { extension }: CallNowTarget): CallNowPageView {
  const preferences = extension.callNow;
  return {
    callNowId,
    message: preferences.message,
    askCallerName: preferences.askCallerName,
    confirm: preferences.confirm,
    ...(preferences.showName ? { ownerName: extension.ownerName } : {}),
  };
}

function statusPath(callNowId: string, requestId: string): string {
  return `/callnow/${encodeURIComponent(callNowId)}/requests/${encodeURIComponent(requestId)}`;
}

function absoluteUrl(event: APIGatewayProxyEventV2, path: string): string {
  const scheme = event.headers['x-forwarded-proto'] ?? 'https';
  return `${scheme}://${event.requestContext.domainName}${path}`;
}

export function createPublicHandler(ports: RequestCallPorts) {
  async function showPage(callNowId: string): Promise<APIGatewayProxyResultV2> {
    const target = await findCallableTarget(ports.store, callNowId);
    if (!target) return notAvailableHtml();
    return htmlResponse(200, renderCallNowPage(pageView(callNowId, target)), PAGE_HEADERS);
  }

  async function postRequest(
    event: APIGatewayProxyEventV2,
    callNowId: string,
  ): Promise<APIGatewayProxyResultV2> {
    const format = bodyFormat(event);
    const input = parseInput(VisitorRequestSchema, bodyFields(event, format));
    const asHtml = format === 'form';
    const result = await requestCall(callNowId, input, ports);
    if (result.kind === 'accepted') metrics.callRequested();
    else metrics.callRequestRejected(result.kind);
    switch (result.kind) {
      case 'not_available':
        return asHtml ? notAvailableHtml() : notAvailableJson();
      case 'outside_availability': {
        const message = 'calls are not accepted at this time of day; please try again during the hours shown';
        if (!asHtml) throw new HttpError(409, 'outside_availability', message);
        const view = {
          ...pageView(callNowId, result.target),
          values: input,
          error: { field: 'phoneNumber', message },
        };
        return htmlResponse(409, renderCallNowPage(view), PAGE_HEADERS);
      }
      case 'invalid_input': {
        const { field, message } = result.problem;
        if (!asHtml) throw new HttpError(400, 'invalid_request', message, { [field]: [message] });
        const view = { ...pageView(callNowId, result.target), values: input, error: result.problem };
        return htmlResponse(400, renderCallNowPage(view), PAGE_HEADERS);
      }
      case 'pbx_unreachable': {
        log.error('call request could not be queued', {
          requestId: result.requestId,
          ...describeError(result.cause),
        });
        const message = 'the phone system cannot take requests right now; please try again in a minute';
        if (asHtml)
          return htmlResponse(503, renderProblemPage(message), { ...PAGE_HEADERS, 'retry-after': '60' });
        throw new HttpError(503, 'pbx_unavailable', message, undefined, { 'retry-after': '60' });
      }
      case 'accepted': {
        const { requestId, visitorPhone } = result.request;
        log.info('call requested', { callNowId, requestId, visitor: maskPhoneNumber(visitorPhone) });
        const path = statusPath(callNowId, requestId);
        if (asHtml) return seeOther(path);
        return jsonResponse(202, { requestId, statusUrl: absoluteUrl(event, path) }, { location: path });
      }
    }
  }

  async function showStatus(event: APIGatewayProxyEventV2, callNowId: string, requestId: string) {
    const asHtml = prefersHtml(event);
    const request = TOKEN_PATTERN.test(requestId)
      ? await callRequestStatus(callNowId, requestId, ports)
      : undefined;
    if (!request) {
      return asHtml
        ? notAvailableHtml()
        : jsonResponse(404, { error: { code: 'not_found', message: 'no such call request' } });
    }
    const { status, reason } = request;
    if (asHtml) {
      const view = reason ? { callNowId, status, reason } : { callNowId, status };
      return htmlResponse(200, renderStatusPage(view), PAGE_HEADERS);
    }
    return jsonResponse(200, reason ? { requestId, status, reason } : { requestId, status });
  }

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpErrors())
    .handler(async (event) => {
      const callNowId = event.pathParameters?.callNowId ?? '';
      const requestId = event.pathParameters?.requestId ?? '';
      const knownShape = CALLNOW_ID_PATTERN.test(callNowId);
      switch (event.routeKey) {
        case 'GET /callnow/{callNowId}':
          return knownShape ? showPage(callNowId) : notAvailableHtml();
        case 'POST /callnow/{callNowId}/requests':
          return knownShape ? postRequest(event, callNowId) : notAvailableJson();
        case 'GET /callnow/{callNowId}/requests/{requestId}':
          return knownShape ? showStatus(event, callNowId, requestId) : notAvailableJson();
        default:
          throw new HttpError(404, 'not_found', `no route for ${event.routeKey}`);
      }
    });
}
