// The CSRF token of the CallNow form: an HMAC over the CallNow ID and when the page was drawn, so a form posted
// from another site, or to another page, or from a page open for days, is refused.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** A page left open longer than this has to be reloaded before its form is accepted. */
export const FORM_TOKEN_LIFETIME_SECONDS = 12 * 3600;
const CLOCK_SKEW_SECONDS = 60;

function mac(key: Uint8Array, callNowId: string, issuedAtSeconds: number): string {
  return createHmac('sha256', key).update(`${callNowId}\n${issuedAtSeconds}`).digest('base64url');
}

export function issueFormToken(key: Uint8Array, callNowId: string, nowMs: number): string {
  const issuedAt = Math.floor(nowMs / 1000);
  return `${issuedAt}.${mac(key, callNowId, issuedAt)}`;
}

export function isValidFormToken(
  key: Uint8Array,
  callNowId: string,
  token: string | undefined,
  nowMs: number,
): boolean {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
  if (!match?.[1] || !match[2]) return false;
  const issuedAt = Number(match[1]);
  const age = nowMs / 1000 - issuedAt;
  if (age > FORM_TOKEN_LIFETIME_SECONDS || age < -CLOCK_SKEW_SECONDS) return false;
  const expected = Buffer.from(mac(key, callNowId, issuedAt));
  const given = Buffer.from(match[2]);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
