// The embeddable widget: one script, no framework, that turns the "Call Now" link of the button snippet into a small
// form posting to the JSON API, on pages whose origin the owner allowed. Anywhere else the link stays a link.
import { type scriptTexts, withoutIndentation } from './pages.ts';

/** Served to origins the owner did not allow: the link keeps opening the CallNow page. */
export const WIDGET_NOT_ALLOWED =
  '/* CallNow: this site is not on the owner\u2019s list for the widget, so the link opens the CallNow page. */\n';

export interface WidgetConfig {
  readonly title: string;
  readonly askCallerName: boolean;
  readonly imageValidation: boolean;
  readonly texts: ReturnType<typeof scriptTexts> & {
    readonly nameLabel: string;
    readonly phoneLabel: string;
    readonly callButton: string;
    readonly cancelButton: string;
    readonly close: string;
    readonly openPage: string;
    readonly captchaImageAlt: string;
    readonly captchaLabel: string;
    readonly captchaRefresh: string;
  };
}

// Styles go in through a constructed stylesheet, which a host page's CSP does not govern, inside a shadow root that
// keeps the host's styles out. The script finds its links by their URL: the page URL its own src points under.
const WIDGET_SOURCE = withoutIndentation(`(() => {
  const c = __CONFIG__;
  const t = c.texts;
  const script = document.currentScript;
  if (!script || !window.fetch || !Element.prototype.attachShadow) return;
  const page = script.src.replace(/\\/widget\\.js([?#].*)?$/, '');
  const css = ':host{all:initial;display:block;font:16px/1.45 system-ui,sans-serif;color:#1b1b1b}' +
    '.p{box-sizing:border-box;max-width:22rem;margin:.5rem 0;padding:1rem;border:1px solid #6b6b6b;border-radius:.5rem;background:#fff}' +
    '.h{font-weight:700;margin:0 0 .5rem}label{display:block;font-weight:600;margin:.6rem 0 .25rem}' +
    'input{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #6b6b6b;border-radius:.35rem}' +
    'button{font:inherit;font-weight:600;margin:.6rem .4rem 0 0;padding:.5rem .9rem;border-radius:.35rem;border:1px solid #6b6b6b;background:#fff;color:#1b1b1b;cursor:pointer}' +
    'button.go{background:#0a7d3b;border-color:#0a7d3b;color:#fff}button:disabled{opacity:.55}' +
    ':focus-visible{outline:3px solid #1a4fd6;outline-offset:2px}.e{color:#b3261e;font-weight:600;margin:.3rem 0 0}' +
    'img{display:block;max-width:100%;height:auto}.s{font-weight:600;min-height:1.4em}[hidden]{display:none}';
  const el = (tag, attributes, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) if (value !== false) node.setAttribute(name, value === true ? '' : value);
    node.append(...children);
    return node;
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const json = { accept: 'application/json' };

  const enhance = (link) => {
    const host = el('div', { class: 'callnow-widget' });
    link.after(host);
    const root = host.attachShadow({ mode: 'open' });
    try { const sheet = new CSSStyleSheet(); sheet.replaceSync(css); root.adoptedStyleSheets = [sheet]; } catch (error) {}
    const error = (id) => el('p', { class: 'e', id, hidden: true });
    const name = c.askCallerName ? el('input', { id: 'n', name: 'callerName', autocomplete: 'name', maxlength: '40', required: true, 'aria-describedby': 'n-e' }) : null;
    const phone = el('input', { id: 'p', name: 'phoneNumber', type: 'tel', autocomplete: 'tel', maxlength: '32', required: true, 'aria-describedby': 'p-e' });
    const image = el('img', { alt: t.captchaImageAlt, width: '200', height: '64' });
    const question = el('p', { id: 'q' });
    const answer = el('input', { id: 'a', name: 'captcha', maxlength: '16', autocomplete: 'off', required: true, 'aria-describedby': 'q a-e' });
    const refresh = el('button', { type: 'button' }, t.captchaRefresh);
    const captchaBox = [image, question, refresh, el('label', { for: 'a' }, t.captchaLabel), answer, error('a-e')];
    const go = el('button', { type: 'submit', class: 'go' }, t.callButton);
    const cancel = el('button', { type: 'button', hidden: true }, t.cancelButton);
    const close = el('button', { type: 'button' }, t.close);
    const status = el('p', { class: 's', role: 'status', 'aria-live': 'polite' });
    const form = el('form', { class: 'p', hidden: true, 'aria-label': c.title },
      el('p', { class: 'h' }, c.title),
      ...(name ? [el('label', { for: 'n' }, t.nameLabel), name, error('n-e')] : []),
      el('label', { for: 'p' }, t.phoneLabel), phone, error('p-e'),
      ...(c.imageValidation ? captchaBox : []),
      go, cancel, close, status);
    root.append(form);
    const fields = { callerName: name, phoneNumber: phone, captcha: answer };
    const slots = { callerName: 'n-e', phoneNumber: 'p-e', captcha: 'a-e' };
    let challengeId = '';
    let following;
    let cancelled = false;

    const say = (text, withLink) => {
      status.replaceChildren(text);
      if (withLink) status.append(' ', el('a', { href: page, target: '_blank', rel: 'noopener' }, t.openPage));
    };
    const setError = (field, text) => {
      const slot = root.getElementById(slots[field]);
      if (slot) { slot.textContent = text; slot.hidden = !text; }
      if (fields[field] && text) fields[field].setAttribute('aria-invalid', 'true');
      else if (fields[field]) fields[field].removeAttribute('aria-invalid');
    };
    const useCaptcha = (captcha) => {
      if (!captcha) return;
      // The page came to need a picture after this script was served (it is under attack): show one now.
      if (!c.imageValidation) { c.imageValidation = true; go.before(...captchaBox); }
      image.src = captcha.image;
      question.textContent = captcha.question;
      challengeId = captcha.challengeId;
      answer.value = '';
    };
    const newCaptcha = async () => {
      const response = await fetch(page + '/captcha', { headers: json, credentials: 'omit' });
      if (response.ok) useCaptcha(await response.json());
    };
    refresh.addEventListener('click', () => newCaptcha().catch(() => say(t.offline, true)));

    const show = (state) => {
      let text = state.status === 'failed' ? t.failure[state.reason] || t.failure.rejected : t.status[state.status] || '';
      if (cancelled && state.status === 'failed' && state.reason === 'rejected') text = t.cancelled;
      say(text);
      status.dataset.status = state.status;
      cancel.hidden = state.status !== 'queued' || cancelled;
    };
    const follow = async (url) => {
      let delayMs = 1000;
      let last = 'queued';
      for (let failures = 0; ; ) {
        await sleep(delayMs);
        let state;
        try {
          const response = await fetch(url, { headers: json, credentials: 'omit', cache: 'no-store' });
          if (!response.ok) throw new Error(String(response.status));
          state = await response.json();
        } catch (error) {
          if (++failures >= 20) return say(t.lostTrack);
          delayMs = Math.min(delayMs * 2, 15000);
          continue;
        }
        failures = 0;
        if (state.status !== last) { last = state.status; delayMs = 1000; show(state); }
        else delayMs = Math.min(Math.round(delayMs * 1.5), state.status === 'connected' ? 10000 : 4000);
        if (state.status === 'completed' || state.status === 'failed') return;
      }
    };

    link.setAttribute('aria-expanded', 'false');
    link.addEventListener('click', (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      const opening = form.hidden;
      form.hidden = !opening;
      link.setAttribute('aria-expanded', String(opening));
      if (!opening) return;
      (name || phone).focus();
      if (c.imageValidation && !challengeId) newCaptcha().catch(() => say(t.offline, true));
    });
    close.addEventListener('click', () => { form.hidden = true; link.setAttribute('aria-expanded', 'false'); link.focus(); });
    cancel.addEventListener('click', async () => {
      if (!following) return;
      try {
        const response = await fetch(following, { method: 'DELETE', headers: json, credentials: 'omit' });
        if (response.status === 202) { cancelled = true; cancel.hidden = true; say(t.cancelling); }
        else if (response.status === 409) { cancel.hidden = true; say(t.cancelTooLate); }
      } catch (error) { say(t.offline, true); }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const field of Object.keys(slots)) setError(field, '');
      const body = { phoneNumber: phone.value };
      if (name && name.value) body.callerName = name.value;
      if (c.imageValidation) { body.captcha = answer.value; body.captchaId = challengeId; }
      go.disabled = true;
      cancelled = false;
      say(t.sending);
      let response;
      let result;
      try {
        response = await fetch(page + '/requests', { method: 'POST', credentials: 'omit', headers: { ...json, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        result = await response.json();
      } catch (error) {
        go.disabled = false;
        return say(t.offline, true);
      }
      if (!response.ok) {
        const problem = result.error || {};
        const field = Object.keys(problem.fields || {}).find((key) => fields[key]);
        const text = t.errors[problem.code] || (field && t.errors[field]) || t.somethingWrong;
        if (result.captcha) useCaptcha(result.captcha);
        if (field) { say(''); setError(field, text); fields[field].focus(); }
        else say(text);
        go.disabled = false;
        return;
      }
      following = page + '/requests/' + encodeURIComponent(result.requestId);
      show({ status: 'queued' });
      if (c.imageValidation) newCaptcha().catch(() => {});
      await follow(following);
      following = undefined;
      cancel.hidden = true;
      go.disabled = false;
    });
  };
  const start = () => {
    for (const link of document.querySelectorAll('a[href]')) if (link.href.split(/[?#]/)[0] === page) enhance(link);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`);

export function renderWidgetScript(config: WidgetConfig): string {
  return WIDGET_SOURCE.replace('__CONFIG__', () => JSON.stringify(config));
}
