// GET /callnow/{callNowId}: the call page, with everything the owner's preferences put on it; and the same page
// again after a form post it refused, with what the visitor typed and the problem said.
import { imageValidationRequired } from '../domain/abuse.ts';
import { isAvailableAt } from '../domain/availability.ts';
import { isOwnerOnThePhone } from '../domain/call-requests.ts';
import { issueCaptcha } from '../domain/captcha.ts';
import { issueFormToken } from '../domain/form-tokens.ts';
import type { CallNowTarget } from '../domain/model.ts';
import { htmlResponse } from '../http/responses.ts';
import { currentOrNextWindow, describeDays, formatInstant, formatWallTime } from './availability-text.ts';
import { type CaptchaView, captchaView } from './captcha-image.ts';
import type { PublicRequest } from './context.ts';
import { type Catalogue, catalogue, fill, type Language } from './i18n/index.ts';
import {
  type CallNowPageView,
  type FormField,
  type HoursView,
  PAGE_HEADERS,
  renderCallNowPage,
} from './pages.ts';

/** A picture to answer, for a page with image validation on. */
export async function newCaptcha(request: PublicRequest, texts: Catalogue): Promise<CaptchaView> {
  const { store, clock } = request.ports;
  const puzzle = await issueCaptcha(request.callNowId, { store, clock, random: request.container.random });
  return captchaView(puzzle, texts);
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

type PageExtras = Pick<CallNowPageView, 'values' | 'error'> & { readonly busy?: boolean };

/** The call page for a callable target. */
async function callPage(
  request: PublicRequest,
  target: CallNowTarget,
  extras: PageExtras = {},
): Promise<string> {
  const { language, visitorChooses } = request.pageLanguage(target);
  const texts = catalogue(language);
  const preferences = target.extension.callNow;
  const now = request.now();
  const hours = hoursView(target, now, language, texts);
  const [busy, captcha, key] = await Promise.all([
    extras.busy ?? (hours?.closedText === undefined && isOwnerOnThePhone(request.store, target, now)),
    imageValidationRequired(target, now) ? newCaptcha(request, texts) : undefined,
    request.container.formSigningKey(),
  ]);
  return renderCallNowPage({
    callNowId: request.callNowId,
    formToken: issueFormToken(key, request.callNowId, now.getTime()),
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

export async function showPage(request: PublicRequest) {
  const target = await request.target();
  if (!target) return request.notAvailableHtml();
  return htmlResponse(200, await callPage(request, target), PAGE_HEADERS);
}

export interface FormProblem {
  readonly key: keyof Catalogue;
  readonly field?: FormField;
  /** Whether to show the owner as busy; by default as the page would. */
  readonly busy?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The page again, after a form post it refused: what the visitor typed stays, the problem is said. */
export async function formProblem(
  request: PublicRequest,
  target: CallNowTarget,
  statusCode: number,
  values: { readonly phoneNumber?: string | undefined; readonly callerName?: string | undefined },
  problem: FormProblem,
) {
  const texts = catalogue(request.pageLanguage(target).language);
  const error = problem.field
    ? { field: problem.field, text: texts[problem.key] }
    : { text: texts[problem.key] };
  const html = await callPage(request, target, {
    values: { phoneNumber: values.phoneNumber, callerName: values.callerName },
    error,
    ...(problem.busy === undefined ? {} : { busy: problem.busy }),
  });
  return htmlResponse(statusCode, html, { ...PAGE_HEADERS, ...problem.headers });
}
