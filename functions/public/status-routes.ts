// A visitor's call request after the click: its status (JSON for scripts, a page that refreshes itself for
// browsers without JavaScript), and cancelling it while it has not been dialled.
import { TOKEN_PATTERN } from '../../contracts/ami-safe.ts';
import { callRequestStatus } from '../domain/call-requests.ts';
import { cancelCallRequest } from '../domain/cancel.ts';
import { requireAllowedOrigin } from '../http/cors.ts';
import { HttpError } from '../http/errors.ts';
import { prefersHtml } from '../http/request.ts';
import { htmlResponse, jsonResponse, seeOther } from '../http/responses.ts';
import { describeError, log } from '../lib/log.ts';
import { type PublicRequest, statusPath } from './context.ts';
import { isLanguage } from './i18n/index.ts';
import { PAGE_HEADERS, renderStatusPage } from './pages.ts';

function findRequest(request: PublicRequest, requestId: string) {
  if (!TOKEN_PATTERN.test(requestId)) return Promise.resolve(undefined);
  return callRequestStatus(request.callNowId, requestId, request.ports);
}

export async function showStatus(request: PublicRequest, requestId: string) {
  const asHtml = prefersHtml(request.event);
  const found = await findRequest(request, requestId);
  if (!found) {
    return asHtml
      ? request.notAvailableHtml()
      : jsonResponse(404, { error: { code: 'not_found', message: 'no such call request' } });
  }
  const { status, reason } = found;
  if (!asHtml) return jsonResponse(200, reason ? { requestId, status, reason } : { requestId, status });
  const view = {
    callNowId: request.callNowId,
    requestId,
    language: request.visitorLanguage().language,
    status,
    cancelled: request.query('cancelled') === '1',
    live: request.query('live') !== '0',
  };
  return htmlResponse(200, renderStatusPage(reason ? { ...view, reason } : view), PAGE_HEADERS);
}

/** Cancels a request not dialled yet; the connector reports how it ended (`failed/rejected` when in time). */
async function cancel(request: PublicRequest, requestId: string) {
  requireAllowedOrigin(request.event, await request.allowedOrigins());
  const found = await findRequest(request, requestId);
  if (!found) return 'not_found' as const;
  try {
    return await cancelCallRequest(found, request.ports);
  } catch (error) {
    log.error('call cancel could not be queued', { requestId, ...describeError(error) });
    return 'pbx_unreachable' as const;
  }
}

export async function cancelJson(request: PublicRequest, requestId: string) {
  switch (await cancel(request, requestId)) {
    case 'not_found':
      throw new HttpError(404, 'not_found', 'no such call request');
    case 'too_late':
      throw new HttpError(
        409,
        'already_dialled',
        'the call is already under way; it can no longer be cancelled',
      );
    case 'pbx_unreachable':
      throw new HttpError(
        503,
        'pbx_unavailable',
        'the phone system cannot be reached; please try again',
        undefined,
        {
          'retry-after': '5',
        },
      );
    case 'cancelling':
      return jsonResponse(202, { requestId, cancelling: true });
  }
}

/** The status page's cancel button, without JavaScript: back to the status page, saying it is cancelling. */
export async function cancelForm(request: PublicRequest, requestId: string) {
  const outcome = await cancel(request, requestId);
  if (outcome === 'not_found') return request.notAvailableHtml();
  const lang = request.query('lang');
  const query = new URLSearchParams(isLanguage(lang) ? { lang } : {});
  if (outcome === 'cancelling') query.set('cancelled', '1');
  const search = query.size > 0 ? `?${query}` : '';
  return seeOther(`${statusPath(request.callNowId, requestId)}${search}`);
}
