// The Call API under /api/v1/calls: place a call, follow it, cancel it.
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import { cancelApiCall, loadVisibleCall, placeApiCall } from '../domain/call-api.ts';
import { HttpError } from '../http/errors.ts';
import { jsonResponse } from '../http/responses.ts';
import { describeError, log } from '../lib/log.ts';
import type { ManagementPorts } from './ports.ts';
import { jsonBody, ok } from './replies.ts';
import type { Router } from './router.ts';
import { CallCreateSchema } from './schemas.ts';

const PBX_UNAVAILABLE = 'the phone system cannot take requests right now';
const NUMBER_NOT_ALLOWED = 'the destination policy does not allow calls to this number';
const retryAfter = (seconds: number) => ({ 'retry-after': String(seconds) });

export function addCallRoutes(router: Router, ports: ManagementPorts): void {
  router.add('POST', 'calls', async ({ event, principal }) => {
    const input = jsonBody(event, CallCreateSchema);
    const result = await placeApiCall(principal, input, ports);
    switch (result.kind) {
      case 'not_callable':
        throw new HttpError(409, 'not_callable', `the extension cannot be called: ${result.missingLink}`);
      case 'invalid_input': {
        const { field, message } = result.problem;
        throw new HttpError(400, 'invalid_request', message, { [field]: [message] });
      }
      case 'number_not_allowed':
        log.warn('call to a refused number', { extensionId: input.extensionId, rule: result.rule });
        throw new HttpError(422, 'number_not_allowed', NUMBER_NOT_ALLOWED, {
          phoneNumber: [NUMBER_NOT_ALLOWED],
        });
      case 'number_busy':
        throw new HttpError(
          409,
          'call_in_progress',
          'a call to this number is already under way; try again when it has ended',
          undefined,
          retryAfter(result.retryAfterSeconds),
        );
      case 'limited':
        throw new HttpError(
          429,
          'too_many_requests',
          'too many calls to this number; try again later',
          undefined,
          retryAfter(result.retryAfterSeconds),
        );
      case 'pbx_unreachable':
        log.error('call request could not be queued', {
          requestId: result.requestId,
          ...describeError(result.cause),
        });
        throw new HttpError(503, 'pbx_unavailable', PBX_UNAVAILABLE, undefined, retryAfter(60));
      case 'duplicate':
      case 'accepted': {
        const { requestId, visitorPhone } = result.request;
        const duplicate = result.kind === 'duplicate';
        log.info(duplicate ? 'call asked for again while under way' : 'call requested', {
          requestId,
          visitor: maskPhoneNumber(visitorPhone),
        });
        const statusUrl = `/api/v1/calls/${requestId}`;
        return jsonResponse(202, duplicate ? { requestId, statusUrl, duplicate } : { requestId, statusUrl });
      }
    }
  });

  router.add('GET', 'calls/{callId}', async ({ principal, params }) => {
    const request = await loadVisibleCall(principal, params[0] ?? '', ports);
    const { requestId, status, reason, extensionId, createdAt, statusTimes } = request;
    return ok({ requestId, status, ...(reason ? { reason } : {}), extensionId, createdAt, statusTimes });
  });

  router.add('DELETE', 'calls/{callId}', async ({ principal, params }) => {
    const { request, outcome } = await cancelApiCall(principal, params[0] ?? '', ports);
    if (outcome === 'too_late') {
      throw new HttpError(
        409,
        'already_dialled',
        `the call is already ${request.status}; it can no longer be cancelled`,
      );
    }
    return jsonResponse(202, { requestId: request.requestId, cancelling: true });
  });
}
