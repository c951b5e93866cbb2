// The public CallNow routes: the page, a visitor's call request, its status and cancelling it, a new CAPTCHA, and
// the widget with its CORS preflights.
import { randomBytes, randomInt } from 'node:crypto';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { TOKEN_PATTERN } from '../../contracts/ami-safe.ts';
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import * as z from '../../contracts/zod.ts';
import { imageValidationRequired } from '../domain/abuse.ts';
import { isAvailableAt } from '../domain/availability.ts';
import {
  callRequestStatus,
  findCallableTarget,
  isOwnerOnThePhone,
  type RequestCallPorts,
  requestCall,
} from '../domain/call-requests.ts';
import { cancelCallRequest } from '../domain/cancel.ts';
import { type CaptchaChallenge, type CaptchaRandom, issueCaptcha } from '../domain/captcha.ts';
import { issueFormToken, isValidFormToken } from '../domain/form-tokens.ts';
import type { CallNowTarget, CallRequest, ExtensionPresenceRecord } from '../domain/model.ts';
import type { CallNowStore, CallRequestChange, DestinationHold } from '../domain/ports.ts';
import type { LimitCheck } from '../domain/rate-limits.ts';
import { type EdgeOptions, edgeRequests } from '../http/edge.ts';
import { errorPayload, HttpError } from '../http/errors.ts';
import { httpErrors } from '../http/middleware.ts';
import { bodyFields, bodyFormat, parseInput, prefersHtml } from '../http/request.ts';
import { htmlResponse, jsonResponse, seeOther } from '../http/responses.ts';
import { describeError, log } from '../lib/log.ts';
import { metrics } from '../lib/metrics.ts';
import { currentOrNextWindow, describeDays, formatInstant, formatWallTime } from './availability-text.ts';
import { type CaptchaView, captchaView } from './captcha-image.ts';
import {
  type Catalogue,
  catalogue,
  chooseLanguage,
  fill,
  isLanguage,
  type Language,
  type LanguageChoice,
  negotiateLanguage,
} from './i18n/index.ts';
import {
  type CallNowPageView,
  type FormField,
  type HoursView,
  PAGE_HEADERS,
  renderCallNowPage,
  renderNotAvailablePage,
  renderProblemPage,
  renderStatusPage,
  scriptTexts,
} from './pages.ts';
import { renderWidgetScript, WIDGET_NOT_ALLOWED } from './widget.ts';

const CALLNOW_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const VisitorRequestSchema = z.strictObject({
  phoneNumber: z.string().check(z.minLength(1, 'phoneNumber is required'), z.maxLength(64)),
  callerName: z.optional(z.string().check(z.maxLength(200))),
  /** The answer to the picture or to its question, when the owner turned image validation on. */
  captcha: z.optional(z.string().check(z.maxLength(64))),
  /** The challenge the answer is for, as the page gave it. */
  captchaId: z.optional(z.string().check(z.maxLength(100))),
  /** The form's CSRF token, as the page drew it; required for form posts, ignored in JSON. */
  csrfToken: z.optional(z.string().check(z.maxLength(100))),
});
type VisitorRequest = z.infer<typeof VisitorRequestSchema>;

export interface PublicPorts extends RequestCallPorts {
  /** The randomness of CAPTCHA challenges. @default node:crypto */
  readonly random?: CaptchaRandom;
  /** Behind CloudFront (`waf`): the secret header that proves a request came through it. */
  readonly edge?: EdgeOptions;
}

const cryptoRandom: CaptchaRandom = {
  integer: (minimum, maximum) => randomInt(minimum, maximum + 1),
  id: () => randomBytes(16).toString('base64url'),
};

/** One invocation's view of the store: a CallNow ID's target is read once, however many steps ask for it. */
class InvocationStore implements CallNowStore {
  readonly #targets = new Map<string, Promise<CallNowTarget | undefined>>();
  constructor(private readonly store: CallNowStore) {}

  getCallNowTarget(callNowId: string): Promise<CallNowTarget | undefined> {
    let target = this.#targets.get(callNowId);
    if (!target) {
      target = this.store.getCallNowTarget(callNowId);
      this.#targets.set(callNowId, target);
    }
    return target;
  }
  createCallRequest(request: CallRequest, retentionDays: number) {
    return this.store.createCallRequest(request, retentionDays);
  }
  getCallRequest(requestId: string) {
    return this.store.getCallRequest(requestId);
  }
  advanceCallRequest(change: CallRequestChange) {
    return this.store.advanceCallRequest(change);
  }
  putExtensionPresence(presence: ExtensionPresenceRecord) {
    return this.store.putExtensionPresence(presence);
  }
  getExtensionPresence(siteId: string, extension: string) {
    return this.store.getExtensionPresence(siteId, extension);
  }
  putCaptchaChallenge(challenge: CaptchaChallenge) {
    return this.store.putCaptchaChallenge(challenge);
  }
  takeCaptchaChallenge(challengeId: string) {
    return this.store.takeCaptchaChallenge(challengeId);
  }
  hit(check: LimitCheck, nowMs: number) {
    return this.store.hit(check, nowMs);
  }
  unhit(check: LimitCheck, nowMs: number) {
    return this.store.unhit(check, nowMs);
  }
  raiseShield(callNowId: string, until: string) {
    return this.store.raiseShield(callNowId, until);
  }
  claimDestination(hold: DestinationHold) {
    return this.store.claimDestination(hold);
  }
  replaceDestinationHold(hold: DestinationHold, previousRequestId: string) {
    return this.store.replaceDestinationHold(hold, previousRequestId);
  }
  releaseDestination(phone: string, requestId: string) {
    return this.store.releaseDestination(phone, requestId);
  }
  formSigningKey() {
    return this.store.formSigningKey();
  }
}

function statusPath(callNowId: string, requestId: string): string {
  return `/callnow/${encodeURIComponent(callNowId)}/requests/${encodeURIComponent(requestId)}`;
}

/** Where this page is served from, as a browser names it in `Origin`. */
function ownOrigin(event: APIGatewayProxyEventV2): string {
  return `${event.headers['x-forwarded-proto'] ?? 'https'}://${event.requestContext.domainName}`;
}

function absoluteUrl(event: APIGatewayProxyEventV2, path: string): string {
  return `${ownOrigin(event)}${path}`;
}

/**
 * Only this site and the origins the owner allowed for the widget may change anything. A browser says where a
 * request comes from: `Sec-Fetch-Site` (which no script can set) tells same-origin from cross-site, whatever host
 * the site is served under (behind CloudFront it is not the API's); where it is missing, `Origin` is compared, and
 * a form under our `referrer-policy: no-referrer` says `null` there. With neither it is a program, not a browser
 * another site could steer.
 */
function isAllowedOrigin(event: APIGatewayProxyEventV2, target: CallNowTarget | undefined): boolean {
  const site = event.headers['sec-fetch-site'];
  if (site === 'same-origin') return true;
  const origin = event.headers.origin?.toLowerCase();
  if (origin !== undefined && origin !== 'null') {
    return (
      origin === ownOrigin(event).toLowerCase() ||
      (target?.extension.callNow.allowedOrigins.includes(origin) ?? false)
    );
  }
  return site === undefined || site === 'none';
}

async function requireAllowedOrigin(event: APIGatewayProxyEventV2, store: CallNowStore, callNowId: string) {
  if (!isAllowedOrigin(event, await findCallableTarget(store, callNowId))) {
    throw new HttpError(
      403,
      'origin_not_allowed',
      'requests from this web site are not accepted by this page',
    );
  }
}

const queryOf = (event: APIGatewayProxyEventV2, name: string) => event.queryStringParameters?.[name];

/** The visitor's language where no owner preference applies (unknown pages, status pages). */
function visitorLanguage(event: APIGatewayProxyEventV2): LanguageChoice {
  const query = queryOf(event, 'lang');
  if (isLanguage(query)) return { language: query, visitorChooses: true };
  return { language: negotiateLanguage(event.headers['accept-language']) ?? 'en', visitorChooses: false };
}

function pageLanguage(event: APIGatewayProxyEventV2, target: CallNowTarget): LanguageChoice {
  return chooseLanguage(target.extension.callNow.language, {
    query: queryOf(event, 'lang'),
    acceptLanguage: event.headers['accept-language'],
  });
}

function hoursView(
  target: CallNowTarget,
  now: Date,
  language: Language,
  texts: Catalogue,
): HoursView | undefined {
  const { availability } = target.extension.callNow;
  if (!availability) return undefined;
  const window = currentOrNextWindow(availability, now);
  const text = fill(texts.hours, {
    days: describeDays(availability.days, language, texts),
    from: formatWallTime(availability.from, language),
    to: formatWallTime(availability.to, language),
    zone: availability.timeZone,
  });
  const hours = { text, start: window.start, end: window.end, timeZone: availability.timeZone };
  if (isAvailableAt(availability, now)) return hours;
  const next = formatInstant(window.start, availability.timeZone, language);
  return { ...hours, closedText: fill(texts.closed, { ...next, zone: availability.timeZone }) };
}

/** An error body for the JSON API, with the CORS headers of the answer. */
function jsonError(error: HttpError, headers: Record<string, string>, extra: Record<string, unknown> = {}) {
  return jsonResponse(
    error.statusCode,
    { ...errorPayload(error), ...extra },
    { ...error.headers, ...headers },
  );
}

const notFoundJson = (headers: Record<string, string> = {}) =>
  jsonError(new HttpError(404, 'not_available', 'this CallNow page is not available'), headers);

export function createPublicHandler(ports: PublicPorts) {
  const random = ports.random ?? cryptoRandom;
  let formKey: Promise<Uint8Array> | undefined;
  /** Read once per container; a failed read is tried again on the next request. */
  function formSigningKey(): Promise<Uint8Array> {
    formKey ??= ports.store.formSigningKey().catch((error: unknown) => {
      formKey = undefined;
      throw error;
    });
    return formKey;
  }

  async function newCaptcha(store: CallNowStore, callNowId: string, texts: Catalogue): Promise<CaptchaView> {
    const puzzle = await issueCaptcha(callNowId, { store, clock: ports.clock, random });
    return captchaView(puzzle, texts);
  }

  /** The call page for a callable target, with everything the owner's preferences put on it. */
  async function callPage(
    event: APIGatewayProxyEventV2,
    store: CallNowStore,
    callNowId: string,
    target: CallNowTarget,
    extras: Pick<CallNowPageView, 'values' | 'error'> & { busy?: boolean } = {},
  ): Promise<string> {
    const { language, visitorChooses } = pageLanguage(event, target);
    const texts = catalogue(language);
    const preferences = target.extension.callNow;
    const now = ports.clock.now();
    const hours = hoursView(target, now, language, texts);
    const [busy, captcha, key] = await Promise.all([
      extras.busy ?? (hours?.closedText === undefined && isOwnerOnThePhone(store, target, now)),
      imageValidationRequired(target, now) ? newCaptcha(store, callNowId, texts) : undefined,
      formSigningKey(),
    ]);
    return renderCallNowPage({
      callNowId,
      formToken: issueFormToken(key, callNowId, now.getTime()),
      language,
      visitorChooses,
      message: preferences.message,
      askCallerName: preferences.askCallerName,
      confirm: preferences.confirm,
      busy,
      ...(preferences.showName ? { ownerName: target.extension.ownerName } : {}),
      ...(hours ? { hours } : {}),
      ...(captcha ? { captcha } : {}),
      ...(extras.values ? { values: extras.values } : {}),
      ...(extras.error ? { error: extras.error } : {}),
    });
  }

  function notAvailableHtml(event: APIGatewayProxyEventV2) {
    return htmlResponse(404, renderNotAvailablePage(visitorLanguage(event).language), PAGE_HEADERS);
  }

  async function showPage(event: APIGatewayProxyEventV2, store: CallNowStore, callNowId: string) {
    const target = await findCallableTarget(store, callNowId);
    if (!target) return notAvailableHtml(event);
    return htmlResponse(200, await callPage(event, store, callNowId, target), PAGE_HEADERS);
  }

  /** The page again, after a form post it refused: what the visitor typed stays, the problem is said. */
  async function formProblem(
    event: APIGatewayProxyEventV2,
    store: CallNowStore,
    callNowId: string,
    target: CallNowTarget,
    statusCode: number,
    input: Partial<VisitorRequest>,
    problem: { field?: FormField; key: keyof Catalogue; busy?: boolean },
  ) {
    const texts = catalogue(pageLanguage(event, target).language);
    const error = problem.field
      ? { field: problem.field, text: texts[problem.key] }
      : { text: texts[problem.key] };
    const values = { phoneNumber: input.phoneNumber, callerName: input.callerName };
    const html = await callPage(event, store, callNowId, target, {
      values,
      error,
      ...(problem.busy === undefined ? {} : { busy: problem.busy }),
    });
    return htmlResponse(statusCode, html, PAGE_HEADERS);
  }

  async function postRequest(
    event: APIGatewayProxyEventV2,
    store: CallNowStore,
    callNowId: string,
  ): Promise<APIGatewayProxyResultV2> {
    const format = bodyFormat(event);
    const fields = bodyFields(event, format);
    const asHtml = format === 'form';
    await requireAllowedOrigin(event, store, callNowId);
    let input: VisitorRequest;
    if (asHtml) {
      // A form the schema refuses comes back as the page with the problem, not as a JSON error.
      const parsed = VisitorRequestSchema.safeParse(fields);
      if (!parsed.success) {
        const target = await findCallableTarget(store, callNowId);
        if (!target) return notAvailableHtml(event);
        const named = parsed.error.issues.map((issue) => issue.path[0]);
        const field = named.includes('callerName') ? 'callerName' : 'phoneNumber';
        const key = field === 'callerName' ? 'error_caller_name_invalid' : 'error_invalid_phone_number';
        return formProblem(event, store, callNowId, target, 400, {}, { field, key });
      }
      input = parsed.data;
      const key = await formSigningKey();
      if (!isValidFormToken(key, callNowId, input.csrfToken, ports.clock.now().getTime())) {
        const target = await findCallableTarget(store, callNowId);
        if (!target) return notAvailableHtml(event);
        return formProblem(event, store, callNowId, target, 403, input, { key: 'error_form_expired' });
      }
    } else {
      input = parseInput(VisitorRequestSchema, fields);
    }
    const { captcha, captchaId, csrfToken: _, ...visitor } = input;
    const answer = captchaId === undefined ? undefined : { challengeId: captchaId, answer: captcha ?? '' };
    const sourceIp = event.requestContext.http.sourceIp;
    const result = await requestCall(
      callNowId,
      { ...visitor, captcha: answer, sourceIp },
      { ...ports, store },
    );
    if (result.kind === 'accepted') metrics.callRequested();
    else if (result.kind !== 'duplicate') metrics.callRequestRejected(result.kind);
    if (result.kind === 'number_not_allowed') {
      log.warn('call to a refused number', {
        callNowId,
        rule: result.rule,
        visitor: maskPhoneNumber(visitor.phoneNumber),
      });
    }

    switch (result.kind) {
      case 'not_available':
        return asHtml ? notAvailableHtml(event) : notFoundJson();
      case 'outside_availability': {
        if (asHtml) {
          return formProblem(event, store, callNowId, result.target, 409, input, {
            key: 'error_outside_availability',
            busy: false,
          });
        }
        throw new HttpError(
          409,
          'outside_availability',
          'calls are not accepted at this time of day; please try again during the hours shown',
        );
      }
      case 'owner_busy': {
        if (asHtml) {
          return formProblem(event, store, callNowId, result.target, 409, input, {
            key: 'ownerBusy',
            busy: true,
          });
        }
        throw new HttpError(
          409,
          'owner_busy',
          'the owner is on another call; please try again in a few minutes',
        );
      }
      case 'invalid_input': {
        const { field, code, message } = result.problem;
        if (asHtml) {
          return formProblem(event, store, callNowId, result.target, 400, input, {
            field,
            key: `error_${code}`,
            busy: false,
          });
        }
        throw new HttpError(400, code, message, { [field]: [message] });
      }
      case 'number_not_allowed': {
        const message = 'this number cannot be called from this page';
        if (asHtml) {
          return formProblem(event, store, callNowId, result.target, 422, input, {
            field: 'phoneNumber',
            key: 'error_number_not_allowed',
            busy: false,
          });
        }
        throw new HttpError(422, 'number_not_allowed', message, { phoneNumber: [message] });
      }
      case 'limited':
      case 'number_busy': {
        const retryAfter = { 'retry-after': String(result.retryAfterSeconds) };
        const [status, key, code, message] =
          result.kind === 'limited'
            ? ([
                429,
                'error_too_many_requests',
                'too_many_requests',
                'too many requests; try again later',
              ] as const)
            : ([
                409,
                'error_call_in_progress',
                'call_in_progress',
                'a call to this number is already under way; try again when it has ended',
              ] as const);
        if (asHtml) {
          const page = await formProblem(event, store, callNowId, result.target, status, input, { key });
          return { ...page, headers: { ...page.headers, ...retryAfter } };
        }
        throw new HttpError(status, code, message, undefined, retryAfter);
      }
      case 'captcha_failed': {
        if (asHtml) {
          return formProblem(event, store, callNowId, result.target, 400, input, {
            field: 'captcha',
            key: 'error_captcha_failed',
            busy: false,
          });
        }
        const texts = catalogue(pageLanguage(event, result.target).language);
        const message = 'the answer to the picture is wrong or too old; a new picture is attached';
        const captcha = await newCaptcha(store, callNowId, texts);
        return jsonError(
          new HttpError(400, 'captcha_failed', message, { captcha: [message] }),
          {},
          { captcha },
        );
      }
      case 'pbx_unreachable': {
        log.error('call request could not be queued', {
          requestId: result.requestId,
          ...describeError(result.cause),
        });
        const message = 'the phone system cannot take requests right now; please try again in a minute';
        if (asHtml) {
          const language = visitorLanguage(event).language;
          const text = catalogue(language).error_pbx_unavailable;
          return htmlResponse(503, renderProblemPage(language, text), {
            ...PAGE_HEADERS,
            'retry-after': '60',
          });
        }
        throw new HttpError(503, 'pbx_unavailable', message, undefined, { 'retry-after': '60' });
      }
      case 'duplicate':
      case 'accepted': {
        const { requestId, visitorPhone } = result.request;
        const duplicate = result.kind === 'duplicate';
        log.info(duplicate ? 'call asked for again while under way' : 'call requested', {
          callNowId,
          requestId,
          visitor: maskPhoneNumber(visitorPhone),
        });
        const path = statusPath(callNowId, requestId);
        if (asHtml) {
          // The status page does not read the owner's preferences: the language goes along in the link.
          const target = await findCallableTarget(store, callNowId);
          const language = target ? pageLanguage(event, target).language : visitorLanguage(event).language;
          return seeOther(`${path}?lang=${language}`);
        }
        const statusUrl = absoluteUrl(event, path);
        return jsonResponse(202, duplicate ? { requestId, statusUrl, duplicate } : { requestId, statusUrl }, {
          location: path,
        });
      }
    }
  }

  async function findRequest(store: CallNowStore, callNowId: string, requestId: string) {
    return TOKEN_PATTERN.test(requestId)
      ? callRequestStatus(callNowId, requestId, { store, clock: ports.clock })
      : undefined;
  }

  async function showStatus(
    event: APIGatewayProxyEventV2,
    store: CallNowStore,
    callNowId: string,
    requestId: string,
  ) {
    const asHtml = prefersHtml(event);
    const request = await findRequest(store, callNowId, requestId);
    if (!request) {
      return asHtml
        ? notAvailableHtml(event)
        : jsonResponse(404, { error: { code: 'not_found', message: 'no such call request' } });
    }
    const { status, reason } = request;
    if (asHtml) {
      const view = {
        callNowId,
        requestId,
        language: visitorLanguage(event).language,
        status,
        cancelled: queryOf(event, 'cancelled') === '1',
        live: queryOf(event, 'live') !== '0',
      };
      return htmlResponse(200, renderStatusPage(reason ? { ...view, reason } : view), PAGE_HEADERS);
    }
    return jsonResponse(200, reason ? { requestId, status, reason } : { requestId, status });
  }

  /** Cancels a request not dialled yet; the connector reports how it ended (`failed/rejected` when in time). */
  async function cancel(store: CallNowStore, callNowId: string, requestId: string) {
    const request = await findRequest(store, callNowId, requestId);
    if (!request) return 'not_found' as const;
    try {
      return await cancelCallRequest(request, ports);
    } catch (error) {
      log.error('call cancel could not be queued', { requestId, ...describeError(error) });
      return 'pbx_unreachable' as const;
    }
  }

  async function cancelJson(
    event: APIGatewayProxyEventV2,
    store: CallNowStore,
    callNowId: string,
    requestId: string,
  ) {
    await requireAllowedOrigin(event, store, callNowId);
    switch (await cancel(store, callNowId, requestId)) {
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

  async function cancelForm(
    event: APIGatewayProxyEventV2,
    store: CallNowStore,
    callNowId: string,
    requestId: string,
  ) {
    await requireAllowedOrigin(event, store, callNowId);
    const outcome = await cancel(store, callNowId, requestId);
    if (outcome === 'not_found') return notAvailableHtml(event);
    const lang = queryOf(event, 'lang');
    const query = new URLSearchParams(isLanguage(lang) ? { lang } : {});
    if (outcome === 'cancelling') query.set('cancelled', '1');
    const search = query.size > 0 ? `?${query}` : '';
    return seeOther(`${statusPath(callNowId, requestId)}${search}`);
  }

  async function captchaJson(event: APIGatewayProxyEventV2, store: CallNowStore, callNowId: string) {
    const target = await findCallableTarget(store, callNowId);
    if (!target || !imageValidationRequired(target, ports.clock.now())) return notFoundJson();
    const texts = catalogue(pageLanguage(event, target).language);
    return jsonResponse(200, await newCaptcha(store, callNowId, texts));
  }

  /** Origins the owner listed get the CORS headers; any other origin gets none, and the browser keeps the answer. */
  async function corsHeaders(
    event: APIGatewayProxyEventV2,
    store: CallNowStore,
    callNowId: string,
  ): Promise<Record<string, string>> {
    const origin = event.headers.origin;
    if (!origin) return {};
    const target = await findCallableTarget(store, callNowId);
    const allowed = target?.extension.callNow.allowedOrigins.includes(origin.toLowerCase()) ?? false;
    return allowed ? { 'access-control-allow-origin': origin, vary: 'Origin' } : { vary: 'Origin' };
  }

  async function preflight(event: APIGatewayProxyEventV2, store: CallNowStore, callNowId: string) {
    const cors = await corsHeaders(event, store, callNowId);
    const allowed = 'access-control-allow-origin' in cors;
    return {
      statusCode: allowed ? 204 : 403,
      headers: {
        'cache-control': 'no-store',
        ...cors,
        ...(allowed
          ? {
              'access-control-allow-methods': 'GET, POST, DELETE',
              'access-control-allow-headers': 'content-type',
              'access-control-max-age': '600',
            }
          : {}),
      },
      body: '',
    } satisfies APIGatewayProxyStructuredResultV2;
  }

  /**
   * The widget for an origin the owner allowed; anything else (another origin, no origin because the snippet lost
   * its `crossorigin`, an unknown CallNow ID) gets a script that does nothing, so the link stays a plain link.
   */
  async function widget(event: APIGatewayProxyEventV2, store: CallNowStore, callNowId: string | undefined) {
    const target = callNowId === undefined ? undefined : await findCallableTarget(store, callNowId);
    const origin = event.headers.origin?.toLowerCase();
    const headers = {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'cross-origin',
      vary: 'Origin, Accept-Language',
    };
    if (!target || origin === undefined || !target.extension.callNow.allowedOrigins.includes(origin)) {
      return {
        statusCode: 200,
        headers: { ...headers, 'access-control-allow-origin': '*' },
        body: WIDGET_NOT_ALLOWED,
      };
    }
    const { language } = pageLanguage(event, target);
    const texts = catalogue(language);
    const preferences = target.extension.callNow;
    const script = renderWidgetScript({
      title: preferences.showName
        ? fill(texts.pageTitle, { name: target.extension.ownerName })
        : texts.pageTitleAnonymous,
      askCallerName: preferences.askCallerName,
      imageValidation: imageValidationRequired(target, ports.clock.now()),
      texts: {
        ...scriptTexts(texts),
        nameLabel: texts.nameLabel,
        phoneLabel: texts.phoneLabel,
        callButton: texts.callButton,
        cancelButton: texts.cancelButton,
        close: texts.widgetClose,
        openPage: texts.widgetOpenPage,
        captchaImageAlt: texts.captchaImageAlt,
        captchaLabel: texts.captchaLabel,
        captchaRefresh: texts.captchaRefresh,
      },
    });
    return { statusCode: 200, headers: { ...headers, 'access-control-allow-origin': origin }, body: script };
  }

  /** The JSON routes a widget calls from another origin: their answers, errors included, carry the CORS headers. */
  async function withCors(
    event: APIGatewayProxyEventV2,
    store: CallNowStore,
    callNowId: string,
    answer: () => Promise<APIGatewayProxyResultV2>,
  ): Promise<APIGatewayProxyResultV2> {
    let response: APIGatewayProxyResultV2;
    try {
      response = await answer();
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      response = jsonError(error, {});
    }
    if (typeof response === 'string') return response;
    const cors = await corsHeaders(event, store, callNowId);
    return { ...response, headers: { ...response.headers, ...cors } };
  }

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpErrors())
    .use(edgeRequests(ports.edge ?? {}))
    .handler(async (event) => {
      const callNowId = event.pathParameters?.callNowId ?? '';
      const requestId = event.pathParameters?.requestId ?? '';
      const store = new InvocationStore(ports.store);
      const known = CALLNOW_ID_PATTERN.test(callNowId);
      switch (event.routeKey) {
        case 'GET /callnow/{callNowId}':
          return known ? showPage(event, store, callNowId) : notAvailableHtml(event);
        case 'POST /callnow/{callNowId}/requests':
          if (!known) return notFoundJson();
          return withCors(event, store, callNowId, () => postRequest(event, store, callNowId));
        case 'GET /callnow/{callNowId}/requests/{requestId}':
          if (!known) return notFoundJson();
          if (prefersHtml(event)) return showStatus(event, store, callNowId, requestId);
          return withCors(event, store, callNowId, () => showStatus(event, store, callNowId, requestId));
        case 'DELETE /callnow/{callNowId}/requests/{requestId}':
          if (!known) return notFoundJson();
          return withCors(event, store, callNowId, () => cancelJson(event, store, callNowId, requestId));
        case 'POST /callnow/{callNowId}/requests/{requestId}/cancel':
          return known ? cancelForm(event, store, callNowId, requestId) : notAvailableHtml(event);
        case 'GET /callnow/{callNowId}/captcha':
          if (!known) return notFoundJson();
          return withCors(event, store, callNowId, () => captchaJson(event, store, callNowId));
        case 'GET /callnow/{callNowId}/widget.js':
          return widget(event, store, known ? callNowId : undefined);
        case 'OPTIONS /callnow/{callNowId}/requests':
        case 'OPTIONS /callnow/{callNowId}/requests/{requestId}':
          return known ? preflight(event, store, callNowId) : notFoundJson();
        default:
          throw new HttpError(404, 'not_found', `no route for ${event.routeKey}`);
      }
    });
}
