// List cursors: opaque to callers, signed, bound to the list they page through, and short-lived, so that a
// forged or edited cursor can neither start a query where the caller chose nor reach another list.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidCursorError } from '../domain/management-ports.ts';

/** Long enough to page through any list; a cursor kept for later is refused. */
export const CURSOR_LIFETIME_SECONDS = 3600;

type StartKey = Record<string, unknown>;

interface CursorBody {
  /** The list: the owner index's partition and prefix. */
  readonly list: string;
  /** DynamoDB's LastEvaluatedKey. */
  readonly key: StartKey;
  readonly issuedAt: number;
}

function mac(signingKey: Uint8Array, body: string): Buffer {
  return createHmac('sha256', signingKey).update(`callnow list cursor\n${body}`).digest();
}

export function encodeCursor(signingKey: Uint8Array, list: string, key: StartKey, nowMs: number): string {
  const body: CursorBody = { list, key, issuedAt: Math.floor(nowMs / 1000) };
  const text = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${text}.${mac(signingKey, text).toString('base64url')}`;
}

/** The start key of a cursor this store gave out for `list` within its lifetime; anything else is refused. */
export function decodeCursor(signingKey: Uint8Array, list: string, cursor: string, nowMs: number): StartKey {
  const [text = '', signature = ''] = cursor.split('.');
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(signingKey, text);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();
  const body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as CursorBody;
  const ageSeconds = nowMs / 1000 - body.issuedAt;
  if (body.list !== list || ageSeconds < 0 || ageSeconds > CURSOR_LIFETIME_SECONDS)
    throw new InvalidCursorError();
  return body.key;
}
