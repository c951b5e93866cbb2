// The AMI wire format: one parser and one serializer, shared by the simulator and the client adapter.
// A message is `Name: value` lines ended by CRLF (Asterisk also takes LF alone), closed by an empty line;
// the server greets with one banner line (`Asterisk Call Manager/11.0.0`) that has no empty line after it.

import { hasControlCharacters } from '../../../contracts/ami-safe.ts';
import { AmiProtocolError, AmiUnsafeValueError } from './errors.ts';

export type AmiHeader = readonly [name: string, value: string];

export interface AmiMessage {
  /** In wire order; a name may repeat (e.g. several `Variable` headers). */
  readonly headers: readonly AmiHeader[];
}

export type AmiFrame =
  | { readonly kind: 'banner'; readonly text: string }
  | { readonly kind: 'message'; readonly message: AmiMessage };

export const AMI_BANNER_PREFIX = 'Asterisk Call Manager/';

/** Header names as Asterisk writes them: `ActionID`, `Cause-txt`, `CID-CallingPres`, `LocalOneChannel`... */
export const AMI_HEADER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const MAX_LINE_LENGTH = 64 * 1024;
const MAX_HEADERS_PER_MESSAGE = 1024;

/** Throws AmiUnsafeValueError when a header could break out of its line. */
export function assertSafeHeader(name: string, value: string): void {
  if (!AMI_HEADER_NAME_PATTERN.test(name)) {
    throw new AmiUnsafeValueError(
      name,
      'a header name is a letter then letters, digits, _ or - (at most 64)',
    );
  }
  if (hasControlCharacters(value)) {
    throw new AmiUnsafeValueError(name, 'the value holds CR, LF or another control character');
  }
}

/** One message on the wire, CRLF-terminated; refuses any unsafe header before building anything. */
export function serializeAmiMessage(headers: Iterable<AmiHeader>): string {
  let text = '';
  for (const [name, value] of headers) {
    assertSafeHeader(name, value);
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}

/** The first value of a header, matched case-insensitively (as Asterisk's astman_get_header does). */
export function headerValue(message: AmiMessage, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return message.headers.find(([headerName]) => headerName.toLowerCase() === wanted)?.[1];
}

export function headerValues(message: AmiMessage, name: string): string[] {
  const wanted = name.toLowerCase();
  return message.headers
    .filter(([headerName]) => headerName.toLowerCase() === wanted)
    .map(([, value]) => value);
}

/** Lower-cased names, first value wins: the `AmiFields` shape the client hands to the connector. */
export function messageFields(message: AmiMessage): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of message.headers) {
    const key = name.toLowerCase();
    if (!(key in fields)) fields[key] = value;
  }
  return fields;
}

/**
 * Incremental parser: feed it decoded text as it arrives, get back complete frames. Lines without a colon are
 * skipped (Asterisk ignores them too); the value starts after the colon and any spaces or tabs.
 */
export class AmiStreamParser {
  #buffer = '';
  #headers: AmiHeader[] = [];
  #sawLine = false;

  push(chunk: string): AmiFrame[] {
    const text = this.#buffer + chunk;
    const frames: AmiFrame[] = [];
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      const frame = this.#takeLine(text.slice(start, end));
      if (frame) frames.push(frame);
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    this.#buffer = text.slice(start);
    if (this.#buffer.length > MAX_LINE_LENGTH) {
      throw new AmiProtocolError(`AMI line longer than ${MAX_LINE_LENGTH} characters`);
    }
    return frames;
  }

  #takeLine(line: string): AmiFrame | undefined {
    if (line === '') {
      if (!this.#sawLine) return undefined;
      const message: AmiMessage = { headers: this.#headers };
      this.#headers = [];
      this.#sawLine = false;
      return message.headers.length > 0 ? { kind: 'message', message } : undefined;
    }
    if (!this.#sawLine && line.startsWith(AMI_BANNER_PREFIX)) {
      return { kind: 'banner', text: line };
    }
    this.#sawLine = true;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    if (this.#headers.length >= MAX_HEADERS_PER_MESSAGE) {
      throw new AmiProtocolError(`AMI message with more than ${MAX_HEADERS_PER_MESSAGE} headers`);
    }
    this.#headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+/, '')]);
    return undefined;
  }
}
