// Following a call request until it ends, for the page and the widget alike: what a state reads as, and a poll of
// its status URL at most once a second, backing off while nothing changes and after errors.
import type { ScriptTexts } from './texts.ts';

export interface CallStateView {
  readonly status: string;
  readonly reason?: string;
}

export interface CaptchaView {
  readonly challengeId: string;
  readonly image: string;
  readonly question: string;
}

/** The error body of the JSON API. */
export interface ApiAnswer {
  readonly requestId?: string;
  readonly captcha?: CaptchaView;
  readonly error?: { readonly code?: string; readonly fields?: Readonly<Record<string, unknown>> };
}

export const JSON_HEADERS = { accept: 'application/json' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the visitor reads for a state; a cancel that came in time reads as cancelled, not as refused. */
export function stateText(texts: ScriptTexts, state: CallStateView, cancelled: boolean): string {
  if (state.status !== 'failed') return texts.status[state.status] ?? '';
  if (cancelled && state.reason === 'rejected') return texts.cancelled;
  return texts.failure[state.reason ?? 'rejected'] ?? texts.failure.rejected ?? '';
}

export function isFinal(status: string): boolean {
  return status === 'completed' || status === 'failed';
}

/**
 * Polls `url` until the call ends, calling `onChange` with each new state, or `onLost` after 20 failures in a
 * row. `init` goes with each fetch (the widget sends no credentials).
 */
export async function followStatus(
  url: string,
  init: RequestInit,
  onChange: (state: CallStateView) => void,
  onLost: () => void,
): Promise<void> {
  let delayMs = 1000;
  let last = 'queued';
  for (let failures = 0; ; ) {
    await sleep(delayMs);
    let state: CallStateView;
    try {
      const response = await fetch(url, { ...init, headers: JSON_HEADERS, cache: 'no-store' });
      if (!response.ok) throw new Error(String(response.status));
      state = (await response.json()) as CallStateView;
    } catch {
      if (++failures >= 20) {
        onLost();
        return;
      }
      delayMs = Math.min(delayMs * 2, 15_000);
      continue;
    }
    failures = 0;
    if (state.status !== last) {
      last = state.status;
      delayMs = 1000;
      onChange(state);
    } else {
      delayMs = Math.min(Math.round(delayMs * 1.5), state.status === 'connected' ? 10_000 : 4000);
    }
    if (isFinal(state.status)) return;
  }
}

/** The field an error names, if the form has it; and what to say. */
export function errorOf(
  texts: ScriptTexts,
  answer: ApiAnswer,
  hasField: (name: string) => boolean,
): { field?: string; text: string } {
  const problem = answer.error ?? {};
  const field = Object.keys(problem.fields ?? {}).find(hasField);
  const text =
    (problem.code ? texts.errors[problem.code] : undefined) ??
    (field ? texts.errors[field] : undefined) ??
    texts.somethingWrong;
  return field ? { field, text } : { text };
}
