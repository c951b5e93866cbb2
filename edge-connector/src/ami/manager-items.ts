// asterisk-manager as this client reads it: its parsed items as typed responses and fields, and its socket's close.
import type { AsteriskManager as ManagerInstance, RawAmiItem } from 'asterisk-manager';
import { SOCKET_CLOSE_WAIT_MS } from './client-options.ts';
import type { AmiFields, AmiResponse } from './types.ts';

/**
 * Flattens asterisk-manager's item into AmiFields: it turns repeated headers into arrays (first wins here) and
 * `Variable`/`ChanVariable` headers into objects (`Variable: X` of a VarSet becomes `{ X: '' }`), rebuilt here.
 */
export function toFields(item: RawAmiItem): AmiFields {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(item)) {
    if (value === undefined) continue;
    if (typeof value === 'string') fields[key] = value;
    else if (Array.isArray(value)) fields[key] = value[0] ?? '';
    else {
      fields[key] = Object.entries(value)
        .map(([name, entry]) => (entry === '' ? name : `${name}=${entry}`))
        .join(',');
    }
  }
  return fields;
}

const RESPONSE_KINDS: Record<string, AmiResponse['response']> = {
  success: 'Success',
  error: 'Error',
  goodbye: 'Goodbye',
  follows: 'Follows',
};

export function toResponse(item: RawAmiItem): AmiResponse | undefined {
  const { response, actionid: actionId, message } = item;
  if (typeof response !== 'string' || typeof actionId !== 'string') return undefined;
  const fields = toFields(item);
  const kind = RESPONSE_KINDS[response.toLowerCase()] ?? 'Error';
  return typeof message === 'string'
    ? { response: kind, actionId, message, fields }
    : { response: kind, actionId, fields };
}

/** Resolves when the socket has closed, or after a moment (a socket that never opened never says so). */
export function waitForClose(manager: ManagerInstance): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, SOCKET_CLOSE_WAIT_MS);
    manager.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** One TCP connection and its AMI session. */
export interface Session {
  readonly manager: ManagerInstance;
  loggedIn: boolean;
  booted: boolean;
  ready: boolean;
  /** The client has given up on this session; anything it still emits is ignored. */
  ended: boolean;
  socketClosed: boolean;
  socketError?: Error;
  connectTimer?: NodeJS.Timeout;
}
