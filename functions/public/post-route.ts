// POST /callnow/{callNowId}/requests: a visitor asks to be called, with the page's form (answered with pages) or
// with JSON (the page's script, the widget, a program). Every outcome is written once, in OUTCOMES, for both.
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import * as z from '../../contracts/zod.ts';
import { type RequestCallResult, requestCall } from '../domain/call-requests.ts';
import { isValidFormToken } from '../domain/form-tokens.ts';
import type { CallNowTarget } from '../domain/model.ts';
import { ownOrigin, requireAllowedOrigin } from '../http/cors.ts';
import { HttpError } from '../http/errors.ts';
import { bodyFields, bodyFormat, parseInput } from '../http/request.ts';
import { htmlResponse, jsonError, jsonResponse, seeOther } from '../http/responses.ts';
import { describeError, log } from '../lib/log.ts';
import { metrics } from '../lib/metrics.ts';
import { type PublicRequest, statusPath } from './context.ts';
import { type Catalogue, catalogue } from './i18n/index.ts';
import { type FormProblem, formProblem, newCaptcha } from './page-route.ts';
import { PAGE_HEADERS, renderProblemPage } from './pages.ts';

export const VisitorRequestSchema = z.onFirstUse(() =>
  z.strictObject({
    phoneNumber: z.string().check(z.minLength(1, 'phoneNumber is required'), z.maxLength(64)),
    callerName: z.optional(z.string().check(z.maxLength(200))),
    /** The answer to the picture or to its question, when the owner turned image validation on. */
    captcha: z.optional(z.string().check(z.maxLength(64))),
    /** The challenge the answer is for, as the page gave it. */
    captchaId: z.optional(z.string().check(z.maxLength(100))),
    /** The form's CSRF token, as the page drew it; required for form posts, ignored in JSON. */
    csrfToken: z.optional(z.string().check(z.maxLength(100))),
  }),
);
type VisitorRequest = z.infer<typeof VisitorRequestSchema>;

type Refusal = Exclude<
  RequestCallResult,
  { kind: 'accepted' | 'duplicate' | 'not_available' | 'pbx_unreachable' }
>;

/** How a refusal reads: its status, the JSON's code and message, the page's text (`key`) and the field it is about. */
interface RefusalView extends FormProblem {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
}

const retryAfter = ({ retryAfterSeconds }: { retryAfterSeconds: number }) => ({
  'retry-after': String(retryAfterSeconds),
});
const NOT_ALLOWED = 'this number cannot be called from this page';

const OUTCOMES: { readonly [K in Refusal['kind']]: (result: Extract<Refusal, { kind: K }>) => RefusalView } =
  {
    outside_availability: () => ({
      statusCode: 409,
      code: 'outside_availability',
      message: 'calls are not accepted at this time of day; please try again during the hours shown',
      key: 'error_outside_availability',
      busy: false,
    }),
    owner_busy: () => ({
      statusCode: 409,
      code: 'owner_busy',
      message: 'the owner is on another call; please try again in a few minutes',
      key: 'ownerBusy',
      busy: true,
    }),
    invalid_input: ({ problem }) => ({
      statusCode: 400,
      code: problem.code,
      message: problem.message,
      key: `error_${problem.code}`,
      field: problem.field,
      busy: false,
    }),
    number_not_allowed: () => ({
      statusCode: 422,
      code: 'number_not_allowed',
      message: NOT_ALLOWED,
      key: 'error_number_not_allowed',
      field: 'phoneNumber',
      busy: false,
    }),
    captcha_failed: () => ({
      statusCode: 400,
      code: 'captcha_failed',
      message: 'the answer to the picture is wrong or too old; a new picture is attached',
      key: 'error_captcha_failed',
      field: 'captcha',
      busy: false,
    }),
    limited: (result) => ({
      statusCode: 429,
      code: 'too_many_requests',
      message: 'too many requests; try again later',
      key: 'error_too_many_requests',
      headers: retryAfter(result),
    }),
    number_busy: (result) => ({
      statusCode: 409,
      code: 'call_in_progress',
      message: 'a call to this number is already under way; try again when it has ended',
      key: 'error_call_in_progress',
      headers: retryAfter(result),
    }),
  };

function viewOf(result: Refusal): RefusalView {
  return (OUTCOMES[result.kind] as (result: Refusal) => RefusalView)(result);
}

const notAvailableJson = () =>
  jsonError(new HttpError(404, 'not_available', 'this CallNow page is not available'));

/** The form's fields, or the page again naming what is wrong with them (a bad field, a stale CSRF token). */
async function readForm(request: PublicRequest, target: CallNowTarget) {
  const parsed = VisitorRequestSchema.safeParse(bodyFields(request.event, 'form'));
  if (!parsed.success) {
    const named = parsed.error.issues.map((issue) => issue.path[0]);
    const field = named.includes('callerName') ? 'callerName' : 'phoneNumber';
    const key = field === 'callerName' ? 'error_caller_name_invalid' : 'error_invalid_phone_number';
    return { page: await formProblem(request, target, 400, {}, { field, key }) };
  }
  const key = await request.container.formSigningKey();
  if (!isValidFormToken(key, request.callNowId, parsed.data.csrfToken, request.now().getTime())) {
    return { page: await formProblem(request, target, 403, parsed.data, { key: 'error_form_expired' }) };
  }
  return { input: parsed.data };
}

export async function postRequest(request: PublicRequest): Promise<APIGatewayProxyResultV2> {
  const { event, callNowId } = request;
  const asHtml = bodyFormat(event) === 'form';
  const target = await request.target();
  if (!target) {
    metrics.callRequestRejected('not_available');
    return asHtml ? request.notAvailableHtml() : notAvailableJson();
  }
  requireAllowedOrigin(event, target.extension.callNow.allowedOrigins);
  let input: VisitorRequest;
  if (asHtml) {
    const form = await readForm(request, target);
    if (!form.input) return form.page;
    input = form.input;
  } else {
    input = parseInput(VisitorRequestSchema, bodyFields(event, 'json'));
  }
  const { captcha, captchaId, csrfToken: _, ...visitor } = input;
  const answer = captchaId === undefined ? undefined : { challengeId: captchaId, answer: captcha ?? '' };
  const sourceIp = event.requestContext.http.sourceIp;
  const result = await requestCall(callNowId, { ...visitor, captcha: answer, sourceIp }, request.ports);
  if (result.kind === 'accepted') metrics.callRequested();
  else if (result.kind !== 'duplicate') metrics.callRequestRejected(result.kind);
  return answerOf(request, result, input, asHtml);
}

async function answerOf(
  request: PublicRequest,
  result: RequestCallResult,
  input: VisitorRequest,
  asHtml: boolean,
): Promise<APIGatewayProxyResultV2> {
  const { callNowId } = request;
  switch (result.kind) {
    case 'not_available':
      return asHtml ? request.notAvailableHtml() : notAvailableJson();
    case 'pbx_unreachable':
      return pbxUnreachable(request, result, asHtml);
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
      // The status page does not read the owner's preferences: the language goes along in the link.
      if (asHtml) return seeOther(`${path}?lang=${await request.anyLanguage()}`);
      const statusUrl = `${ownOrigin(request.event)}${path}`;
      return jsonResponse(202, duplicate ? { requestId, statusUrl, duplicate } : { requestId, statusUrl }, {
        location: path,
      });
    }
  }
  if (result.kind === 'number_not_allowed') {
    log.warn('call to a refused number', {
      callNowId,
      rule: result.rule,
      visitor: maskPhoneNumber(input.phoneNumber),
    });
  }
  const view = viewOf(result);
  if (asHtml) return formProblem(request, result.target, view.statusCode, input, view);
  const fields = view.field ? { [view.field]: [view.message] } : undefined;
  const error = new HttpError(view.statusCode, view.code, view.message, fields, view.headers);
  if (result.kind !== 'captcha_failed') return jsonError(error);
  const texts: Catalogue = catalogue(request.pageLanguage(result.target).language);
  return jsonError(error, { captcha: await newCaptcha(request, texts) });
}

function pbxUnreachable(
  request: PublicRequest,
  result: Extract<RequestCallResult, { kind: 'pbx_unreachable' }>,
  asHtml: boolean,
) {
  log.error('call request could not be queued', {
    requestId: result.requestId,
    ...describeError(result.cause),
  });
  const retry = { 'retry-after': '60' };
  if (asHtml) {
    const language = request.visitorLanguage().language;
    const text = catalogue(language).error_pbx_unavailable;
    return htmlResponse(503, renderProblemPage(language, text), { ...PAGE_HEADERS, ...retry });
  }
  const message = 'the phone system cannot take requests right now; please try again in a minute';
  return jsonError(new HttpError(503, 'pbx_unavailable', message, undefined, retry));
}
