// Issue #6: the hostile and malformed inputs of test/fixtures/bad-input-corpus.json, fanned out into every field of
// every public and management route of one local stack. No answer is a 5xx or shows internal detail; a refused
// request queues nothing and writes nothing; the PBX only ever receives single-line headers.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../edge-connector/src/log.ts';
import { defaultCallNowPreferences } from '../../functions/domain/defaults.ts';
import { DynamoManagementStore } from '../../functions/store/dynamo-management-store.ts';
import { keys } from '../../functions/store/records.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import {
  amiProblems,
  closeAgents,
  formOf,
  type Hostile,
  type HostileAnswer,
  type HostileRequest,
  internalDetails,
  jsonWith,
  loadCorpus,
  observeAws,
  originatedRequestIds,
  percentEncode,
  printable,
  type RequestEntry,
  sendHostile,
  sendRaw,
  type Target,
  type WriteDetail,
} from '../support/bad-input.ts';

const corpus = loadCorpus(new URL('../fixtures/bad-input-corpus.json', import.meta.url));

// --- which values go where -----------------------------------------------------------------------------------
// The machine has 2 cores and the whole stack runs in this process: every value goes into the fields an attacker
// reaches first, and into the others a sample of every kind, a different one for each field.

const ALL = corpus.values;
const BY_KIND = new Map<string, Hostile[]>();
for (const value of ALL) BY_KIND.set(value.kind, [...(BY_KIND.get(value.kind) ?? []), value]);

let fieldCount = 0;
/** `perKind` values of each kind, different ones for each field, so the fields between them see the whole corpus. */
function sample(perKind = 1): Hostile[] {
  const field = fieldCount++;
  return [...BY_KIND.values()].flatMap((group) =>
    Array.from(
      { length: Math.min(perKind, group.length) },
      (_, index) => group[(field * perKind + index) % group.length] as Hostile,
    ),
  );
}
/** Half the kinds, the other half for the next field: for fields whose requests cost the most. */
function half(): Hostile[] {
  const parity = fieldCount % 2;
  return sample().filter((_, position) => position % 2 === parity);
}
/** Every value of these kinds, and a sample of the others. */
function focus(kinds: readonly string[]): Hostile[] {
  return [
    ...ALL.filter((value) => kinds.includes(value.kind)),
    ...sample().filter((value) => !kinds.includes(value.kind)),
  ];
}
/** Numbers of every odd format, the ones a page may not call, and line breaks and NULs inside a number. */
const NUMBER_KINDS = ['number-format', 'premium-number', 'foreign-number', 'crlf', 'nul'];
/** Origins: URLs of every shape, `null`, and addresses. */
const ORIGIN_KINDS = ['url', 'ipv6'];
/** What could break an AMI header. */
const NAME_KINDS = ['crlf', 'nul', 'control', 'ami-injection', 'invalid-utf8'];
/** Credentials are checked with scrypt on purpose (about 0.1 s each): a few kinds are enough. */
const secrets = () =>
  sample().filter((value) =>
    ['crlf', 'nul', 'unicode', 'invalid-utf8', 'oversized', 'empty'].includes(value.kind),
  );
/** JSON numbers of every odd size, bare in the body, and other JSON types, for numeric fields. */
const NUMBER_LITERALS = new Set(['huge-number', 'negative-number']);
const NUMERIC = ALL.filter((value) => NUMBER_LITERALS.has(value.kind) || value.kind === 'json-type');

// --- what must happen ----------------------------------------------------------------------------------------

interface Expectation {
  /** A 4xx, nothing queued, nothing written. */
  readonly refuse: boolean;
  /** The status issue #6 asks for. */
  readonly status?: number;
  /** The JSON error code issue #6 asks for. */
  readonly code?: string;
  /** The error message must not say which rule refused the input. */
  readonly quiet?: boolean;
}

const REFUSE: Expectation = { refuse: true };
const EITHER: Expectation = { refuse: false };
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
/** Characters as zod counts them (code points), not UTF-16 units. */
const characters = (text: string) => [...text].length;
/** A header value HTTP allows; node answers any other with a 400 before a handler runs. */
const deliverable = (value: Hostile) =>
  value.bytes.every((byte) => byte === 0x09 || (byte >= 0x20 && byte !== 0x7f));
/** The rule that refused a number is for the logs; the visitor's message must not name it. */
const NAMES_A_RULE = /premium|foreign|countr|calling.?code|prefix|number.?type|\brule\b|blocked|policy/i;

/** A number with a control character inside, no digit or not a string is refused; premium or foreign: 422. */
function phoneExpectation(value: Hostile, asJson: boolean, publicPage: boolean): Expectation {
  if (value.kind === 'premium-number' || value.kind === 'foreign-number') {
    if (!publicPage) return { refuse: true, status: 422, code: 'number_not_allowed' };
    return asJson
      ? { refuse: true, status: 422, code: 'number_not_allowed', quiet: true }
      : { refuse: true, status: 422 };
  }
  return {
    refuse:
      (asJson && value.json !== undefined) ||
      CONTROL.test(value.text.trim()) ||
      !/\p{Nd}/u.test(value.text) ||
      characters(value.text) > 64,
  };
}

/** A caller name is trimmed; one with a control character left, too long, or missing where asked for is refused. */
function nameExpectation(value: Hostile, asJson: boolean, required: boolean): Expectation {
  const name = value.text.trim();
  return {
    refuse:
      (asJson && value.json !== undefined) ||
      CONTROL.test(name) ||
      name.length > 40 ||
      characters(value.text) > 200 ||
      (required && name === ''),
  };
}

const atMost =
  (maxLength: number) =>
  (value: Hostile): Expectation => ({
    refuse: value.json !== undefined || characters(value.text) > maxLength,
  });
const matching =
  (pattern: RegExp) =>
  (value: Hostile): Expectation => ({
    refuse: value.json !== undefined || value.invalidUtf8 || !pattern.test(value.text),
  });
const managementName = (value: Hostile): Expectation => ({
  refuse: value.json !== undefined || value.text.trim() === '' || characters(value.text.trim()) > 100,
});
const integerIn =
  (min: number, max: number) =>
  (value: Hostile): Expectation => {
    if (!NUMBER_LITERALS.has(value.kind)) return REFUSE;
    try {
      const number = JSON.parse(value.text) as unknown;
      return {
        refuse: !(typeof number === 'number' && Number.isInteger(number) && number >= min && number <= max),
      };
    } catch {
      return REFUSE;
    }
  };
const always = (expectation: Expectation) => () => expectation;
const EXTENSION_NUMBER = /^\d{1,10}$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const HTTPS_ORIGIN = /^https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;
function isTimeZone(text: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: text });
    return true;
  } catch {
    return false;
  }
}

// --- what was seen -------------------------------------------------------------------------------------------

interface Outcome {
  readonly id: number;
  readonly field: string;
  readonly kind: string;
  readonly input: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Only this request was in flight: a write during it is its own. */
  readonly alone: boolean;
  /** For an accepted answer, the strings it gave out (ids) and its path segments: the records it may write. */
  readonly tokens: ReadonlySet<string>;
}

interface Finding {
  readonly what: string;
  readonly outcome?: Outcome;
}

const outcomes = new Map<number, Outcome>();
const findings = {
  serverErrors: [] as Finding[],
  leaks: [] as Finding[],
  notRefused: [] as Finding[],
  wrongStatus: [] as Finding[],
  reflections: [] as Finding[],
  queued: [] as Finding[],
  written: [] as Finding[],
  ami: [] as Finding[],
};
const statusClasses: Record<string, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, 'no answer': 0 };
const acceptedRequestIds = new Set<string>();
const inFlight = new Set<number>();
const writes: { pk: string; sk: string; detail: WriteDetail; inFlight: number[]; seeding: boolean }[] = [];
const callRequestMessages: { type: string; requestId: string }[] = [];
const amiWire = new Map<number, string>();
/** Fields that took a value with a control character inside: allowed where no rule says otherwise (names). */
const controlCharactersAccepted: string[] = [];
let seeding = true;
let requestsSent = 0;
let inputsTried = 0;

// --- the stack -----------------------------------------------------------------------------------------------

let stack: LocalStack;
let port = 0;
let adminAuth = '';
let csrfToken = '';
let baselineServerItem: Record<string, unknown> = {};
let baselineSettings: Record<string, unknown> = {};
const fixture = {
  resellerId: '',
  clientId: '',
  extensionId: '',
  callNowId: 'corpus-fixture',
  /** An extension of the fixture's client for the console's forms alone. */
  consoleExtensionId: '',
};
/** The admin's console session: its cookie, and the CSRF token its forms carry. */
const consoleSession = { cookie: '', csrf: '' };
const CAPTCHA_PAGE = 'corpus-captcha';
const ALLOWED_ORIGIN = 'https://shop.example.com';
const DEMO_REQUESTS = '/callnow/demo/requests';

function jsonOf(answer: HostileAnswer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

function collectStrings(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') into.add(value);
  else if (value && typeof value === 'object')
    for (const item of Object.values(value)) collectStrings(item, into);
}

interface Exchange extends HostileRequest {
  readonly field: string;
  readonly kind: string;
  readonly input: string;
  /** What the request carried that an answer may echo back. */
  readonly sent: readonly string[];
  readonly expectation: Expectation;
  readonly alone?: boolean;
  /** The whole request as bytes, for raw-http entries. */
  readonly raw?: Buffer;
}

/** Sends one request and judges the answer on everything that does not need the whole run. */
async function exchange(request: Exchange): Promise<HostileAnswer> {
  const id = ++requestsSent;
  inFlight.add(id);
  let answer: HostileAnswer;
  try {
    answer = request.raw
      ? await sendRaw(port, request.raw, request.localAddress)
      : await sendHostile(port, request);
  } finally {
    inFlight.delete(id);
  }
  const { status } = answer;
  const body = jsonOf(answer);
  const tokens = new Set<string>();
  if (status >= 200 && status < 400) {
    collectStrings(body, tokens);
    for (const segment of request.path.split(/[/?&=]/)) tokens.add(segment).add(safeDecode(segment));
    // A console form answers a redirect: what it sent is what it may have written.
    for (const text of request.sent) tokens.add(text.trim());
    const requestId =
      (body as { requestId?: unknown } | undefined)?.requestId ??
      /\/requests\/([^/?]+)/.exec(answer.headers.location ?? '')?.[1];
    const placesCalls = request.path.startsWith('/callnow/') || request.path === '/api/v1/calls';
    if (typeof requestId === 'string' && placesCalls) acceptedRequestIds.add(requestId);
  }
  const outcome: Outcome = {
    id,
    field: request.field,
    kind: request.kind,
    input: request.input,
    method: request.method,
    path: request.path.length > 90 ? `${request.path.slice(0, 90)}...` : request.path,
    status,
    alone: request.alone ?? false,
    tokens,
  };
  outcomes.set(id, outcome);

  const statusClass = status === 0 ? 'no answer' : `${Math.floor(status / 100)}xx`;
  statusClasses[statusClass] = (statusClasses[statusClass] ?? 0) + 1;
  if (status === 0 || status >= 500) {
    findings.serverErrors.push({
      what: status === 0 ? `no answer (${answer.text})` : `status ${status}`,
      outcome,
    });
  }
  for (const detail of internalDetails(answer, request.sent)) findings.leaks.push({ what: detail, outcome });
  const { expectation } = request;
  // A 5xx is reported as such above.
  if (expectation.refuse && status > 0 && status < 400) {
    findings.notRefused.push({ what: `status ${status}`, outcome });
  }
  const stores = request.method !== 'GET' && request.method !== 'OPTIONS';
  if (stores && status >= 200 && status < 300 && request.sent.some((text) => CONTROL.test(text.trim()))) {
    controlCharactersAccepted.push(request.field);
  }
  if (expectation.status !== undefined && status !== expectation.status) {
    findings.wrongStatus.push({ what: `status ${status}, expected ${expectation.status}`, outcome });
  } else if (expectation.code !== undefined) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (error?.code !== expectation.code) {
      findings.wrongStatus.push({ what: `code ${error?.code}, expected ${expectation.code}`, outcome });
    } else if (expectation.quiet && NAMES_A_RULE.test(error.message ?? '')) {
      findings.wrongStatus.push({ what: `the message names the rule: ${error.message}`, outcome });
    }
  }
  if ((answer.headers['content-type'] ?? '').startsWith('text/html')) {
    for (const text of request.sent) {
      if (text.length >= 6 && /[<"]/.test(text) && answer.text.includes(text)) {
        findings.reflections.push({ what: `unescaped in the page: ${printable(text, 60)}`, outcome });
      }
    }
  }
  const allowOrigin = answer.headers['access-control-allow-origin'];
  if (allowOrigin !== undefined && allowOrigin !== '*' && allowOrigin !== ALLOWED_ORIGIN) {
    findings.reflections.push({ what: `CORS allows ${printable(allowOrigin)}`, outcome });
  }
  return answer;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A setup call that must succeed. */
async function setup(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  requestsSent++;
  const answer = await sendHostile(port, {
    method,
    path,
    headers: { authorization: adminAuth, ...(body === undefined ? {} : JSON_TYPE) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (answer.status >= 300) throw new Error(`setup ${method} ${path}: ${answer.status} ${answer.text}`);
  return (jsonOf(answer) ?? {}) as Record<string, unknown>;
}

/** Puts the server settings back exactly as seeded, generous limits and password hash included. */
async function restoreServerSettings(): Promise<void> {
  seeding = true;
  await stack.documents.send(new PutCommand({ TableName: stack.tableName, Item: baselineServerItem }));
  seeding = false;
}

// --- requests ------------------------------------------------------------------------------------------------

const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
const HTML = { accept: 'text/html' };

const AREA_CODES = [
  '212',
  '213',
  '305',
  '312',
  '404',
  '415',
  '503',
  '512',
  '617',
  '646',
  '206',
  '214',
  '303',
];
let phonesGiven = 0;
/** A valid US number no other request uses, so no request is a double press of another. */
function freshPhone(): string {
  const n = phonesGiven++;
  const area = AREA_CODES[Math.floor(n / 100) % AREA_CODES.length];
  return `+1 ${area} 555 01${String(n % 100).padStart(2, '0')}`;
}

let visitors = 0;
/** A request from one of many visitor addresses, so per-address limits do not mask the input checks. */
function visitor(method: string, path: string, headers = {}, body?: Buffer | string): HostileRequest {
  const localAddress = `127.0.1.${1 + (visitors++ % 32)}`;
  return { method, path, headers, localAddress, ...(body === undefined ? {} : { body }) };
}

/** An admin request to /api/v1. */
function admin(method: string, path: string, body?: Buffer | string): HostileRequest {
  const headers = { authorization: adminAuth, ...(body === undefined ? {} : JSON_TYPE) };
  return { method, path: `/api/v1/${path}`, headers, ...(body === undefined ? {} : { body }) };
}

let logins = 0;
/** A management request with these credentials, each from an address of its own: failed logins lock one out. */
function login(authorization: string | Buffer): HostileRequest {
  const n = logins++;
  const localAddress = `127.0.${2 + Math.floor(n / 250)}.${1 + (n % 250)}`;
  return { method: 'GET', path: '/api/v1/resellers', headers: { authorization }, localAddress };
}

const segment = (value: Hostile) => percentEncode(value.bytes);
const visitorForm = (fields: [string, Buffer | string][]) =>
  visitor('POST', DEMO_REQUESTS, FORM_TYPE, formOf(fields));
const visitorJson = (body: Buffer | string, headers = {}) =>
  visitor('POST', DEMO_REQUESTS, { ...JSON_TYPE, ...headers }, body);

interface Probe {
  readonly field: string;
  readonly values: readonly Hostile[];
  readonly request: (value: Hostile) => HostileRequest | Promise<HostileRequest>;
  readonly expect: (value: Hostile) => Expectation;
  /** After a 2xx: look at the page that shows the value, put the settings back. */
  readonly accepted?: (answer: HostileAnswer, value: Hostile) => Promise<void>;
}

function tasksOf(probe: Probe, alone: boolean): (() => Promise<void>)[] {
  return probe.values.map((value) => async () => {
    const answer = await exchange({
      ...(await probe.request(value)),
      field: probe.field,
      kind: value.kind,
      input: value.label,
      sent: [value.text],
      expectation: probe.expect(value),
      alone,
    });
    if (answer.status >= 200 && answer.status < 300) await probe.accepted?.(answer, value);
  });
}

/** The body of PUT /extensions/{id}/callnow: a new extension's preferences, calls allowed. */
function preferences(overrides: Record<string, unknown> = {}) {
  const { callNowId: _, ...defaults } = defaultCallNowPreferences('unused');
  return { ...defaults, allowCalls: true, message: 'Corpus page', ringSeconds: 20, ...overrides };
}

/** Fields anyone reaches: the CallNow page, its requests, the widget and its CORS. */
function publicProbes(): Probe[] {
  const form = (name: string, value: Hostile): [string, Buffer | string][] => [
    ['phoneNumber', name === 'phoneNumber' ? value.bytes : freshPhone()],
    ['callerName', name === 'callerName' ? value.bytes : 'Grace'],
    ['csrfToken', name === 'csrfToken' ? value.bytes : csrfToken],
  ];
  const captchaPage = (body: Buffer) => visitor('POST', `/callnow/${CAPTCHA_PAGE}/requests`, JSON_TYPE, body);
  return [
    {
      field: 'POST /callnow/{id}/requests JSON phoneNumber',
      values: ALL,
      request: (v) => visitorJson(jsonWith({ phoneNumber: '', callerName: 'Grace' }, ['phoneNumber'], v)),
      expect: (v) => phoneExpectation(v, true, true),
    },
    {
      field: 'POST /callnow/{id}/requests JSON callerName',
      values: focus(NAME_KINDS),
      request: (v) => visitorJson(jsonWith({ phoneNumber: freshPhone(), callerName: '' }, ['callerName'], v)),
      expect: (v) => nameExpectation(v, true, true),
    },
    {
      field: 'POST /callnow/{id}/requests form phoneNumber',
      values: focus(NUMBER_KINDS),
      request: (v) => visitorForm(form('phoneNumber', v)),
      expect: (v) => phoneExpectation(v, false, true),
    },
    {
      field: 'POST /callnow/{id}/requests form callerName',
      values: sample(),
      request: (v) => visitorForm(form('callerName', v)),
      expect: (v) => nameExpectation(v, false, true),
    },
    {
      field: 'POST /callnow/{id}/requests form csrfToken',
      values: sample(),
      request: (v) => visitorForm(form('csrfToken', v)),
      // Longer than any token the schema takes: a 400 before the token is read.
      expect: (v) => (characters(v.text) <= 100 ? { refuse: true, status: 403 } : REFUSE),
    },
    {
      field: 'POST /callnow/{id}/requests JSON captcha (no picture asked)',
      values: half(),
      request: (v) =>
        visitorJson(jsonWith({ phoneNumber: freshPhone(), callerName: 'G', captcha: '' }, ['captcha'], v)),
      expect: atMost(64),
    },
    {
      field: 'POST /callnow/{id}/requests JSON captchaId (no picture asked)',
      values: half(),
      request: (v) =>
        visitorJson(
          jsonWith({ phoneNumber: freshPhone(), callerName: 'G', captchaId: '' }, ['captchaId'], v),
        ),
      expect: atMost(100),
    },
    {
      field: 'POST /callnow/{picture page}/requests JSON captchaId',
      values: sample(),
      request: (v) =>
        captchaPage(
          jsonWith({ phoneNumber: freshPhone(), captcha: 'abcd', captchaId: '' }, ['captchaId'], v),
        ),
      expect: always(REFUSE),
    },
    {
      field: 'POST /callnow/{picture page}/requests JSON captcha, for a real challenge',
      values: sample(),
      request: async (v) => {
        const challenge = await exchange({
          ...visitor('GET', `/callnow/${CAPTCHA_PAGE}/captcha`),
          field: 'GET /callnow/{picture page}/captcha',
          kind: v.kind,
          input: '(a new challenge)',
          sent: [],
          expectation: EITHER,
        });
        const { challengeId = '' } = (jsonOf(challenge) ?? {}) as { challengeId?: string };
        return captchaPage(
          jsonWith({ phoneNumber: freshPhone(), captchaId: challengeId, captcha: '' }, ['captcha'], v),
        );
      },
      expect: always(REFUSE),
    },
    {
      field: 'POST /callnow/{id}/requests JSON field name',
      values: sample(),
      request: (v) => {
        const name = v.invalidUtf8
          ? Buffer.concat([Buffer.from('"'), v.bytes, Buffer.from('"')])
          : JSON.stringify(v.text);
        const head = `{"phoneNumber":"${freshPhone()}","callerName":"Grace",`;
        return visitorJson(Buffer.concat([Buffer.from(head), Buffer.from(name), Buffer.from(':"x"}')]));
      },
      expect: always(REFUSE),
    },
    {
      field: 'GET /callnow/{hostile id}',
      values: ALL,
      request: (v) => visitor('GET', `/callnow/${segment(v)}`, HTML),
      expect: always(REFUSE),
    },
    {
      field: 'GET /callnow/{id}/requests/{hostile id} JSON',
      values: sample(),
      request: (v) => visitor('GET', `${DEMO_REQUESTS}/${segment(v)}`),
      expect: always(REFUSE),
    },
    {
      field: 'GET /callnow/{id}/requests/{hostile id} page',
      values: sample(),
      request: (v) => visitor('GET', `${DEMO_REQUESTS}/${segment(v)}`, HTML),
      expect: always(REFUSE),
    },
    {
      field: 'DELETE /callnow/{id}/requests/{hostile id}',
      values: sample(),
      request: (v) => visitor('DELETE', `${DEMO_REQUESTS}/${segment(v)}`),
      expect: always(REFUSE),
    },
    {
      field: 'POST /callnow/{id}/requests/{hostile id}/cancel',
      values: sample(),
      request: (v) =>
        visitor(
          'POST',
          `${DEMO_REQUESTS}/${segment(v)}/cancel`,
          FORM_TYPE,
          formOf([['csrfToken', csrfToken]]),
        ),
      expect: always(REFUSE),
    },
    {
      field: 'POST /callnow/{hostile id}/requests',
      values: sample(),
      request: (v) =>
        visitor(
          'POST',
          `/callnow/${segment(v)}/requests`,
          JSON_TYPE,
          JSON.stringify({ phoneNumber: freshPhone() }),
        ),
      expect: always(REFUSE),
    },
    {
      field: 'GET /callnow/{hostile id}/captcha',
      values: sample(),
      request: (v) => visitor('GET', `/callnow/${segment(v)}/captcha`),
      expect: always(REFUSE),
    },
    {
      field: 'GET /callnow/{hostile id}/widget.js',
      values: sample(),
      request: (v) => visitor('GET', `/callnow/${segment(v)}/widget.js`, { origin: ALLOWED_ORIGIN }),
      expect: always(EITHER),
    },
    {
      field: 'OPTIONS /callnow/{hostile id}/requests',
      values: sample(),
      request: (v) =>
        visitor('OPTIONS', `/callnow/${segment(v)}/requests`, {
          origin: ALLOWED_ORIGIN,
          'access-control-request-method': 'POST',
        }),
      expect: always(REFUSE),
    },
    {
      field: 'OPTIONS /callnow/{id}/requests from a hostile Origin',
      values: focus(ORIGIN_KINDS),
      request: (v) =>
        visitor('OPTIONS', DEMO_REQUESTS, { origin: v.bytes, 'access-control-request-method': 'POST' }),
      expect: always(REFUSE),
    },
    {
      field: 'POST /callnow/{id}/requests JSON from a hostile Origin',
      values: focus(ORIGIN_KINDS),
      // As a browser sends it: a page on another site (or a sandboxed one, `Origin: null`) says so in Sec-Fetch-Site.
      request: (v) =>
        visitorJson(JSON.stringify({ phoneNumber: freshPhone(), callerName: 'Grace' }), {
          origin: v.bytes,
          'sec-fetch-site': 'cross-site',
        }),
      expect: (v) => (deliverable(v) ? { refuse: true, status: 403, code: 'origin_not_allowed' } : REFUSE),
    },
    {
      field: 'GET /callnow/{id}/widget.js from a hostile Origin',
      values: focus(ORIGIN_KINDS),
      request: (v) => visitor('GET', '/callnow/demo/widget.js', { origin: v.bytes }),
      expect: always(EITHER),
    },
    {
      field: 'GET /callnow/{id}?lang=hostile',
      values: sample(),
      request: (v) => visitor('GET', `/callnow/demo?lang=${segment(v)}`, HTML),
      expect: always(EITHER),
    },
    {
      field: 'GET /callnow/{id} with a hostile Accept-Language',
      values: sample(),
      request: (v) => visitor('GET', '/callnow/demo', { ...HTML, 'accept-language': v.bytes }),
      expect: always(EITHER),
    },
  ];
}

/** Management and Call API fields whose answers change nothing later requests depend on. */
function managementProbes(): Probe[] {
  const extension = () => ({
    clientId: fixture.clientId,
    number: '209',
    siteId: 'hq',
    type: 'phone_terminal',
    ownerName: 'Corpus',
    callApiManagement: true,
    callApiAccess: true,
  });
  const create = (
    path: string,
    template: () => unknown,
    at: (string | number)[],
    values: Hostile[],
    expect: (value: Hostile) => Expectation,
  ): Probe => ({
    field: `POST /api/v1/${path} ${at.join('.')}`,
    values,
    request: (v) => admin('POST', path, jsonWith(template(), at, v)),
    expect,
  });
  const byId = (method: string, path: string, body?: unknown): Probe => ({
    field: `${method} /api/v1/${path}`,
    values: sample(),
    request: (v) =>
      admin(
        method,
        path.replace('{hostile id}', segment(v)),
        body === undefined ? undefined : JSON.stringify(body),
      ),
    expect: always(REFUSE),
  });
  const query = (path: string, expect: (value: Hostile) => Expectation): Probe => ({
    field: `GET /api/v1/${path}`,
    values: half(),
    request: (v) => admin('GET', path.replace('hostile', segment(v))),
    expect,
  });
  const call = (template: () => unknown) => () => ({
    extensionId: 'demo-101',
    phoneNumber: freshPhone(),
    ...(template() as object),
  });
  const key = (scope: Record<string, string>) => () => ({
    scope: { level: 'client', id: fixture.clientId, ...scope },
    label: 'x',
  });
  return [
    create('resellers', () => ({ name: '' }), ['name'], sample(2), managementName),
    create('clients', () => ({ resellerId: '', name: 'Corpus' }), ['resellerId'], half(), always(REFUSE)),
    create('clients', () => ({ resellerId: fixture.resellerId, name: '' }), ['name'], half(), managementName),
    create('extensions', extension, ['clientId'], half(), always(REFUSE)),
    create('extensions', extension, ['number'], focus(['dial-string']), matching(EXTENSION_NUMBER)),
    // The local stack serves one site: no tenant places an extension on a site that does not exist.
    create('extensions', extension, ['siteId'], half(), (v) => ({ refuse: v.text !== 'hq' })),
    create('extensions', extension, ['type'], half(), always(REFUSE)),
    create('extensions', extension, ['ownerName'], sample(), managementName),
    create(
      'extensions',
      () => ({ ...extension(), visitorCallerId: '' }),
      ['visitorCallerId'],
      focus(['dial-string']),
      // The fixture's client holds no caller ID: none it could name is shown to visitors.
      always(REFUSE),
    ),
    create(
      `resellers/${fixture.resellerId}/phone-numbers`,
      () => ({ extensionRanges: [{ siteId: 'hq', first: '', last: '299' }], callerIds: [] }),
      ['extensionRanges', 0, 'first'],
      focus(['dial-string']),
      matching(/^\d{3}$/),
    ),
    create(
      `clients/${fixture.clientId}/phone-numbers`,
      () => ({ extensionRanges: [{ siteId: 'hq', first: '200', last: '299' }], callerIds: [''] }),
      ['callerIds', 0],
      focus(['dial-string']),
      always(REFUSE),
    ),
    create(
      'calls',
      call(() => ({})),
      ['phoneNumber'],
      focus(['premium-number', 'foreign-number', 'ami-injection', 'nul']),
      (v) => phoneExpectation(v, true, false),
    ),
    create(
      'calls',
      call(() => ({ callerName: '' })),
      ['callerName'],
      sample(),
      (v) => nameExpectation(v, true, false),
    ),
    create(
      'calls',
      call(() => ({})),
      ['extensionId'],
      half(),
      always(REFUSE),
    ),
    create('api-keys', key({}), ['label'], half(), atMost(100)),
    create('api-keys', key({}), ['scope', 'id'], half(), always(REFUSE)),
    create('api-keys', key({}), ['scope', 'level'], half(), always(REFUSE)),
    byId('GET', 'resellers/{hostile id}'),
    byId('PATCH', 'resellers/{hostile id}', { name: 'x' }),
    byId('GET', 'clients/{hostile id}'),
    byId('DELETE', 'clients/{hostile id}'),
    byId('GET', 'extensions/{hostile id}'),
    byId('PUT', 'extensions/{hostile id}/callnow', preferences()),
    byId('GET', 'calls/{hostile id}'),
    byId('DELETE', 'calls/{hostile id}'),
    byId('DELETE', 'api-keys/{hostile id}'),
    // A query string has no JSON types: `null` is four letters there.
    query('resellers?limit=hostile', (v) => ({ refuse: !/^(100|[1-9]\d?)$/.test(v.text) })),
    query('clients?cursor=hostile', (v) => (v.text === '' ? EITHER : REFUSE)),
    {
      field: 'GET /api/v1/resellers?cursor=hostile',
      values: focus(['forged-cursor']),
      request: (v) => admin('GET', `resellers?cursor=${segment(v)}`),
      expect: (v) => (v.text === '' ? EITHER : { refuse: true, status: 400, code: 'invalid_cursor' }),
    },
    query('extensions?resellerId=hostile', (v) => (ID.test(v.text) ? EITHER : REFUSE)),
    query('extensions?clientId=hostile', (v) => (ID.test(v.text) ? EITHER : REFUSE)),
    query('resellers?hostile=1', always(REFUSE)),
    {
      field: 'Authorization: Bearer hostile',
      values: sample(),
      request: (v) => login(Buffer.concat([Buffer.from('Bearer '), v.bytes])),
      expect: always(REFUSE),
    },
    {
      field: 'Authorization: Basic admin:hostile',
      values: secrets(),
      request: (v) => login(`Basic ${Buffer.concat([Buffer.from('admin:'), v.bytes]).toString('base64')}`),
      expect: always(REFUSE),
    },
    {
      field: 'Authorization: hostile',
      values: sample(),
      request: (v) => login(v.bytes),
      expect: always(REFUSE),
    },
  ];
}

/** The console's forms, as the admin's session posts them: CSRF token and cookie, one field hostile. */
function consoleForm(
  path: string,
  fields: Record<string, string>,
  name: string,
  value: Hostile,
): HostileRequest {
  const form = formOf([
    ['csrf', consoleSession.csrf],
    ...Object.entries(fields).map(([field, text]): [string, Buffer | string] => [
      field,
      field === name ? value.bytes : text,
    ]),
  ]);
  return { method: 'POST', path, headers: { ...FORM_TYPE, cookie: consoleSession.cookie }, body: form };
}

const CONSOLE_PREFERENCES = {
  allowCalls: 'on',
  callNowId: 'corpus-console',
  availabilityOn: 'on',
  'day-mon': 'on',
  availabilityFrom: '09:00',
  availabilityTo: '17:00',
  availabilityTimeZone: 'UTC',
  language: 'en',
  message: 'Console page',
  ringSeconds: '20',
  allowedOrigins: 'https://shop.example.com',
};

/** The console: its login form, its pages for hostile ids and searches. */
function consoleProbes(): Probe[] {
  const page = (path: (value: Hostile) => string, expect: Probe['expect']): Probe => ({
    field: `GET ${path({ text: '{hostile}', bytes: Buffer.from('{hostile}') } as Hostile)}`,
    values: sample(),
    request: (v) => ({ method: 'GET', path: path(v), headers: { ...HTML, cookie: consoleSession.cookie } }),
    expect,
  });
  const token = 'a'.repeat(43);
  return [
    {
      field: 'POST /console/login username',
      values: sample(),
      // The double-submit token is any value the cookie and the field share.
      request: (v) =>
        visitor(
          'POST',
          '/console/login',
          { ...FORM_TYPE, cookie: `callnow-login=${token}` },
          formOf([
            ['token', token],
            ['username', v.bytes],
            ['password', 'not the password'],
          ]),
        ),
      expect: always(REFUSE),
    },
    {
      field: 'POST /console/login password',
      values: secrets(),
      request: (v) =>
        visitor(
          'POST',
          '/console/login',
          { ...FORM_TYPE, cookie: `callnow-login=${token}` },
          formOf([
            ['token', token],
            ['username', 'admin'],
            ['password', v.bytes],
          ]),
        ),
      expect: always(REFUSE),
    },
    {
      field: 'POST /console/login token',
      values: sample(),
      request: (v) =>
        visitor(
          'POST',
          '/console/login',
          { ...FORM_TYPE, cookie: `callnow-login=${token}` },
          formOf([
            ['token', v.bytes],
            ['username', 'admin'],
            ['password', stack.admin.password],
          ]),
        ),
      expect: always(REFUSE),
    },
    page((v) => `/console/extensions/${segment(v)}`, always(REFUSE)),
    page((v) => `/console/extensions/${segment(v)}/callnow`, always(REFUSE)),
    page((v) => `/console/clients?resellerId=${fixture.resellerId}&q=${segment(v)}`, always(EITHER)),
    page(
      (v) => `/console/clients?resellerId=${fixture.resellerId}&cursor=${segment(v)}`,
      (v) => (v.text === '' ? EITHER : REFUSE),
    ),
    page((v) => `/console/login?next=${segment(v)}`, always(EITHER)),
  ];
}

/** The console's forms that change records: one at a time, as their API twins. */
function consoleFormProbes(): Probe[] {
  const preferencesField = (name: keyof typeof CONSOLE_PREFERENCES): Probe => ({
    field: `POST /console/extensions/{id}/callnow ${name}`,
    values: half(),
    request: (v) =>
      consoleForm(`/console/extensions/${fixture.consoleExtensionId}/callnow`, CONSOLE_PREFERENCES, name, v),
    expect: always(EITHER),
  });
  const numbers = { extensionRanges: 'hq 200-299', callerIds: '' };
  return [
    ...(
      [
        'callNowId',
        'message',
        'allowedOrigins',
        'availabilityTimeZone',
        'availabilityFrom',
        'ringSeconds',
        'language',
      ] as const
    ).map(preferencesField),
    {
      field: 'POST /console/clients/{id}/permissions extensionRanges',
      values: focus(['dial-string']),
      request: (v) =>
        consoleForm(`/console/clients/${fixture.clientId}/permissions`, numbers, 'extensionRanges', v),
      expect: (v) => (v.text.trim() === 'hq 200-299' ? EITHER : REFUSE),
    },
    {
      field: 'POST /console/extensions/{id}/logins username',
      values: half(),
      request: (v) =>
        consoleForm(
          `/console/extensions/${fixture.consoleExtensionId}/logins`,
          { username: '', password: 'a long enough password' },
          'username',
          v,
        ),
      expect: always(EITHER),
      accepted: async () => {
        // One owner's login per extension: the next value must find none.
        seeding = true;
        const management = new DynamoManagementStore(stack.documents, stack.tableName, { siteIds: ['hq'] });
        const logins = await management.listLogins(
          {
            level: 'extension',
            resellerId: fixture.resellerId,
            clientId: fixture.clientId,
            extensionId: fixture.consoleExtensionId,
          },
          { limit: 10 },
        );
        for (const login of logins.items) await management.deleteLogin(login.username);
        seeding = false;
      },
    },
    {
      field: 'POST /console/system subnetLimits',
      values: half(),
      request: (v) => consoleForm('/console/system', consoleSettingsForm(), 'subnetLimits', v),
      expect: always(EITHER),
      accepted: restoreServerSettings,
    },
    {
      field: 'POST /console/system destinationPolicyAllowedCountries',
      values: half(),
      request: (v) =>
        consoleForm('/console/system', consoleSettingsForm(), 'destinationPolicyAllowedCountries', v),
      expect: always(EITHER),
      accepted: restoreServerSettings,
    },
    {
      field: 'POST /console/system requestLimitRequests',
      values: NUMERIC.filter((_, index) => index % 2 === 1),
      request: (v) => consoleForm('/console/system', consoleSettingsForm(), 'requestLimitRequests', v),
      expect: always(EITHER),
      accepted: restoreServerSettings,
    },
  ];
}

/** The System preferences form as the baseline settings fill it. */
function consoleSettingsForm(): Record<string, string> {
  const settings = baselineSettings as {
    adminUsername: string;
    requestLimit: { requests: number; windowSeconds: number };
    preferredAgent: string;
    defaultCountry: string;
    callRequestRetentionDays: number;
    publicLimits: Record<string, { requests: number; windowSeconds: number }>;
  };
  const limit = (prefix: string, value: { requests: number; windowSeconds: number }) => ({
    [`${prefix}Requests`]: String(value.requests),
    [`${prefix}WindowSeconds`]: String(value.windowSeconds),
  });
  return {
    callApiEnabled: 'on',
    adminUsername: settings.adminUsername,
    ...limit('requestLimit', settings.requestLimit),
    preferredAgent: settings.preferredAgent,
    subnetLimits: '203.0.113.0/24 1000000',
    defaultCountry: settings.defaultCountry,
    ...Object.assign(
      {},
      ...Object.entries(settings.publicLimits).map(([name, value]) =>
        limit(`publicLimits${name.charAt(0).toUpperCase()}${name.slice(1)}`, value),
      ),
    ),
    destinationPolicyAllowedCountries: 'US',
    'refuse-PREMIUM_RATE': 'on',
    callRequestRetentionDays: String(settings.callRequestRetentionDays),
  };
}

/** The page of the fixture extension must escape whatever its owner typed. */
const checkFixturePage = async (_: HostileAnswer, value: Hostile) => {
  await exchange({
    ...visitor('GET', `/callnow/${fixture.callNowId}`, HTML),
    field: 'GET /callnow/{id} showing the value',
    kind: value.kind,
    input: value.label,
    sent: [value.text],
    expectation: EITHER,
  });
};

/** Fields whose accepted values change what later requests see: one request at a time, put back after. */
function sequentialProbes(): Probe[] {
  const patch = (
    path: () => string,
    at: string,
    values: Hostile[],
    expect: Probe['expect'],
    page = false,
  ): Probe => ({
    field: `PATCH /api/v1/${path().replace(/\/[^/]+$/, '/{id}')} ${at}`,
    values,
    request: (v) => admin('PATCH', path(), jsonWith({ [at]: '' }, [at], v)),
    expect,
    ...(page ? { accepted: checkFixturePage } : {}),
  });
  const callNow = (at: (string | number)[], values: Hostile[], expect: Probe['expect']): Probe => ({
    field: `PUT /api/v1/extensions/{id}/callnow ${at.join('.')}`,
    values,
    request: (v) =>
      admin(
        'PUT',
        `extensions/${fixture.extensionId}/callnow`,
        jsonWith(preferences({ availability: ALWAYS }), at, v, NUMBER_LITERALS),
      ),
    expect,
    accepted: async (answer, value) => {
      fixture.callNowId =
        (jsonOf(answer) as { callNowId?: string } | undefined)?.callNowId ?? fixture.callNowId;
      await checkFixturePage(answer, value);
    },
  });
  const settings = (
    at: (string | number)[],
    values: Hostile[],
    expect: Probe['expect'],
    template = () => baselineSettings,
  ): Probe => ({
    field: `PUT /api/v1/server/call-api ${at.join('.')}`,
    values,
    request: (v) => admin('PUT', 'server/call-api', jsonWith(template(), at, v, NUMBER_LITERALS)),
    expect,
    accepted: restoreServerSettings,
  });
  const reseller = () => `resellers/${fixture.resellerId}`;
  const client = () => `clients/${fixture.clientId}`;
  const extension = () => `extensions/${fixture.extensionId}`;
  const saneInteger = integerIn(0, 1_000_000_000);
  return [
    patch(reseller, 'name', half(), managementName),
    patch(client, 'name', half(), managementName),
    patch(extension, 'ownerName', sample(), managementName, true),
    patch(extension, 'number', half(), matching(EXTENSION_NUMBER)),
    patch(extension, 'visitorCallerId', focus(['dial-string']), always(REFUSE)),
    callNow(['message'], sample(), (v) => ({
      refuse: v.json !== undefined || CONTROL.test(v.text.replace(/\r?\n/g, ' ')) || characters(v.text) > 500,
    })),
    callNow(['callNowId'], half(), matching(/^[A-Za-z0-9_-]{4,64}$/)),
    callNow(['language'], half(), matching(/^(visitor|[a-z]{2})$/)),
    callNow(['allowedOrigins', 0], half(), (v) => ({
      refuse: v.json !== undefined || v.invalidUtf8 || !HTTPS_ORIGIN.test(v.text.trim().toLowerCase()),
    })),
    callNow(['availability', 'timeZone'], half(), (v) => ({
      refuse: v.json !== undefined || !isTimeZone(v.text),
    })),
    callNow(['availability', 'from'], half(), matching(/^([01]\d|2[0-3]):[0-5]\d$/)),
    callNow(
      ['ringSeconds'],
      NUMERIC.filter((_, index) => index % 2 === 0),
      integerIn(5, 120),
    ),
    // The request limit gets every number; each other limit, window and retention a quarter of them.
    ...numericLeaves(baselineSettings).map((at, leaf) =>
      settings(
        at,
        at[0] === 'requestLimit' ? NUMERIC : NUMERIC.filter((_, index) => index % 4 === leaf % 4),
        (v) => (saneInteger(v).refuse ? REFUSE : EITHER),
      ),
    ),
    settings(['adminUsername'], half(), matching(/^[A-Za-z0-9_.@-]{1,64}$/)),
    settings(['defaultCountry'], half(), matching(/^[A-Z]{2}$/)),
    settings(['preferredAgent'], half(), always(REFUSE)),
    settings(['subnetLimits', 0, 'cidr'], half(), (v) => (v.kind === 'ipv6' ? EITHER : REFUSE)),
    settings(['password', 'current'], secrets(), always(REFUSE), () => ({
      ...baselineSettings,
      password: { current: '', new: 'a new long password' },
    })),
  ];
}

const ALWAYS = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  from: '00:00',
  to: '23:59',
  timeZone: 'UTC',
};

/** Paths of the numbers in the settings document: every limit, window and retention. */
function numericLeaves(document: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof document === 'number') return [at];
  if (Array.isArray(document)) return document.flatMap((item, index) => numericLeaves(item, [...at, index]));
  if (document && typeof document === 'object') {
    return Object.entries(document).flatMap(([name, item]) => numericLeaves(item, [...at, name]));
  }
  return [];
}

// --- whole requests ------------------------------------------------------------------------------------------

const TARGETS: Record<Exclude<Target, 'raw'>, { method: string; path: string; contentType: string }> = {
  'public-json': { method: 'POST', path: DEMO_REQUESTS, contentType: 'application/json' },
  'public-form': { method: 'POST', path: DEMO_REQUESTS, contentType: 'application/x-www-form-urlencoded' },
  calls: { method: 'POST', path: '/api/v1/calls', contentType: 'application/json' },
  'management-create': { method: 'POST', path: '/api/v1/resellers', contentType: 'application/json' },
  settings: { method: 'PUT', path: '/api/v1/server/call-api', contentType: 'application/json' },
};

function validBody(target: Exclude<Target, 'raw'>, phone: string): Record<string, unknown> {
  switch (target) {
    case 'public-json':
    case 'public-form':
      return { phoneNumber: phone, callerName: 'Grace' };
    case 'calls':
      return { extensionId: 'demo-101', phoneNumber: phone };
    case 'management-create':
      return { name: 'Corpus request' };
    case 'settings':
      return baselineSettings;
  }
}

function generatedBody(
  entry: RequestEntry,
  target: Exclude<Target, 'raw'>,
  valid: Record<string, unknown>,
): Buffer {
  const generate: NonNullable<RequestEntry['generate']> = entry.generate ?? { type: '' };
  const { type, bytes = 0, depth = 0, keys: keyCount = 0, fields = 0, json = '{}' } = generate;
  const validJson = JSON.stringify(valid);
  const validFields = Object.entries(valid).map(([name, value]): [string, string] => [name, String(value)]);
  const validForm = formOf([...validFields, ['csrfToken', csrfToken]]);
  const many = (count: number, item: (index: number) => string, separator: string) =>
    Array.from({ length: count }, (_, index) => item(index)).join(separator);
  switch (type) {
    case 'json-padding':
      return Buffer.from(`${validJson.slice(0, -1)},"padding":"${'A'.repeat(bytes)}"}`);
    case 'form-padding':
      return Buffer.from(`${validForm}&padding=${'A'.repeat(bytes)}`);
    case 'garbage':
      return Buffer.from(Array.from({ length: bytes }, (_, index) => (index * 7919 + 13) % 256));
    case 'many-keys':
      return Buffer.from(
        `${validJson.slice(0, -1)},${many(keyCount, (index) => `"k${index}":${index}`, ',')}}`,
      );
    case 'many-form-fields':
      return Buffer.from(`${validForm}&${many(fields, (index) => `f${index}=${index}`, '&')}`);
    case 'nested-array':
      return Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    case 'nested-object':
      return Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    case 'nested-field': {
      const fieldOf: Record<string, string> = { 'management-create': 'name', settings: 'adminUsername' };
      const field = fieldOf[target] ?? 'phoneNumber';
      const { [field]: _, ...rest } = valid;
      const nested = `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
      return Buffer.from(`${JSON.stringify(rest).slice(0, -1)},"${field}":${nested}}`);
    }
    case 'merge':
      return Buffer.from(`${validJson.slice(0, -1)},${json.slice(1)}`);
    default:
      throw new Error(`unknown generator ${type}`);
  }
}

function requestTask(entry: RequestEntry, target: Target): () => Promise<void> {
  const expectation: Expectation = {
    refuse: entry.expect === 'refuse',
    ...(entry.expectStatus === undefined ? {} : { status: entry.expectStatus }),
  };
  const about = {
    field: `request to ${target}`,
    kind: entry.kind,
    input: entry.note ?? entry.kind,
    expectation,
  };
  if (target === 'raw') {
    return async () => {
      const raw =
        entry.rawBase64 !== undefined
          ? Buffer.from(entry.rawBase64, 'base64')
          : Buffer.from((entry.raw ?? '').replace('{16k}', 'a'.repeat(17_000)), 'utf8');
      const [method = '', path = ''] = raw.toString('latin1').split(' ');
      await exchange({ ...visitor(method, path), ...about, sent: [], raw });
    };
  }
  return async () => {
    const { method, path, contentType } = TARGETS[target];
    const phone = freshPhone();
    const valid = validBody(target, phone);
    const fill = (text: string) =>
      text
        .replaceAll('{valid}', JSON.stringify(valid))
        .replaceAll(
          '{valid-form}',
          formOf(Object.entries(valid).map(([name, value]) => [name, JSON.stringify(value)])),
        )
        .replaceAll('{phone}', target === 'public-form' ? percentEncode(phone) : phone)
        .replaceAll('{csrf}', percentEncode(csrfToken));
    let body: Buffer;
    if (entry.generate) body = generatedBody(entry, target, valid);
    else if (entry.bodyBase64 !== undefined) {
      body = Buffer.from(fill(Buffer.from(entry.bodyBase64, 'base64').toString('latin1')), 'latin1');
    } else body = Buffer.from(fill(entry.body ?? ''), 'utf8');
    const type = entry.contentType === undefined ? contentType : entry.contentType;
    const headers = {
      ...(type === null ? {} : { 'content-type': type }),
      ...(target === 'public-form' ? HTML : {}),
      ...entry.headers,
    };
    const request = path.startsWith('/api/v1/')
      ? { method, path, headers: { authorization: adminAuth, ...headers }, body }
      : visitor(method, path, headers, body);
    const answer = await exchange({
      ...request,
      ...about,
      sent: [body.toString('utf8', 0, 200)],
      alone: target === 'settings',
    });
    if (target === 'settings' && answer.status < 300) await restoreServerSettings();
  };
}

// --- the run -------------------------------------------------------------------------------------------------

async function inPool(tasks: readonly (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]?.();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Records any refused request may change: limits, challenges, shields, number holds, presence, the form key. */
const VOLATILE = ['COUNTER#', 'CAPTCHA#', 'SHIELD#', 'HOLD#', 'PRESENCE#', 'SESSION#'];

/** A request written pending and then deleted, and nothing else: nobody could have read it. */
function discardedUnseen(pk: string): boolean {
  const of = writes
    .filter((write) => write.pk === pk)
    .map(({ detail }) => `${detail.command}${detail.pending ? ' pending' : ''}`);
  return of.join(', ') === 'put pending, delete';
}

/** Every write to the table that no accepted answer accounts for. */
function unexplainedWrites(): Finding[] {
  const problems: Finding[] = [];
  for (const write of writes) {
    if (write.seeding || VOLATILE.some((prefix) => write.pk.startsWith(prefix))) continue;
    if (write.pk === 'SERVER' && write.sk !== 'SETTINGS') continue;
    const what = `${write.pk} ${write.sk}`;
    if (write.pk.startsWith('REQUEST#')) {
      // Call requests change as their calls go on: each must be one an answer accepted, or one written pending
      // with the limits and then deleted, never revealed, when they refused it.
      if (!acceptedRequestIds.has(write.pk.slice('REQUEST#'.length)) && !discardedUnseen(write.pk))
        problems.push({ what: `${what}: no answer gave it out` });
      continue;
    }
    const during = write.inFlight.map((id) => outcomes.get(id)).filter((outcome) => outcome !== undefined);
    const ids = write.pk.split('#').slice(1);
    // CallNow IDs are keyed in lower case, whatever case the answer spelled them in.
    const named = (tokens: ReadonlySet<string>) =>
      ids.some((id) => tokens.has(id) || [...tokens].some((token) => token.toLowerCase() === id));
    const explained = during.some(
      (outcome) =>
        outcome.status >= 200 &&
        outcome.status < 400 &&
        ((outcome.alone && during.length === 1) ||
          (write.pk === 'SERVER' ? outcome.path.includes('server/call-api') : named(outcome.tokens))),
    );
    if (!explained)
      problems.push({
        what: `${what} with no accepted request in flight`,
        ...(during[0] ? { outcome: during[0] } : {}),
      });
  }
  return problems;
}

const startedAt = Date.now();
const startCpu = process.cpuUsage();
const phaseSeconds = { concurrent: 0, sequential: 0 };
let queued = new Set<string>();
let originated = new Set<string>();

async function seed(): Promise<void> {
  // Limits high enough that no input is refused for its count rather than for itself.
  const generous = { requests: 1_000_000, windowSeconds: 60 };
  const { Item: server = {} } = await stack.documents.send(
    new GetCommand({ TableName: stack.tableName, Key: keys.server() }),
  );
  await stack.documents.send(
    new PutCommand({
      TableName: stack.tableName,
      Item: {
        ...server,
        requestLimit: generous,
        publicLimits: { perVisitorAddress: generous, perDestinationNumber: generous, perCallNowId: generous },
      },
    }),
  );
  const { adminPasswordSet: _, ...settings } = await setup('GET', '/api/v1/server/call-api');
  await setup('PUT', '/api/v1/server/call-api', {
    ...settings,
    subnetLimits: [{ cidr: '203.0.113.0/24', requestsPerMinute: 1_000_000 }],
  });
  const { adminPasswordSet: __, ...seeded } = await setup('GET', '/api/v1/server/call-api');
  baselineSettings = seeded;
  const { Item: seededItem } = await stack.documents.send(
    new GetCommand({ TableName: stack.tableName, Key: keys.server() }),
  );
  baselineServerItem = seededItem ?? {};

  const demo = await setup('GET', '/api/v1/extensions/demo-101/callnow');
  const demoPreferences = Object.fromEntries(Object.keys(preferences()).map((name) => [name, demo[name]]));
  await setup('PUT', '/api/v1/extensions/demo-101/callnow', {
    ...demoPreferences,
    allowedOrigins: [ALLOWED_ORIGIN],
  });
  // Only the Originate matters here: the simulated 103 is busy, so each call ends at once and costs little.
  await setup('PATCH', '/api/v1/extensions/demo-101', { number: '103' });

  const owner = { siteId: 'hq', type: 'phone_terminal', callApiManagement: true, callApiAccess: true };
  const pictures = await setup('POST', '/api/v1/extensions', {
    ...owner,
    clientId: 'demo-client',
    number: '105',
    ownerName: 'Picture Owner',
  });
  await setup(
    'PUT',
    `/api/v1/extensions/${pictures.extensionId}/callnow`,
    preferences({ callNowId: CAPTCHA_PAGE, imageValidation: true }),
  );
  const reseller = await setup('POST', '/api/v1/resellers', {
    name: 'Corpus Reseller',
    callApiManagement: true,
  });
  fixture.resellerId = String(reseller.resellerId);
  const numbers = { extensionRanges: [{ siteId: 'hq', first: '200', last: '299' }], callerIds: [] };
  await setup('PUT', `/api/v1/resellers/${fixture.resellerId}/phone-numbers`, numbers);
  const client = await setup('POST', '/api/v1/clients', {
    resellerId: fixture.resellerId,
    name: 'Corpus Client',
    callApiManagement: true,
  });
  fixture.clientId = String(client.clientId);
  await setup('PUT', `/api/v1/clients/${fixture.clientId}/phone-numbers`, numbers);
  const extension = await setup('POST', '/api/v1/extensions', {
    ...owner,
    clientId: fixture.clientId,
    number: '202',
    ownerName: 'Corpus Owner',
  });
  fixture.extensionId = String(extension.extensionId);
  await setup(
    'PUT',
    `/api/v1/extensions/${fixture.extensionId}/callnow`,
    preferences({ callNowId: fixture.callNowId }),
  );

  const consoleExtension = await setup('POST', '/api/v1/extensions', {
    ...owner,
    clientId: fixture.clientId,
    number: '203',
    ownerName: 'Console Owner',
  });
  fixture.consoleExtensionId = String(consoleExtension.extensionId);
  await openConsoleSession();

  for (const path of ['/callnow/demo', `/callnow/${fixture.callNowId}`, `/callnow/${CAPTCHA_PAGE}`]) {
    requestsSent++;
    const page = await sendHostile(port, { method: 'GET', path, headers: HTML });
    if (page.status !== 200) throw new Error(`${path} is not callable: ${page.status}`);
    // The form's token, valid for hours and any number of posts on its page.
    if (path === '/callnow/demo') {
      const input = /<input[^>]*name="csrfToken"[^>]*>/.exec(page.text)?.[0] ?? '';
      csrfToken = /value="([^"]*)"/.exec(input)?.[1] ?? '';
    }
  }
}

/** Logs the admin in to the console, as a browser would, and keeps the session's cookie and CSRF token. */
async function openConsoleSession(): Promise<void> {
  const token = 'b'.repeat(43);
  requestsSent += 2;
  const login = await sendHostile(port, {
    method: 'POST',
    path: '/console/login',
    headers: { ...FORM_TYPE, cookie: `callnow-login=${token}` },
    body: formOf([
      ['token', token],
      ['username', stack.admin.username],
      ['password', stack.admin.password],
    ]),
  });
  consoleSession.cookie = /callnow-session=[^;]+/.exec(login.headers['set-cookie'] ?? '')?.[0] ?? '';
  const page = await sendHostile(port, {
    method: 'GET',
    path: `/console/extensions/${fixture.consoleExtensionId}/callnow`,
    headers: { ...HTML, cookie: consoleSession.cookie },
  });
  consoleSession.csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  if (login.status !== 303 || !consoleSession.csrf)
    throw new Error(`console login: ${login.status} ${page.status}`);
}

beforeAll(async () => {
  stack = await startLocalStack({
    simulatorTimeScale: 0.01,
    connectorLogger: silentLogger,
    env: { ...process.env, MAX_CONCURRENT_CALLS: '500' },
    instrumentAwsClient: (client) =>
      observeAws(client, {
        onWrite: (pk, sk, detail) => writes.push({ pk, sk, detail, inFlight: [...inFlight], seeding }),
        onCallRequestMessage: (message) => callRequestMessages.push(message),
      }),
  });
  port = Number(new URL(stack.url).port);
  stack.simulator?.onRawData((session, text) => amiWire.set(session, (amiWire.get(session) ?? '') + text));
  adminAuth = `Basic ${Buffer.from(`${stack.admin.username}:${stack.admin.password}`).toString('base64')}`;
  await seed();
  seeding = false;

  const concurrent = [
    ...[...publicProbes(), ...managementProbes(), ...consoleProbes()].flatMap((probe) =>
      tasksOf(probe, false),
    ),
    ...corpus.requests.flatMap((entry) =>
      entry.targets.filter((target) => target !== 'settings').map((target) => requestTask(entry, target)),
    ),
  ];
  const sequential = [
    ...[...sequentialProbes(), ...consoleFormProbes()].flatMap((probe) => tasksOf(probe, true)),
    ...corpus.requests.flatMap((entry) =>
      entry.targets.filter((target) => target === 'settings').map((target) => requestTask(entry, target)),
    ),
  ];
  inputsTried = concurrent.length + sequential.length;
  const concurrentStart = Date.now();
  await inPool(concurrent, 6);
  const sequentialStart = Date.now();
  await inPool(sequential, 1);
  phaseSeconds.concurrent = (sequentialStart - concurrentStart) / 1000;
  phaseSeconds.sequential = (Date.now() - sequentialStart) / 1000;

  queued = new Set(
    callRequestMessages.filter((message) => message.type === 'call.requested').map((m) => m.requestId),
  );
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    originated = originatedRequestIds(stack.simulator?.actions ?? []);
    if ([...queued].every((id) => originated.has(id))) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const message of callRequestMessages) {
    if (!acceptedRequestIds.has(message.requestId)) {
      findings.queued.push({
        what: `${message.type} ${message.requestId} queued, but no answer accepted it`,
      });
    }
  }
  findings.written.push(...unexplainedWrites());
  findings.ami.push(...amiProblems(stack.simulator?.actions ?? [], amiWire).map((what) => ({ what })));
  console.log(summary());
}, 120_000);

afterAll(async () => {
  closeAgents();
  await stack?.stop();
});

function countBy(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${name} ${count}`).join(', ');
}

function summary(): string {
  const actions = stack.simulator?.actions ?? [];
  const headerNames = new Set(
    actions.flatMap((action) => action.headers.map(([name]) => name.toLowerCase())),
  );
  const wireBytes = [...amiWire.values()].reduce((sum, text) => sum + text.length, 0);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const { user, system } = process.cpuUsage(startCpu);
  const cpuSeconds = ((user + system) / 1e6).toFixed(1);
  const { concurrent, sequential } = phaseSeconds;
  const kinds = countBy([...corpus.values, ...corpus.requests].map((entry) => entry.kind));
  const statuses = Object.entries(statusClasses).map(([name, count]) => `${name} ${count}`);
  const reached = [...queued].filter((id) => originated.has(id)).length;
  const failures = {
    '5xx or no answer': findings.serverErrors,
    'not refused': findings.notRefused,
    'not the status asked for': findings.wrongStatus,
    reflected: findings.reflections,
    'queued for a refused request': findings.queued,
    'written for a refused request': findings.written,
    'AMI violations': findings.ami,
  };
  return [
    'bad-input corpus (issues #6, #12 and #13):',
    `  corpus: ${corpus.values.length} values, ${corpus.requests.length} whole requests; by kind: ${kinds}`,
    `  inputs tried: ${inputsTried}; HTTP requests sent: ${requestsSent}`,
    `  time: ${seconds} s, ${cpuSeconds} s of CPU (${concurrent} s six at a time, ${sequential} s one at a time)`,
    `  statuses: ${statuses.join(', ')}`,
    `  call requests accepted ${acceptedRequestIds.size}, queued ${queued.size}, originated ${reached}; numbers used ${phonesGiven}`,
    `  table writes: ${writes.filter((write) => !write.seeding).length}; requests written pending and discarded: ${
      new Set(
        writes
          .filter((write) => write.pk.startsWith('REQUEST#') && discardedUnseen(write.pk))
          .map((write) => write.pk),
      ).size
    }`,
    `  PBX: ${actions.length} actions, ${wireBytes} bytes`,
    `  AMI header names: ${[...headerNames].join(' ')}`,
    `  took a control character inside: ${countBy(controlCharactersAccepted) || 'nothing'}`,
    `  leaks found: ${findings.leaks.length}`,
    `  ${Object.entries(failures)
      .map(([name, list]) => `${name} ${list.length}`)
      .join('; ')}`,
  ].join('\n');
}

function describeFindings(list: readonly Finding[], limit = 60): string {
  const lines = list
    .slice(0, limit)
    .map(({ what, outcome }) =>
      outcome
        ? `${outcome.field} [${outcome.kind}] ${outcome.input} -> ${outcome.method} ${outcome.path}: ${what}`
        : what,
    );
  return `${list.length} found${list.length > limit ? ` (first ${limit})` : ''}:\n${lines.join('\n')}`;
}

describe('the bad-input corpus against the local stack', () => {
  it('holds at least 300 hostile inputs, of every kind the issue names', () => {
    expect(corpus.values.length + corpus.requests.length).toBeGreaterThanOrEqual(300);
    const kinds = new Set([...corpus.values, ...corpus.requests].map((entry) => entry.kind));
    for (const kind of [
      'crlf',
      'nul',
      'ami-injection',
      'html',
      'sql',
      'template',
      'invalid-utf8',
      'number-format',
      'premium-number',
      'foreign-number',
      'ipv6',
      'path-traversal',
      'huge-number',
      'negative-number',
      'oversized-body',
      'wrong-content-type',
      'nested-json',
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it('answers every input, below 500', () => {
    expect(findings.serverErrors, describeFindings(findings.serverErrors)).toEqual([]);
  });

  it('shows no stack trace or internal detail in any answer', () => {
    expect(findings.leaks, describeFindings(findings.leaks)).toEqual([]);
  });

  it('refuses with a 4xx every input that must be refused', () => {
    expect(findings.notRefused, describeFindings(findings.notRefused)).toEqual([]);
  });

  it('answers premium and foreign numbers with 422, foreign origins and forged forms with 403', () => {
    expect(findings.wrongStatus, describeFindings(findings.wrongStatus)).toEqual([]);
  });

  it('reflects no input unescaped into a page, and no hostile Origin into CORS headers', () => {
    expect(findings.reflections, describeFindings(findings.reflections)).toEqual([]);
  });

  it('queues nothing for a refused request', () => {
    expect(findings.queued, describeFindings(findings.queued)).toEqual([]);
  });

  it('writes nothing to the table for a refused request', () => {
    expect(findings.written, describeFindings(findings.written)).toEqual([]);
  });

  it('sends the PBX single-line headers only, hostile text confined to one header value', () => {
    expect(findings.ami, describeFindings(findings.ami)).toEqual([]);
  });
});
