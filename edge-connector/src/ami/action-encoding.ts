// Checks an AmiAction header by header and turns it into what asterisk-manager writes, before a byte leaves:
// that library writes values as they are, so a CR/LF in a value would start a new header or a new action.

import type { RawAmiAction } from 'asterisk-manager';
import { AmiInvalidActionError, AmiUnsafeValueError } from './errors.ts';
import { assertSafeHeader } from './protocol.ts';
import type { AmiAction } from './types.ts';

const ACTION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
export const ACTION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@+*#-]{0,127}$/;

// asterisk-manager emits each response under its ActionID on the same emitter as its own events, so an ActionID
// spelled like one of those events would trigger the library's internals.
const RESERVED_ACTION_IDS = new Set([
  'asterisk',
  'close',
  'connect',
  'end',
  'error',
  'managerevent',
  'newlistener',
  'rawevent',
  'removelistener',
  'response',
]);

export interface EncodedAction {
  readonly name: string;
  readonly raw: RawAmiAction;
}

export function checkActionId(actionId: string): void {
  assertSafeHeader('ActionID', actionId);
  if (!ACTION_ID_PATTERN.test(actionId) || RESERVED_ACTION_IDS.has(actionId.toLowerCase())) {
    throw new AmiInvalidActionError(
      `ActionID ${JSON.stringify(actionId)} refused: use letters, digits and _ . : @ + * # - (at most 128)`,
    );
  }
}

/** Validates every header name and value and builds the lower-cased object asterisk-manager serialises. */
export function encodeAction(action: AmiAction, actionId: string): EncodedAction {
  const name = action.Action;
  assertSafeHeader('Action', name);
  if (!ACTION_NAME_PATTERN.test(name)) {
    throw new AmiInvalidActionError(`AMI action name ${JSON.stringify(name)} refused`);
  }
  if (name.toLowerCase() === 'login') {
    throw new AmiInvalidActionError('Login is sent by the client itself when it connects');
  }
  checkActionId(actionId);

  const raw: Record<string, string | Readonly<Record<string, string>>> = { action: name, actionid: actionId };
  for (const [header, value] of Object.entries(action)) {
    if (header === 'Action') continue;
    assertSafeHeader(header, '');
    const key = header.toLowerCase();
    if (key === 'actionid') {
      throw new AmiInvalidActionError('set the ActionID with options.actionId, not as a header');
    }
    if (key in raw) {
      throw new AmiInvalidActionError(`AMI header ${header} given twice (header names ignore case)`);
    }
    raw[key] = typeof value === 'string' ? encodeValue(header, value) : encodeRepeated(header, value);
  }
  return { name, raw };
}

function encodeValue(header: string, value: string): string {
  assertSafeHeader(header, value);
  if (header.toLowerCase() === 'variable') checkVariable(header, value);
  return value;
}

// asterisk-manager can only repeat a header as `Header: name=value` lines, written from an object.
function encodeRepeated(header: string, entries: readonly string[]): Readonly<Record<string, string>> {
  const byName: Record<string, string> = {};
  for (const entry of entries) {
    assertSafeHeader(header, entry);
    const equals = entry.indexOf('=');
    if (equals <= 0) {
      throw new AmiInvalidActionError(
        `each ${header} entry must be name=value, got ${JSON.stringify(entry)}`,
      );
    }
    if (header.toLowerCase() === 'variable') checkVariable(header, entry);
    const entryName = entry.slice(0, equals);
    if (entryName in byName) {
      throw new AmiInvalidActionError(`${header} ${entryName} given twice`);
    }
    byName[entryName] = entry.slice(equals + 1);
  }
  return byName;
}

// Asterisk splits every Variable header on commas, so a comma inside a value would set another variable.
function checkVariable(header: string, entry: string): void {
  if (entry.includes(',')) {
    throw new AmiUnsafeValueError(header, 'a Variable value must not hold a comma (Asterisk splits on it)');
  }
}
