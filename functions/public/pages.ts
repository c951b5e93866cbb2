// The public CallNow pages: the call form, the status view (for browsers without JavaScript) and "not available".
import { createHash } from 'node:crypto';
import { CALL_STATES, type CallState, type FailureReason, isTerminal } from '../../contracts/call-states.ts';
import { FAILURE_TEXT, STATUS_TEXT, statusText } from './status-text.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const STYLE = `
:root{color-scheme:light dark;--accent:#0a7d3b;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:Canvas;color:CanvasText}
main{width:min(26rem,100% - 2rem);padding:1.5rem 0}
h1{font-size:1.5rem;margin:0 0 .25rem}
p{line-height:1.45}
.message{white-space:pre-line}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
input{box-sizing:border-box;width:100%;font-size:1.1rem;padding:.65rem;border:1px solid GrayText;border-radius:.4rem}
button{margin-top:1.25rem;width:100%;font-size:1.15rem;font-weight:600;padding:.8rem;border:0;border-radius:.4rem;background:var(--accent);color:#fff;cursor:pointer}
button:disabled{opacity:.6;cursor:progress}
.error{color:#b3261e;font-weight:600}
.note{font-size:.9rem;opacity:.8}
#status{min-height:1.5em;font-weight:600}
ol.steps{padding-left:1.2rem}
ol.steps li.done{opacity:.6}
ol.steps li.todo{opacity:.4}
ol.steps li.current{font-weight:600}
`;

const STATUS_TEXT_FOR_SCRIPT = JSON.stringify({ status: STATUS_TEXT, failure: FAILURE_TEXT });

// Submits with fetch and follows the request's status; without JavaScript the form posts and the status page refreshes.
const SCRIPT = `
(() => {
  const form = document.getElementById('call-form');
  const status = document.getElementById('status');
  if (!form || !status || !window.fetch) return;
  const text = ${STATUS_TEXT_FOR_SCRIPT};
  const steps = document.getElementById('steps');
  const show = (body) => {
    status.textContent = body.status === 'failed' ? text.failure[body.reason] || text.failure.rejected : text.status[body.status] || '';
    status.dataset.status = body.status;
    if (body.reason) status.dataset.reason = body.reason; else delete status.dataset.reason;
    if (!steps) return;
    steps.hidden = body.status === 'failed';
    const items = Array.from(steps.children);
    const step = body.status === 'awaiting_confirmation' ? 'dialing_extension' : body.status;
    const current = items.findIndex((item) => item.dataset.step === step);
    items.forEach((item, index) => { item.className = index < current ? 'done' : index === current ? 'current' : 'todo'; });
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    const fields = Object.fromEntries(new FormData(form));
    if (fields.callerName === '') delete fields.callerName;
    button.disabled = true;
    status.textContent = 'Sending your request…';
    try {
      const response = await fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(fields) });
      const body = await response.json();
      if (!response.ok) { status.textContent = body.error ? body.error.message : 'Something went wrong.'; button.disabled = false; return; }
      show({ status: 'queued' });
      for (let failures = 0; ; ) {
        await sleep(1000);
        try {
          const poll = await fetch(body.statusUrl, { headers: { accept: 'application/json' } });
          if (!poll.ok) throw new Error(String(poll.status));
          const state = await poll.json();
          failures = 0;
          show(state);
          if (state.status === 'completed' || state.status === 'failed') break;
        } catch (error) {
          if (++failures >= 30) { status.textContent = 'We lost track of your call. Please check your phone.'; break; }
        }
      }
    } catch (error) {
      status.textContent = 'We could not reach CallNow. Please check your connection and try again.';
    }
    button.disabled = false;
  });
})();
`;

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

export const PAGE_HEADERS = { 'content-security-policy': CONTENT_SECURITY_POLICY };

function layout(title: string, body: string, { head = '', script = '' } = {}): string {
  return `<!doctype html>
<html lang="en">
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
</main>${script ? `\n<script>${script}</script>` : ''}
</body>
</html>
`;
}

// Confirmation shows as part of ringing the owner: the list stays the same whether or not it is on.
const VISIBLE_STEPS = CALL_STATES.filter(
  (state): state is Exclude<CallState, 'failed' | 'awaiting_confirmation'> =>
    state !== 'failed' && state !== 'awaiting_confirmation',
);

/** The call's steps, the ones behind marked done; hidden until a call starts on the call page. */
function renderSteps(status: CallState | undefined): string {
  const step = status === 'awaiting_confirmation' ? 'dialing_extension' : status;
  const current = step === undefined ? -1 : (VISIBLE_STEPS as readonly CallState[]).indexOf(step);
  const items = VISIBLE_STEPS.map((state, index) => {
    const kind = index < current ? 'done' : index === current ? 'current' : 'todo';
    return `<li class="${kind}" data-step="${state}">${escapeHtml(STATUS_TEXT[state])}</li>`;
  }).join('\n');
  return `<ol class="steps" id="steps"${status === undefined || status === 'failed' ? ' hidden' : ''}>\n${items}\n</ol>`;
}

export interface CallNowPageView {
  readonly callNowId: string;
  /** Shown only when the owner turned on "show my name". */
  readonly ownerName?: string;
  readonly message: string;
  readonly askCallerName: boolean;
  readonly confirm: boolean;
  readonly values?: { readonly phoneNumber?: string | undefined; readonly callerName?: string | undefined };
  readonly error?: { readonly field: string; readonly message: string };
}

export function renderCallNowPage(view: CallNowPageView): string {
  const heading = view.ownerName ? `Call ${view.ownerName}` : 'Call us now';
  const fieldError = (field: string) =>
    view.error?.field === field
      ? `<p class="error" id="${field}-error" role="alert">${escapeHtml(view.error.message)}</p>`
      : '';
  const describedBy = (field: string) =>
    view.error?.field === field ? ` aria-describedby="${field}-error"` : '';
  const nameField = view.askCallerName
    ? `<label for="callerName">Your name</label>
<input id="callerName" name="callerName" required maxlength="40" autocomplete="name" value="${escapeHtml(view.values?.callerName ?? '')}"${describedBy('callerName')}>
${fieldError('callerName')}`
    : '';
  const body = `<h1>${escapeHtml(heading)}</h1>
${view.message ? `<p class="message">${escapeHtml(view.message)}</p>` : ''}
<form id="call-form" method="post" action="/callnow/${encodeURIComponent(view.callNowId)}/requests">
${nameField}
<label for="phoneNumber">Your phone number</label>
<input id="phoneNumber" name="phoneNumber" type="tel" required maxlength="32" autocomplete="tel" inputmode="tel" placeholder="+1 202 555 0100" value="${escapeHtml(view.values?.phoneNumber ?? '')}"${describedBy('phoneNumber')}>
${fieldError('phoneNumber')}
<button type="submit">Call</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
${renderSteps(undefined)}
<p class="note">${
    view.confirm
      ? 'We ring them first; once they confirm, we call you on this number.'
      : 'We ring them first; as soon as they answer, we call you on this number.'
  }</p>`;
  return layout(heading, body, { script: SCRIPT });
}

export interface StatusPageView {
  readonly callNowId: string;
  readonly status: CallState;
  readonly reason?: FailureReason;
}

export function renderStatusPage(view: StatusPageView): string {
  const finished = isTerminal(view.status);
  const body = `<h1>${finished ? 'Your call' : 'Calling…'}</h1>
<p id="status" role="status" data-status="${view.status}"${view.reason ? ` data-reason="${view.reason}"` : ''}>${escapeHtml(statusText(view.status, view.reason))}</p>
${renderSteps(view.status)}
${finished ? `<p><a href="/callnow/${encodeURIComponent(view.callNowId)}">Back</a></p>` : '<p class="note">This page updates by itself.</p>'}`;
  return layout('Your call', body, { head: finished ? '' : '\n<meta http-equiv="refresh" content="2">' });
}

export function renderNotAvailablePage(): string {
  return layout(
    'Not available',
    '<h1>Not available</h1>\n<p>This CallNow page is not available. Please check the link, or contact the owner in another way.</p>',
  );
}

export function renderProblemPage(message: string): string {
  return layout('Please try again', `<h1>Please try again</h1>\n<p class="error">${escapeHtml(message)}</p>`);
}
