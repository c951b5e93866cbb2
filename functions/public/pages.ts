// The public CallNow pages: the call form, the status view (for browsers without JavaScript) and "not available".
// One small stylesheet and one small script, both inline and allowed by their hashes; the script reads what it
// needs (texts, language) from a JSON data block, so its hash is the same for every page and language.
import { createHash } from 'node:crypto';
import {
  CALL_STATES,
  type CallState,
  FAILURE_REASONS,
  type FailureReason,
} from '../../contracts/call-states.ts';
import type { CaptchaView } from './captcha-image.ts';
import { escapeHtml } from './html.ts';
import { type Catalogue, catalogue, fill, LANGUAGES, type Language } from './i18n/index.ts';

/** Scripts are sent as written, less the indentation: a quarter of their bytes, and no build step. */
export function withoutIndentation(source: string): string {
  return source.replace(/^[ \t]+/gm, '');
}

const STYLE = `
:root{color-scheme:light dark;--accent:#0a7d3b;--muted:light-dark(#4a4a4a,#c8c8c8);--error:light-dark(#b3261e,#ffb4ab);--line:light-dark(#6b6b6b,#9a9a9a);--focus:light-dark(#1a4fd6,#9ec1ff);font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45}
body{margin:0;background:Canvas;color:CanvasText}
main{box-sizing:border-box;max-width:28rem;margin:0 auto;padding:1.25rem 1rem 2rem}
h1{font-size:1.5rem;margin:0 0 .5rem;overflow-wrap:anywhere}
p{margin:.6rem 0}
.message{white-space:pre-line;overflow-wrap:anywhere}
label,legend{display:block;font-weight:600;margin:1rem 0 .35rem;padding:0}
fieldset{border:0;margin:0;padding:0;min-width:0}
input,select{box-sizing:border-box;width:100%;font:inherit;font-size:1.1rem;padding:.6rem;border:1px solid var(--line);border-radius:.4rem;background:Field;color:FieldText}
select{width:auto;font-size:1rem;padding:.35rem}
button{font:inherit;font-weight:600;border-radius:.4rem;cursor:pointer}
.call{margin-top:1.25rem;width:100%;font-size:1.15rem;padding:.8rem;border:0;background:var(--accent);color:#fff}
.plain{margin-top:.75rem;padding:.5rem 1rem;border:1px solid var(--line);background:Canvas;color:CanvasText}
button:disabled{opacity:.55;cursor:not-allowed}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
a{color:inherit}
.hint,.note,.hours{font-size:.95rem;color:var(--muted)}
.hint{margin:.3rem 0 0}
.error{color:var(--error);font-weight:600;margin:.35rem 0 0}
.notice{border-left:4px solid var(--accent);padding:.5rem .75rem;background:light-dark(#eef6f0,#1d2b21)}
.captcha img{display:block;background:#fff;border-radius:.3rem;max-width:100%;height:auto;margin:.25rem 0}
#status{min-height:1.5em;font-weight:600}
ol.steps{padding-left:1.3rem}
ol.steps li{color:var(--muted)}
ol.steps li.current{color:CanvasText;font-weight:600}
ol.steps li.done::after{content:" \\2713" / ""}
.lang{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin-top:2rem;font-size:.95rem}
.lang label{margin:0}
.lang button{margin:0;padding:.35rem .8rem}
`;

// Submits with fetch and follows the request's status; without JavaScript the form posts and the status page
// refreshes itself. Polls at most once a second, backing off while nothing changes and after errors.
const SCRIPT = withoutIndentation(`
(() => {
  const byId = (id) => document.getElementById(id);
  const form = byId('call-form');
  const status = byId('status');
  const data = byId('callnow-data');
  if (!form || !status || !data || !window.fetch) return;
  const { lang, t } = JSON.parse(data.textContent);
  const fill = (text, values) => text.replace(/\\{(\\w+)\\}/g, (match, name) => (name in values ? values[name] : match));
  const call = byId('call');
  const cancel = byId('cancel');
  const steps = byId('steps');
  const field = (name) => form.elements.namedItem(name);

  const localHours = () => {
    const hours = byId('local-hours');
    if (!hours) return;
    const start = new Date(hours.dataset.start);
    const end = new Date(hours.dataset.end);
    const next = byId('local-next');
    // Closed now: the page reloads when calls open again (today or tomorrow), and the Call button comes back.
    const opensInMs = start.getTime() - Date.now();
    if (next && opensInMs > 0 && opensInMs < 864e5) setTimeout(() => location.reload(), opensInMs + 1000);
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const time = (timeZone) => new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', timeZone });
    if (!zone || time(zone).format(start) === time(hours.dataset.zone).format(start)) return;
    hours.textContent = fill(t.hoursLocal, { from: time(zone).format(start), to: time(zone).format(end), zone });
    hours.hidden = false;
    if (next) {
      const day = new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone: zone }).format(start);
      next.textContent = fill(t.closedLocal, { day, time: time(zone).format(start) });
      next.hidden = false;
    }
  };
  try { localHours(); } catch (error) {}

  const setError = (name, text) => {
    const slot = byId(name + '-error');
    const input = field(name);
    if (slot) { slot.textContent = text; slot.hidden = !text; }
    if (input && text) input.setAttribute('aria-invalid', 'true');
    else if (input) input.removeAttribute('aria-invalid');
  };

  const useCaptcha = (captcha) => {
    if (!captcha) return;
    // The page was drawn before it needed a picture (it is now under attack): draw it again, with one.
    if (!byId('captcha-question')) { location.reload(); return; }
    byId('captcha-image').src = captcha.image;
    byId('captcha-question').textContent = captcha.question;
    field('captchaId').value = captcha.challengeId;
    field('captcha').value = '';
  };
  const refresh = byId('captcha-refresh');
  const newCaptcha = async () => {
    const response = await fetch(refresh.dataset.url, { headers: { accept: 'application/json' } });
    if (response.ok) useCaptcha(await response.json());
  };
  if (refresh) refresh.addEventListener('click', (event) => {
    event.preventDefault();
    newCaptcha().catch(() => { status.textContent = t.offline; });
  });

  let cancelled = false;
  let following;
  const show = (state) => {
    let text = state.status === 'failed' ? t.failure[state.reason] || t.failure.rejected : t.status[state.status] || '';
    if (cancelled && state.status === 'failed' && state.reason === 'rejected') text = t.cancelled;
    status.textContent = text;
    status.dataset.status = state.status;
    if (state.reason) status.dataset.reason = state.reason;
    else delete status.dataset.reason;
    if (cancel) cancel.hidden = state.status !== 'queued' || cancelled;
    if (!steps) return;
    steps.hidden = state.status === 'failed';
    const step = state.status === 'awaiting_confirmation' ? 'dialing_extension' : state.status;
    const items = Array.from(steps.children);
    const current = items.findIndex((item) => item.dataset.step === step);
    items.forEach((item, index) => {
      item.className = index < current ? 'done' : index === current ? 'current' : 'todo';
      if (index === current) item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
    });
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const follow = async (url) => {
    let delayMs = 1000;
    let last = 'queued';
    for (let failures = 0; ; ) {
      await sleep(delayMs);
      let state;
      try {
        const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
        if (!response.ok) throw new Error(String(response.status));
        state = await response.json();
      } catch (error) {
        if (++failures >= 20) { status.textContent = t.lostTrack; return; }
        delayMs = Math.min(delayMs * 2, 15000);
        continue;
      }
      failures = 0;
      if (state.status !== last) { last = state.status; delayMs = 1000; show(state); }
      else delayMs = Math.min(Math.round(delayMs * 1.5), state.status === 'connected' ? 10000 : 4000);
      if (state.status === 'completed' || state.status === 'failed') return;
    }
  };

  if (cancel) cancel.addEventListener('click', async () => {
    if (!following) return;
    cancel.disabled = true;
    try {
      const response = await fetch(following, { method: 'DELETE', headers: { accept: 'application/json' } });
      if (response.status === 202) { cancelled = true; cancel.hidden = true; status.textContent = t.cancelling; status.dataset.cancel = 'cancelling'; }
      else if (response.status === 409) { cancel.hidden = true; status.textContent = t.cancelTooLate; }
      else status.textContent = t.somethingWrong;
    } catch (error) {
      status.textContent = t.offline;
    }
    cancel.disabled = false;
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const name of ['callerName', 'phoneNumber', 'captcha']) setError(name, '');
    const fields = Object.fromEntries(new FormData(form));
    if (fields.callerName === '') delete fields.callerName;
    call.disabled = true;
    cancelled = false;
    status.textContent = t.sending;
    delete status.dataset.status;
    delete status.dataset.reason;
    delete status.dataset.cancel;
    let response;
    let body;
    try {
      response = await fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(fields) });
      body = await response.json();
    } catch (error) {
      status.textContent = t.offline;
      call.disabled = false;
      return;
    }
    if (!response.ok) {
      const error = body.error || {};
      const name = Object.keys(error.fields || {}).find((key) => field(key));
      const text = t.errors[error.code] || (name && t.errors[name]) || t.somethingWrong;
      if (body.captcha) useCaptcha(body.captcha);
      if (name) { status.textContent = ''; setError(name, text); field(name).focus(); }
      else status.textContent = text;
      call.disabled = error.code === 'owner_busy' || error.code === 'outside_availability';
      return;
    }
    const url = new URL(form.action);
    url.pathname += '/' + encodeURIComponent(body.requestId);
    url.search = '';
    following = url.href;
    show({ status: 'queued' });
    if (refresh) newCaptcha().catch(() => {});
    await follow(following);
    following = undefined;
    if (cancel) cancel.hidden = true;
    call.disabled = false;
  });
})();
`);

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Only our own inline script and style run: hashes, computed once per container. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
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
<style>${STYLE}</style>
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
export function scriptTexts(texts: Catalogue) {
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
  return layout(view.language, heading, body, { script: `${data}\n<script>${SCRIPT}</script>` });
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
