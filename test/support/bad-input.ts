// Tools for sending hostile input and judging what comes back: the corpus, exact bytes in bodies, paths and headers
// (raw sockets where node:http would refuse to write them), the checks every answer must pass, what the stack's
// AWS clients write, and what may reach the PBX.
import { readFileSync } from 'node:fs';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ReceivedAmiAction } from '../../edge-connector/simulator/ami-simulator.ts';

// --- the corpus --------------------------------------------------------------------------------------------------

export type Target = 'public-json' | 'public-form' | 'calls' | 'management-create' | 'settings' | 'raw';

/** A whole request of the corpus, sent to each of its targets. */
export interface RequestEntry {
  readonly kind: string;
  readonly targets: readonly Target[];
  /** null: no Content-Type at all; absent: the target's own. */
  readonly contentType?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** With `{valid}`, `{valid-form}`, `{phone}` and `{csrf}` filled in by the test. */
  readonly body?: string;
  readonly bodyBase64?: string;
  readonly generate?: {
    readonly type: string;
    readonly bytes?: number;
    readonly depth?: number;
    readonly keys?: number;
    readonly fields?: number;
    readonly json?: string;
  };
  /** The whole request as written on the socket (target `raw`). */
  readonly raw?: string;
  readonly rawBase64?: string;
  readonly expect: 'refuse' | 'either';
  readonly expectStatus?: number;
  readonly note?: string;
}

/** One hostile value, ready for any field: its text, its exact bytes, and the raw literal of a `json` entry. */
export interface Hostile {
  readonly kind: string;
  readonly text: string;
  readonly bytes: Buffer;
  readonly json?: string;
  /** Bytes that are not valid UTF-8 (JSON cannot hold them: the corpus has them in base64). */
  readonly invalidUtf8: boolean;
  /** How a report shows it. */
  readonly label: string;
}

interface ValueEntry {
  readonly kind: string;
  readonly value?: string;
  readonly base64?: string;
  readonly json?: string;
}

export function loadCorpus(url: URL): { values: Hostile[]; requests: RequestEntry[] } {
  const corpus = JSON.parse(readFileSync(url, 'utf8')) as { values: ValueEntry[]; requests: RequestEntry[] };
  const values = corpus.values.map((entry): Hostile => {
    if (entry.base64 !== undefined) {
      const bytes = Buffer.from(entry.base64, 'base64');
      const label = `bytes ${bytes.toString('hex')}`;
      return { kind: entry.kind, text: bytes.toString('utf8'), bytes, invalidUtf8: true, label };
    }
    const text = entry.json ?? entry.value ?? '';
    const base = {
      kind: entry.kind,
      text,
      bytes: Buffer.from(text),
      invalidUtf8: false,
      label: printable(text),
    };
    return entry.json === undefined ? base : { ...base, json: entry.json };
  });
  return { values, requests: corpus.requests };
}

/** A value as a JSON string, all but printable ASCII escaped: a report must not drive the terminal. */
export function printable(text: string, maxLength = 70): string {
  const escaped = JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > maxLength ? `${escaped.slice(0, maxLength)}...` : escaped;
}

// --- encoding ----------------------------------------------------------------------------------------------------

/** Every byte but A-Z a-z 0-9 - . _ ~ as %XX: how a browser sends a path segment or a form value. */
export function percentEncode(bytes: Buffer | string): string {
  let encoded = '';
  for (const byte of Buffer.from(bytes)) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

export function formOf(fields: readonly (readonly [string, Buffer | string])[]): string {
  return fields.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
}

const MARK = '\u0001hostile\u0001';

/**
 * `template` as JSON with the value at `path`: a JSON string, raw bytes between quotes (invalid UTF-8), the raw
 * literal of a `json` entry, or with `numberKinds`, a value of those kinds as a bare number literal.
 */
export function jsonWith(
  template: unknown,
  path: readonly (string | number)[],
  value: Hostile,
  numberKinds: ReadonlySet<string> = new Set(),
): Buffer {
  const copy = structuredClone(template) as Record<string | number, unknown>;
  let slot = copy;
  for (const step of path.slice(0, -1)) slot = slot[step] as Record<string | number, unknown>;
  slot[path.at(-1) as string | number] = MARK;
  const [before = '', after = ''] = JSON.stringify(copy).split(JSON.stringify(MARK));
  let literal: Buffer;
  if (value.json !== undefined) literal = Buffer.from(value.json);
  else if (numberKinds.has(value.kind)) literal = Buffer.from(value.text);
  else if (value.invalidUtf8) literal = Buffer.concat([Buffer.from('"'), value.bytes, Buffer.from('"')]);
  else literal = Buffer.from(JSON.stringify(value.text));
  return Buffer.concat([Buffer.from(before), literal, Buffer.from(after)]);
}

// --- sending -----------------------------------------------------------------------------------------------------

export interface HostileRequest {
  readonly method: string;
  /** Already encoded, sent as is. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  readonly body?: Buffer | string;
  /** A loopback address to send from (127.0.0.0/8), so limits per address do not mask the input checks. */
  readonly localAddress?: string;
}

export interface HostileAnswer {
  /** 0 when no answer came (`text` then says why). */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

const NO_ANSWER: HostileAnswer = { status: 0, headers: {}, text: '' };
const agents = new Map<string, Agent>();

export function closeAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** What node:http writes byte for byte: it refuses control characters in header values. */
const writableHeader = (value: Buffer) =>
  value.every((byte) => byte === 0x09 || (byte >= 0x20 && byte !== 0x7f));

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : `${value}`,
    ]),
  );
}

/** Sends a request to 127.0.0.1:port; headers or paths node:http will not write go over a raw socket. */
export async function sendHostile(
  port: number,
  input: HostileRequest,
  retried = false,
): Promise<HostileAnswer> {
  const headers = Object.entries(input.headers ?? {}).map(
    ([name, value]) => [name, Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8')] as const,
  );
  const localAddress = input.localAddress ?? '127.0.0.1';
  if (!/^[\u0021-\u007e]*$/.test(input.path) || headers.some(([, value]) => !writableHeader(value))) {
    const body = input.body === undefined ? Buffer.alloc(0) : Buffer.from(input.body);
    const head = [`${input.method} ${input.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
    if (body.length > 0) head.push(`Content-Length: ${body.length}`);
    const lines = headers.map(([name, value]) => Buffer.concat([Buffer.from(`\r\n${name}: `), value]));
    const raw = Buffer.concat([Buffer.from(head.join('\r\n')), ...lines, Buffer.from('\r\n\r\n'), body]);
    return sendRaw(port, raw, localAddress);
  }
  let agent = agents.get(localAddress);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 8 });
    agents.set(localAddress, agent);
  }
  return new Promise((resolve) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: input.method,
        path: input.path,
        localAddress,
        agent,
        // latin1 writes each byte as it is, UTF-8 sequences included.
        headers: Object.fromEntries(headers.map(([name, value]) => [name, value.toString('latin1')])),
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: flatHeaders(response.headers),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', () => resolve(NO_ANSWER));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('timed out')));
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed as it was picked up: the request never reached it.
      if (outgoing.reusedSocket && error.code === 'ECONNRESET' && !retried) {
        resolve(sendHostile(port, input, true));
      } else resolve({ ...NO_ANSWER, text: `${error.code ?? error.message}` });
    });
    outgoing.end(input.body);
  });
}

/** Writes the bytes as they are on a new connection and reads the answer until the server closes it. */
export function sendRaw(port: number, bytes: Buffer, localAddress = '127.0.0.1'): Promise<HostileAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(parseRawAnswer(Buffer.concat(chunks))));
    socket.on('error', () => {});
    // Not end(): node's server drops a request whose client half-closes before the answer is ready.
    socket.on('connect', () => socket.write(bytes));
  });
}

function parseRawAnswer(raw: Buffer): HostileAnswer {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) return { ...NO_ANSWER, text: raw.toString('utf8') };
  const [statusLine = '', ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(split + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = unchunk(body);
  else if (headers['content-length'] !== undefined)
    body = body.subarray(0, Number(headers['content-length']));
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
  return { status, headers, text: body.toString('utf8') };
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    const size = lineEnd < 0 ? 0 : Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

// --- judging answers ---------------------------------------------------------------------------------------------

/** What no answer may show: stack frames, module paths, exception names, AWS internals, file system paths. */
const INTERNAL_DETAIL: readonly RegExp[] = [
  /\bat .*\.(ts|js|mjs|cjs):\d+/,
  /node_modules/,
  /Error:/,
  /ConditionalCheckFailed|ValidationException|ResourceNotFound|ProvisionedThroughput|TransactionCanceled/i,
  /\bdynamodb\b|\bdynalite\b|\bsqs\b|amazonaws|\baws-sdk\b/i,
  /undefined is not|Cannot read prop|is not a function|is not defined|Maximum call stack|Unexpected token/i,
  /(^|[\s"'(=:])\/(work|home|root|usr|var|tmp|opt|srv|proc|etc|app)\/[\w.-]/,
  /[A-Z]:\\\\?[\w.-]+\\/,
];

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** The forms in which an answer may echo what was sent: those are the sender's words, not a leak. */
function echoesOf(sent: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const text of sent) {
    forms.add(text);
    forms.add(text.trim());
    forms.add(JSON.stringify(text).slice(1, -1));
    forms.add(text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char));
    forms.add(text.replace(/[&<>"']/g, (char) => (char === "'" ? '&#x27;' : (HTML_ESCAPES[char] ?? char))));
  }
  return [...forms].filter((form) => form.length >= 3).sort((a, b) => b.length - a.length);
}

/** The internal details an answer (headers and body) shows, once what the request itself sent is taken out. */
export function internalDetails(answer: HostileAnswer, sent: readonly string[]): string[] {
  let shown = `${Object.entries(answer.headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n')}\n\n${answer.text}`;
  for (const echo of echoesOf(sent)) shown = shown.split(echo).join(' ');
  return INTERNAL_DETAIL.flatMap((pattern) => {
    const match = pattern.exec(shown);
    if (!match) return [];
    return [printable(shown.slice(Math.max(0, match.index - 40), match.index + match[0].length + 40), 120)];
  });
}

// --- what the stack does -----------------------------------------------------------------------------------------

/** How an item was written: the command, and for a put whether the item was written pending (a call request). */
export interface WriteDetail {
  readonly command: 'put' | 'update' | 'delete' | 'other';
  readonly pending: boolean;
}

export interface AwsSink {
  /** A successful write to the table: the key of each item put, updated or deleted. */
  onWrite(pk: string, sk: string, detail: WriteDetail): void;
  /** A message sent to a site's call-requests queue. */
  onCallRequestMessage(message: { type: string; requestId: string }): void;
}

function keyOf(item: unknown): { pk: string; sk: string } | undefined {
  const record = item as Record<string, unknown> | undefined;
  const read = (value: unknown) =>
    typeof value === 'string' ? value : ((value as { S?: string } | undefined)?.S ?? '');
  return record ? { pk: read(record.pk), sk: read(record.sk) } : undefined;
}

type Input = Record<string, unknown>;
type KeyHolder = { Item?: unknown; Key?: unknown };

function writtenKeys(command: string, input: Input): unknown[] {
  if (/^Put(Item)?Command$/.test(command)) return [input.Item];
  if (/^(Update|Delete)(Item)?Command$/.test(command)) return [input.Key];
  if (/^TransactWrite(Items)?Command$/.test(command)) {
    return (input.TransactItems as Record<string, KeyHolder>[]).map(
      (entry) => entry.Put?.Item ?? entry.Update?.Key ?? entry.Delete?.Key,
    );
  }
  if (/^BatchWrite(Item)?Command$/.test(command)) {
    return Object.values(input.RequestItems as Record<string, Record<string, KeyHolder>[]>)
      .flat()
      .map((entry) => entry.PutRequest?.Item ?? entry.DeleteRequest?.Key);
  }
  return [];
}

function detailOf(command: string, input: Input): WriteDetail {
  if (/^Put(Item)?Command$/.test(command)) {
    const pending = (input.Item as Record<string, unknown> | undefined)?.pending;
    return { command: 'put', pending: pending === true || (pending as { BOOL?: boolean })?.BOOL === true };
  }
  if (/^Update(Item)?Command$/.test(command)) return { command: 'update', pending: false };
  if (/^Delete(Item)?Command$/.test(command)) return { command: 'delete', pending: false };
  return { command: 'other', pending: false };
}

/** SDK middleware on one of the stack's clients: reports each write that succeeded and each call request queued. */
export function observeAws(client: DynamoDBClient | SQSClient, sink: AwsSink): void {
  const observer =
    (next: (args: { input: Input }) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: Input }) => {
      const result = await next(args);
      const command = context.commandName ?? '';
      const { input } = args;
      if (!(client instanceof SQSClient)) {
        const detail = detailOf(command, input);
        for (const key of writtenKeys(command, input).map(keyOf))
          if (key) sink.onWrite(key.pk, key.sk, detail);
      } else if (String(input.QueueUrl ?? '').includes('call-requests')) {
        const bodies =
          command === 'SendMessageBatchCommand'
            ? (input.Entries as { MessageBody: string }[]).map((entry) => entry.MessageBody)
            : command === 'SendMessageCommand'
              ? [input.MessageBody as string]
              : [];
        for (const body of bodies) {
          const { type = '', requestId = '' } = JSON.parse(body) as { type?: string; requestId?: string };
          sink.onCallRequestMessage({ type, requestId });
        }
      }
      return result;
    };
  // biome-ignore lint/suspicious/noExplicitAny: one observer for the two clients' differently typed stacks
  (client.middlewareStack as any).add(observer, { step: 'initialize', name: 'hostileInputObserver' });
}

// --- what reaches the PBX ----------------------------------------------------------------------------------------

/** Header names the connector writes (asterisk-manager lower-cases them); anything else was smuggled in. */
const AMI_HEADERS = new Set([
  'action',
  'actionid',
  'username',
  'secret',
  'event',
  'events',
  'eventmask',
  'exten',
  'context',
  'channel',
  'priority',
  'timeout',
  'callerid',
  'async',
  'variable',
]);
const AMI_ACTIONS = new Set([
  'login',
  'logoff',
  'ping',
  'events',
  'coresettings',
  'corestatus',
  'extensionstate',
  'getvar',
  'userevent',
  'originate',
]);
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const OUTSIDE_A_LINE = /\r(?!\n)|(?<!\r)\n|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Everything the PBX received that is not a clean AMI action: an Action header that is not the one first header, an
 * action or header name the connector never sends, a control character in a value, a CallerID that is more than one
 * quoted name and number, a Variable that is more than one CALLNOW_ assignment, and on the wire, any byte outside a
 * `Name: value` line ended by CRLF.
 */
export function amiProblems(
  actions: readonly ReceivedAmiAction[],
  wireBySession: ReadonlyMap<number, string>,
): string[] {
  const problems: string[] = [];
  for (const action of actions) {
    const where = `action ${printable(action.name)} (${action.actionId ?? 'no ActionID'})`;
    const names = action.headers.map(([name]) => name.toLowerCase());
    if (names[0] !== 'action' || names.filter((name) => name === 'action').length !== 1) {
      problems.push(`${where}: Action is not its one first header: ${names.join(', ')}`);
    }
    if (!AMI_ACTIONS.has(action.name.toLowerCase()))
      problems.push(`${where}: not an action the connector sends`);
    for (const [name, value] of action.headers) {
      const header = name.toLowerCase();
      if (!AMI_HEADERS.has(header)) problems.push(`${where}: unexpected header ${printable(name)}`);
      if (CONTROL.test(value)) problems.push(`${where}: control character in ${name}: ${printable(value)}`);
      if (header === 'callerid' && !/^("[^"\\<>]*" )?<\+[1-9]\d{6,14}>$/.test(value)) {
        problems.push(`${where}: CallerID is not one quoted name and number: ${printable(value)}`);
      }
      if (header === 'variable' && !/^CALLNOW_[A-Z_]+=[^,]*$/.test(value)) {
        problems.push(`${where}: Variable is not one CALLNOW_ assignment: ${printable(value)}`);
      }
    }
  }
  for (const [session, wire] of wireBySession) {
    const stray = OUTSIDE_A_LINE.exec(wire);
    if (stray) {
      const near = wire.slice(Math.max(0, stray.index - 40), stray.index + 20);
      problems.push(
        `session ${session}: ${printable(stray[0])} outside a CRLF line end near ${printable(near, 120)}`,
      );
    }
    for (const line of wire.split('\r\n')) {
      if (line !== '' && !/^[A-Za-z][A-Za-z0-9_-]*: ?[^\r\n]*$/.test(line)) {
        problems.push(`session ${session}: not a header line: ${printable(line, 90)}`);
      }
    }
  }
  return problems;
}

/** The request ids of every Originate the PBX received (its CALLNOW_REQUEST_ID variable). */
export function originatedRequestIds(actions: readonly ReceivedAmiAction[]): Set<string> {
  const ids = new Set<string>();
  for (const action of actions) {
    if (action.name.toLowerCase() !== 'originate') continue;
    for (const [name, value] of action.headers) {
      if (name.toLowerCase() === 'variable' && value.startsWith('CALLNOW_REQUEST_ID=')) {
        ids.add(value.slice('CALLNOW_REQUEST_ID='.length));
      }
    }
  }
  return ids;
}
