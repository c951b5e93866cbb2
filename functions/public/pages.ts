// The public CallNow pages: the call form, the status view (for browsers without JavaScript) and "not available".
// One small stylesheet and one small script (functions/browser/), both inline and allowed by their hashes; the
// script reads what it needs (texts, language) from a JSON data block, so its hash is the same for every page.
import {
  CALL_STATES,
  type CallState,
  FAILURE_REASONS,
  type FailureReason,
} from '../../contracts/call-states.ts';
import type { ScriptTexts } from '../browser/texts.ts';
import { PAGE_SCRIPT, PAGE_SCRIPT_CSP, PAGE_STYLE, PAGE_STYLE_CSP } from './browser-assets.generated.ts';
import type { CaptchaView } from './captcha-image.ts';
import { escapeHtml } from './html.ts';
import { type Catalogue, catalogue, fill, LANGUAGES, type Language } from './i18n/index.ts';

/** Only our own inline script and style run, allowed by their hashes (computed when they are built). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${PAGE_SCRIPT_CSP}`,
  `style-src ${PAGE_STYLE_CSP}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const PAGE_HEADERS = { 'content-security-policy': CONTENT_SECURITY_POLICY, vary: 'Accept-Language' };

/** Query string that keeps the visitor's language across links and forms. */
export function langQuery(language: Language, visitorChooses: boolean): string {
  return visitorChooses ? `?lang=${language}` : '';
}

function layout(
  language: Language,
  title: string,
  body: string,
  { head = '', script = '' }: { head?: string; script?: string } = {},
): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>${head}
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
${body}
</main>${script}
</body>
</html>
`;
}

// Confirmation shows as part of ringing the owner: the list stays the same whether or not it is on.
const VISIBLE_STEPS = CALL_STATES.filter(
  (state): state is Exclude<CallState, 'failed' | 'awaiting_confirmation'> =>
    state !== 'failed' && state !== 'awaiting_confirmation',
);

type VisibleState = Exclude<CallState, 'failed'>;
const statusKey = (state: VisibleState) => `status_${state}` as const;
const failureKey = (reason: FailureReason) => `failure_${reason}` as const;

/** What a visitor reads for a state, and for each way a call can fail. */
export function statusText(texts: Catalogue, status: CallState, reason: FailureReason | undefined): string {
  if (status === 'failed') return texts[failureKey(reason ?? 'rejected')];
  return texts[statusKey(status)];
}

/** The call's steps, the ones behind marked done; hidden until a call starts on the call page. */
function renderSteps(texts: Catalogue, status: CallState | undefined): string {
  const step = status === 'awaiting_confirmation' ? 'dialing_extension' : status;
  const current = step === undefined ? -1 : (VISIBLE_STEPS as readonly CallState[]).indexOf(step);
  const items = VISIBLE_STEPS.map((state, index) => {
    const kind = index < current ? 'done' : index === current ? 'current' : 'todo';
    const here = index === current ? ' aria-current="step"' : '';
    return `<li class="${kind}" data-step="${state}"${here}>${escapeHtml(texts[statusKey(state)])}</li>`;
  }).join('\n');
  const hidden = status === undefined || status === 'failed' ? ' hidden' : '';
  return `<ol class="steps" id="steps" aria-label="${escapeHtml(texts.stepsLabel)}"${hidden}>\n${items}\n</ol>`;
}

/** A JSON data block: not executed, so outside the CSP's script hashes; `<` escaped so it cannot end the block. */
function dataBlock(id: string, value: unknown): string {
  return `\n<script type="application/json" id="${id}">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`;
}

/** The texts the page script and the widget show, in one language. */
export function scriptTexts(texts: Catalogue): ScriptTexts {
  return {
    status: Object.fromEntries(
      CALL_STATES.flatMap((state) => (state === 'failed' ? [] : [[state, texts[statusKey(state)]]])),
    ),
    failure: Object.fromEntries(FAILURE_REASONS.map((reason) => [reason, texts[failureKey(reason)]])),
    errors: {
      invalid_phone_number: texts.error_invalid_phone_number,
      caller_name_required: texts.error_caller_name_required,
      caller_name_invalid: texts.error_caller_name_invalid,
      caller_name_too_long: texts.error_caller_name_too_long,
      captcha_failed: texts.error_captcha_failed,
      outside_availability: texts.error_outside_availability,
      owner_busy: texts.ownerBusy,
      pbx_unavailable: texts.error_pbx_unavailable,
      not_available: texts.error_not_available,
      number_not_allowed: texts.error_number_not_allowed,
      too_many_requests: texts.error_too_many_requests,
      call_in_progress: texts.error_call_in_progress,
      // Schema-level problems name only the field.
      phoneNumber: texts.error_invalid_phone_number,
      callerName: texts.error_caller_name_invalid,
      captcha: texts.error_captcha_failed,
    },
    sending: texts.sending,
    cancelling: texts.cancelling,
    cancelled: texts.cancelled,
    cancelTooLate: texts.cancelTooLate,
    lostTrack: texts.lostTrack,
    offline: texts.offline,
    somethingWrong: texts.somethingWrong,
    hoursLocal: texts.hoursLocal,
    closedLocal: texts.closedLocal,
  };
}

function languageSelector(language: Language, texts: Catalogue, action: string): string {
  const options = LANGUAGES.map((code) => {
    const selected = code === language ? ' selected' : '';
    return `<option value="${code}" lang="${code}"${selected}>${escapeHtml(catalogue(code).languageName)}</option>`;
  }).join('');
  return `<form class="lang" method="get" action="${escapeHtml(action)}">
<label for="lang">${escapeHtml(texts.languageLabel)}</label>
<select id="lang" name="lang">${options}</select>
<button type="submit" class="plain">${escapeHtml(texts.languageButton)}</button>
</form>`;
}

export type FormField = 'phoneNumber' | 'callerName' | 'captcha';

export interface HoursView {
  /** "Available Monday to Friday, 9:00 AM–5:00 PM, Europe/Bucharest time." */
  readonly text: string;
  /** Said when calls are not possible now: when they are next. */
  readonly closedText?: string;
  /** The window open now or next, for the visitor's own time zone. */
  readonly start: Date;
  readonly end: Date;
  readonly timeZone: string;
}

export interface CallNowPageView {
  readonly callNowId: string;
  readonly language: Language;
  /** The owner left the language to the visitor: the page offers the others. */
  readonly visitorChooses: boolean;
  /** Shown only when the owner turned on "show my name". */
  readonly ownerName?: string;
  readonly message: string;
  readonly askCallerName: boolean;
  readonly confirm: boolean;
  readonly hours?: HoursView;
  /** The owner is on another call (and asked not to be called then). */
  readonly busy: boolean;
  readonly captcha?: CaptchaView;
  /** The form's CSRF token, bound to this CallNow ID. */
  readonly formToken: string;
  readonly values?: { readonly phoneNumber?: string | undefined; readonly callerName?: string | undefined };
  /** A problem with one field, or with the whole request (no field). */
  readonly error?: { readonly field?: FormField; readonly text: string };
}

export function renderCallNowPage(view: CallNowPageView): string {
  const texts = catalogue(view.language);
  const query = langQuery(view.language, view.visitorChooses);
  const pagePath = `/callnow/${encodeURIComponent(view.callNowId)}`;
  const heading = view.ownerName ? fill(texts.pageTitle, { name: view.ownerName }) : texts.pageTitleAnonymous;
  const closed = view.hours?.closedText !== undefined;
  const disabled = closed || view.busy;

  const errorFor = (field: FormField) => {
    const text = view.error?.field === field ? view.error.text : '';
    return `<p class="error" id="${field}-error"${text ? '' : ' hidden'}>${escapeHtml(text)}</p>`;
  };
  // Without JavaScript the page comes back with the error: focus goes to the field to fix.
  const invalid = (field: FormField) => (view.error?.field === field ? ' aria-invalid="true" autofocus' : '');
  const value = (text: string | undefined) => escapeHtml(text ?? '');

  const notices: string[] = [];
  if (view.hours) {
    const { hours } = view;
    const when = `data-start="${hours.start.toISOString()}" data-end="${hours.end.toISOString()}" data-zone="${escapeHtml(hours.timeZone)}"`;
    notices.push(
      `<p class="hours" id="hours">${escapeHtml(hours.text)} <span id="local-hours" ${when} hidden></span></p>`,
    );
    if (hours.closedText !== undefined) {
      notices.push(
        `<p class="notice" id="closed">${escapeHtml(hours.closedText)} <span id="local-next" hidden></span></p>`,
      );
    }
  }
  if (view.busy) {
    notices.push(
      `<p class="notice" id="busy">${escapeHtml(texts.ownerBusy)} <a href="${pagePath}${query}">${escapeHtml(texts.checkAgain)}</a></p>`,
    );
  }
  const formProblem = view.error && view.error.field === undefined ? view.error.text : '';

  const nameField = view.askCallerName
    ? `<label for="callerName">${escapeHtml(texts.nameLabel)}</label>
<input id="callerName" name="callerName" required maxlength="40" autocomplete="name" value="${value(view.values?.callerName)}" aria-describedby="callerName-error"${invalid('callerName')}>
${errorFor('callerName')}`
    : '';
  const captcha = view.captcha
    ? `<fieldset class="captcha" id="captcha-box">
<legend>${escapeHtml(texts.captchaLegend)}</legend>
<img id="captcha-image" src="${view.captcha.image}" alt="${escapeHtml(texts.captchaImageAlt)}" width="200" height="64">
<p id="captcha-question">${escapeHtml(view.captcha.question)}</p>
<p><a id="captcha-refresh" href="${pagePath}${query}" data-url="${pagePath}/captcha${query}">${escapeHtml(texts.captchaRefresh)}</a></p>
<label for="captcha">${escapeHtml(texts.captchaLabel)}</label>
<input id="captcha" name="captcha" required maxlength="16" autocomplete="off" autocapitalize="off" spellcheck="false" aria-describedby="captcha-question captcha-error"${invalid('captcha')}>
<input type="hidden" name="captchaId" value="${escapeHtml(view.captcha.challengeId)}">
${errorFor('captcha')}
</fieldset>`
    : '';
  const body = `<h1>${escapeHtml(heading)}</h1>
${view.message ? `<p class="message">${escapeHtml(view.message)}</p>` : ''}
${notices.join('\n')}
<form id="call-form" method="post" action="${pagePath}/requests${query}">
<input type="hidden" name="csrfToken" value="${escapeHtml(view.formToken)}">
${nameField}
<label for="phoneNumber">${escapeHtml(texts.phoneLabel)}</label>
<input id="phoneNumber" name="phoneNumber" type="tel" required maxlength="32" autocomplete="tel" inputmode="tel" value="${value(view.values?.phoneNumber)}" aria-describedby="phoneNumber-hint phoneNumber-error"${invalid('phoneNumber')}>
<p class="hint" id="phoneNumber-hint">${escapeHtml(texts.phoneHint)}</p>
${errorFor('phoneNumber')}
${captcha}
<button type="submit" class="call" id="call"${disabled ? ` disabled aria-describedby="${closed ? 'closed' : 'busy'}"` : ''}>${escapeHtml(texts.callButton)}</button>
</form>
<p id="status" role="status" aria-live="polite">${escapeHtml(formProblem)}</p>
<button type="button" class="plain" id="cancel" hidden>${escapeHtml(texts.cancelButton)}</button>
${renderSteps(texts, undefined)}
<p class="note">${escapeHtml(view.confirm ? texts.noteConfirm : texts.noteDirect)}</p>
${view.visitorChooses ? languageSelector(view.language, texts, pagePath) : ''}`;
  const data = dataBlock('callnow-data', { lang: view.language, t: scriptTexts(texts) });
  return layout(view.language, heading, body, { script: `${data}\n<script>${PAGE_SCRIPT}</script>` });
}

export interface StatusPageView {
  readonly callNowId: string;
  readonly requestId: string;
  readonly language: Language;
  readonly status: CallState;
  readonly reason?: FailureReason;
  /** The visitor asked to cancel (the no-JavaScript cancel form). */
  readonly cancelled: boolean;
  /** The page reloads itself while the call goes on, unless the visitor turned that off. */
  readonly live: boolean;
}

/** Seconds between reloads of the status page without JavaScript. */
export const STATUS_REFRESH_SECONDS = 3;

export function renderStatusPage(view: StatusPageView): string {
  const texts = catalogue(view.language);
  const finished = view.status === 'completed' || view.status === 'failed';
  const pagePath = `/callnow/${encodeURIComponent(view.callNowId)}`;
  const statusPath = `${pagePath}/requests/${encodeURIComponent(view.requestId)}`;
  const query = (extra: Record<string, string>) =>
    `?${new URLSearchParams({ lang: view.language, ...(view.cancelled ? { cancelled: '1' } : {}), ...extra })}`;
  let text = statusText(texts, view.status, view.reason);
  if (view.cancelled && view.status === 'queued') text = texts.cancelling;
  if (view.cancelled && view.status === 'failed' && view.reason === 'rejected') text = texts.cancelled;
  const cancelForm =
    view.status === 'queued' && !view.cancelled
      ? `<form method="post" action="${statusPath}/cancel?lang=${view.language}">
<button type="submit" class="plain">${escapeHtml(texts.cancelButton)}</button>
</form>`
      : '';
  // Reloading restarts a screen reader at the top of the page: the visitor can turn it off (WCAG 2.2.1).
  const updates = view.live
    ? `<p class="note">${escapeHtml(texts.statusRefreshes)} <a href="${statusPath}${query({ live: '0' })}">${escapeHtml(texts.statusStopUpdating)}</a></p>`
    : `<p><a href="${statusPath}${query({ live: '0' })}">${escapeHtml(texts.statusUpdateNow)}</a></p>`;
  const title = finished ? texts.statusTitle : texts.statusTitleRunning;
  const reason = view.reason ? ` data-reason="${view.reason}"` : '';
  const body = `<h1>${escapeHtml(title)}</h1>
<p id="status" role="status" data-status="${view.status}"${reason}>${escapeHtml(text)}</p>
${renderSteps(texts, view.status)}
${cancelForm}
${finished ? `<p><a href="${pagePath}?lang=${view.language}">${escapeHtml(texts.back)}</a></p>` : updates}`;
  const refresh = !finished && view.live;
  return layout(view.language, title, body, {
    head: refresh ? `\n<meta http-equiv="refresh" content="${STATUS_REFRESH_SECONDS}">` : '',
  });
}

export function renderNotAvailablePage(language: Language): string {
  const texts = catalogue(language);
  return layout(
    language,
    texts.notAvailableTitle,
    `<h1>${escapeHtml(texts.notAvailableTitle)}</h1>\n<p>${escapeHtml(texts.notAvailableText)}</p>`,
  );
}

export function renderProblemPage(language: Language, message: string): string {
  const texts = catalogue(language);
  return layout(
    language,
    texts.problemTitle,
    `<h1>${escapeHtml(texts.problemTitle)}</h1>\n<p class="error">${escapeHtml(message)}</p>`,
  );
}
