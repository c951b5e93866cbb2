// The embeddable widget: turns the "Call Now" link of the button snippet into a small form posting to the JSON
// API, on pages whose origin the owner allowed. Its styles go in through a constructed stylesheet, which the host
// page's CSP does not govern, inside a shadow root that keeps the host's styles out. It finds its links by their
// URL: the page URL its own src points under. The server wraps it with its configuration (__CALLNOW_WIDGET__).
import {
  type ApiAnswer,
  type CallStateView,
  type CaptchaView,
  errorOf,
  followStatus,
  JSON_HEADERS,
  stateText,
} from './follow-status.ts';
import type { WidgetConfig } from './texts.ts';

declare const __CALLNOW_WIDGET__: WidgetConfig;

const CSS =
  ':host{all:initial;display:block;font:16px/1.45 system-ui,sans-serif;color:#1b1b1b}' +
  '.p{box-sizing:border-box;max-width:22rem;margin:.5rem 0;padding:1rem;border:1px solid #6b6b6b;border-radius:.5rem;background:#fff}' +
  '.h{font-weight:700;margin:0 0 .5rem}label{display:block;font-weight:600;margin:.6rem 0 .25rem}' +
  'input{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #6b6b6b;border-radius:.35rem}' +
  'button{font:inherit;font-weight:600;margin:.6rem .4rem 0 0;padding:.5rem .9rem;border-radius:.35rem;border:1px solid #6b6b6b;background:#fff;color:#1b1b1b;cursor:pointer}' +
  'button.go{background:#0a7d3b;border-color:#0a7d3b;color:#fff}button:disabled{opacity:.55}' +
  ':focus-visible{outline:3px solid #1a4fd6;outline-offset:2px}.e{color:#b3261e;font-weight:600;margin:.3rem 0 0}' +
  'img{display:block;max-width:100%;height:auto}.s{font-weight:600;min-height:1.4em}[hidden]{display:none}';

type Attributes = Record<string, string | boolean>;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== false) node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children);
  return node;
}

const NO_CREDENTIALS: RequestInit = { credentials: 'omit' };

function enhance(link: HTMLAnchorElement, page: string, config: WidgetConfig): void {
  const t = config.texts;
  let imageValidation = config.imageValidation;
  const host = el('div', { class: 'callnow-widget' });
  link.after(host);
  const root = host.attachShadow({ mode: 'open' });
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {}
  const error = (id: string) => el('p', { class: 'e', id, hidden: true });
  const name = config.askCallerName
    ? el('input', {
        id: 'n',
        name: 'callerName',
        autocomplete: 'name',
        maxlength: '40',
        required: true,
        'aria-describedby': 'n-e',
      })
    : null;
  const phone = el('input', {
    id: 'p',
    name: 'phoneNumber',
    type: 'tel',
    autocomplete: 'tel',
    maxlength: '32',
    required: true,
    'aria-describedby': 'p-e',
  });
  const image = el('img', { alt: t.captchaImageAlt, width: '200', height: '64' });
  const question = el('p', { id: 'q' });
  const answer = el('input', {
    id: 'a',
    name: 'captcha',
    maxlength: '16',
    autocomplete: 'off',
    required: true,
    'aria-describedby': 'q a-e',
  });
  const refresh = el('button', { type: 'button' }, t.captchaRefresh);
  const captchaBox = [
    image,
    question,
    refresh,
    el('label', { for: 'a' }, t.captchaLabel),
    answer,
    error('a-e'),
  ];
  const go = el('button', { type: 'submit', class: 'go' }, t.callButton);
  const cancel = el('button', { type: 'button', hidden: true }, t.cancelButton);
  const close = el('button', { type: 'button' }, t.close);
  const status = el('p', { class: 's', role: 'status', 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'p', hidden: true, 'aria-label': config.title },
    el('p', { class: 'h' }, config.title),
    ...(name ? [el('label', { for: 'n' }, t.nameLabel), name, error('n-e')] : []),
    el('label', { for: 'p' }, t.phoneLabel),
    phone,
    error('p-e'),
    ...(imageValidation ? captchaBox : []),
    go,
    cancel,
    close,
    status,
  );
  root.append(form);
  const fields: Record<string, HTMLInputElement | null> = {
    callerName: name,
    phoneNumber: phone,
    captcha: answer,
  };
  const slots: Record<string, string> = { callerName: 'n-e', phoneNumber: 'p-e', captcha: 'a-e' };
  let challengeId = '';
  let following: string | undefined;
  let cancelled = false;

  const say = (text: string, withLink = false) => {
    status.replaceChildren(text);
    if (withLink) status.append(' ', el('a', { href: page, target: '_blank', rel: 'noopener' }, t.openPage));
  };
  const setError = (field: string, text: string) => {
    const slot = root.getElementById(slots[field] ?? '');
    if (slot) {
      slot.textContent = text;
      slot.hidden = !text;
    }
    if (fields[field] && text) fields[field].setAttribute('aria-invalid', 'true');
    else fields[field]?.removeAttribute('aria-invalid');
  };
  const useCaptcha = (captcha: CaptchaView | undefined) => {
    if (!captcha) return;
    // The page came to need a picture after this script was served (it is under attack): show one now.
    if (!imageValidation) {
      imageValidation = true;
      go.before(...captchaBox);
    }
    image.src = captcha.image;
    question.textContent = captcha.question;
    challengeId = captcha.challengeId;
    answer.value = '';
  };
  const newCaptcha = async () => {
    const response = await fetch(`${page}/captcha`, { headers: JSON_HEADERS, ...NO_CREDENTIALS });
    if (response.ok) useCaptcha((await response.json()) as CaptchaView);
  };
  refresh.addEventListener('click', () => newCaptcha().catch(() => say(t.offline, true)));

  const show = (state: CallStateView) => {
    say(stateText(t, state, cancelled));
    status.dataset.status = state.status;
    cancel.hidden = state.status !== 'queued' || cancelled;
  };

  link.setAttribute('aria-expanded', 'false');
  link.addEventListener('click', (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    const opening = form.hidden;
    form.hidden = !opening;
    link.setAttribute('aria-expanded', String(opening));
    if (!opening) return;
    (name ?? phone).focus();
    if (imageValidation && !challengeId) newCaptcha().catch(() => say(t.offline, true));
  });
  close.addEventListener('click', () => {
    form.hidden = true;
    link.setAttribute('aria-expanded', 'false');
    link.focus();
  });
  cancel.addEventListener('click', async () => {
    if (!following) return;
    try {
      const response = await fetch(following, { method: 'DELETE', headers: JSON_HEADERS, ...NO_CREDENTIALS });
      if (response.status === 202) {
        cancelled = true;
        cancel.hidden = true;
        say(t.cancelling);
      } else if (response.status === 409) {
        cancel.hidden = true;
        say(t.cancelTooLate);
      }
    } catch {
      say(t.offline, true);
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const field of Object.keys(slots)) setError(field, '');
    const body: Record<string, string> = { phoneNumber: phone.value };
    if (name?.value) body.callerName = name.value;
    if (imageValidation) {
      body.captcha = answer.value;
      body.captchaId = challengeId;
    }
    go.disabled = true;
    cancelled = false;
    say(t.sending);
    let response: Response;
    let result: ApiAnswer;
    try {
      response = await fetch(`${page}/requests`, {
        method: 'POST',
        ...NO_CREDENTIALS,
        headers: { ...JSON_HEADERS, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      result = (await response.json()) as ApiAnswer;
    } catch {
      go.disabled = false;
      say(t.offline, true);
      return;
    }
    if (!response.ok) {
      const problem = errorOf(t, result, (field) => Boolean(fields[field]));
      useCaptcha(result.captcha);
      if (problem.field) {
        say('');
        setError(problem.field, problem.text);
        fields[problem.field]?.focus();
      } else say(problem.text);
      go.disabled = false;
      return;
    }
    following = `${page}/requests/${encodeURIComponent(result.requestId ?? '')}`;
    show({ status: 'queued' });
    if (imageValidation) newCaptcha().catch(() => {});
    await followStatus(following, NO_CREDENTIALS, show, () => say(t.lostTrack));
    following = undefined;
    cancel.hidden = true;
    go.disabled = false;
  });
}

(() => {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script || !window.fetch || !Element.prototype.attachShadow) return;
  const page = script.src.replace(/\/widget\.js([?#].*)?$/, '');
  const config = __CALLNOW_WIDGET__;
  const start = () => {
    for (const link of document.querySelectorAll<HTMLAnchorElement>('a[href]')) {
      if (link.href.split(/[?#]/)[0] === page) enhance(link, page, config);
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
