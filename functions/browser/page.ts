// The CallNow page's script: submits the form with fetch and follows the request's status. Without JavaScript the
// form posts and the status page refreshes itself. It reads its texts and language from the page's JSON data block,
// so its text, and its CSP hash, are the same for every page and language.
import {
  type ApiAnswer,
  type CallStateView,
  type CaptchaView,
  errorOf,
  followStatus,
  JSON_HEADERS,
  stateText,
} from './follow-status.ts';
import type { ScriptTexts } from './texts.ts';

interface PageData {
  readonly lang: string;
  readonly t: ScriptTexts;
}

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T | null;
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);

/** The hours in the visitor's own time zone, when it is not the owner's; closed now: reload when calls open. */
function showLocalHours({ lang, t }: PageData): void {
  const hours = byId('local-hours');
  if (!hours) return;
  const start = new Date(hours.dataset.start ?? '');
  const end = new Date(hours.dataset.end ?? '');
  const next = byId('local-next');
  const opensInMs = start.getTime() - Date.now();
  if (next && opensInMs > 0 && opensInMs < 864e5) setTimeout(() => location.reload(), opensInMs + 1000);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const time = (timeZone: string | undefined) =>
    new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit', ...(timeZone ? { timeZone } : {}) });
  if (!zone || time(zone).format(start) === time(hours.dataset.zone).format(start)) return;
  hours.textContent = fill(t.hoursLocal, {
    from: time(zone).format(start),
    to: time(zone).format(end),
    zone,
  });
  hours.hidden = false;
  if (next) {
    const day = new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone: zone }).format(start);
    next.textContent = fill(t.closedLocal, { day, time: time(zone).format(start) });
    next.hidden = false;
  }
}

function start(form: HTMLFormElement, status: HTMLElement, data: PageData): void {
  const { t } = data;
  const call = byId<HTMLButtonElement>('call');
  const cancel = byId<HTMLButtonElement>('cancel');
  const steps = byId('steps');
  const refresh = byId<HTMLAnchorElement>('captcha-refresh');
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | null;
  let cancelled = false;
  let following: string | undefined;

  const setError = (name: string, text: string) => {
    const slot = byId(`${name}-error`);
    const input = field(name);
    if (slot) {
      slot.textContent = text;
      slot.hidden = !text;
    }
    if (input && text) input.setAttribute('aria-invalid', 'true');
    else input?.removeAttribute('aria-invalid');
  };

  const useCaptcha = (captcha: CaptchaView | undefined) => {
    if (!captcha) return;
    // The page was drawn before it needed a picture (it is now under attack): draw it again, with one.
    const question = byId('captcha-question');
    const image = byId<HTMLImageElement>('captcha-image');
    const challenge = field('captchaId');
    const answer = field('captcha');
    if (!question || !image || !challenge || !answer) {
      location.reload();
      return;
    }
    image.src = captcha.image;
    question.textContent = captcha.question;
    challenge.value = captcha.challengeId;
    answer.value = '';
  };
  const newCaptcha = async () => {
    if (!refresh?.dataset.url) return;
    const response = await fetch(refresh.dataset.url, { headers: JSON_HEADERS });
    if (response.ok) useCaptcha((await response.json()) as CaptchaView);
  };
  refresh?.addEventListener('click', (event) => {
    event.preventDefault();
    newCaptcha().catch(() => {
      status.textContent = t.offline;
    });
  });

  const show = (state: CallStateView) => {
    status.textContent = stateText(t, state, cancelled);
    status.dataset.status = state.status;
    if (state.reason) status.dataset.reason = state.reason;
    else delete status.dataset.reason;
    if (cancel) cancel.hidden = state.status !== 'queued' || cancelled;
    if (!steps) return;
    steps.hidden = state.status === 'failed';
    const step = state.status === 'awaiting_confirmation' ? 'dialing_extension' : state.status;
    const items = Array.from(steps.children) as HTMLElement[];
    const current = items.findIndex((item) => item.dataset.step === step);
    items.forEach((item, index) => {
      item.className = index < current ? 'done' : index === current ? 'current' : 'todo';
      if (index === current) item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
    });
  };

  cancel?.addEventListener('click', async () => {
    if (!following) return;
    cancel.disabled = true;
    try {
      const response = await fetch(following, { method: 'DELETE', headers: JSON_HEADERS });
      if (response.status === 202) {
        cancelled = true;
        cancel.hidden = true;
        status.textContent = t.cancelling;
        status.dataset.cancel = 'cancelling';
      } else if (response.status === 409) {
        cancel.hidden = true;
        status.textContent = t.cancelTooLate;
      } else status.textContent = t.somethingWrong;
    } catch {
      status.textContent = t.offline;
    }
    cancel.disabled = false;
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const name of ['callerName', 'phoneNumber', 'captcha']) setError(name, '');
    const fields = Object.fromEntries(new FormData(form));
    if (fields.callerName === '') delete fields.callerName;
    if (call) call.disabled = true;
    cancelled = false;
    status.textContent = t.sending;
    delete status.dataset.status;
    delete status.dataset.reason;
    delete status.dataset.cancel;
    let response: Response;
    let body: ApiAnswer;
    try {
      response = await fetch(form.action, {
        method: 'POST',
        headers: { ...JSON_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(fields),
      });
      body = (await response.json()) as ApiAnswer;
    } catch {
      status.textContent = t.offline;
      if (call) call.disabled = false;
      return;
    }
    if (!response.ok) {
      const problem = errorOf(t, body, (name) => field(name) !== null);
      useCaptcha(body.captcha);
      if (problem.field) {
        status.textContent = '';
        setError(problem.field, problem.text);
        field(problem.field)?.focus();
      } else status.textContent = problem.text;
      const code = body.error?.code;
      if (call) call.disabled = code === 'owner_busy' || code === 'outside_availability';
      return;
    }
    const url = new URL(form.action);
    url.pathname += `/${encodeURIComponent(body.requestId ?? '')}`;
    url.search = '';
    following = url.href;
    show({ status: 'queued' });
    if (refresh) newCaptcha().catch(() => {});
    await followStatus(following, {}, show, () => {
      status.textContent = t.lostTrack;
    });
    following = undefined;
    if (cancel) cancel.hidden = true;
    if (call) call.disabled = false;
  });
}

(() => {
  const form = byId<HTMLFormElement>('call-form');
  const status = byId('status');
  const block = byId('callnow-data');
  if (!form || !status || !block || !window.fetch) return;
  const data = JSON.parse(block.textContent ?? '') as PageData;
  try {
    showLocalHours(data);
  } catch {}
  start(form, status, data);
})();
