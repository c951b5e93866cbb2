// The public handler over the in-memory store, a recording queue, a fixed clock and scripted CAPTCHA randomness,
// with one helper per route, for the public-*.test.ts handler tests.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { vi } from 'vitest';
import type { SiteQueueMessage } from '../../contracts/messages.ts';
import type { CaptchaRandom } from '../../functions/domain/captcha.ts';
import { issueFormToken } from '../../functions/domain/form-tokens.ts';
import { createPublicHandler, type PublicPorts } from '../../functions/public/routes.ts';
import { apiEvent, lambdaContext, structured } from '../support/api-events.ts';
import { callableTarget } from '../support/fixtures.ts';
import { MemoryStore } from '../support/memory-store.ts';

/** Thursday 26 November 2026, 10:00 UTC: 12:00 in Bucharest, 05:00 in New York. */
export const NOW = new Date('2026-11-26T10:00:00.000Z');

export const ROUTES = {
  page: 'GET /callnow/{callNowId}',
  post: 'POST /callnow/{callNowId}/requests',
  status: 'GET /callnow/{callNowId}/requests/{requestId}',
  cancel: 'DELETE /callnow/{callNowId}/requests/{requestId}',
  cancelForm: 'POST /callnow/{callNowId}/requests/{requestId}/cancel',
  captcha: 'GET /callnow/{callNowId}/captcha',
  widget: 'GET /callnow/{callNowId}/widget.js',
  preflight: 'OPTIONS /callnow/{callNowId}/requests',
} as const;

/**
 * Every challenge shows `AAAAA` (upper case picked, first letter of the alphabet) and asks "one plus one":
 * the answers are `aaaaa`, whatever the case, and `2`.
 */
export const scriptedRandom = (): CaptchaRandom => {
  let challenges = 0;
  return {
    integer: (minimum, maximum) => (maximum === 1 ? 1 : minimum),
    id: () => `challenge-${String(++challenges).padStart(8, '0')}`,
  };
};

export type Target = ReturnType<typeof callableTarget>;

interface EventOptions {
  readonly callNowId?: string;
  readonly requestId?: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: string;
  readonly sourceIp?: string;
}

export function publicHarness(
  change: (target: Target) => void = () => {},
  ports: Pick<PublicPorts, 'edge'> = {},
) {
  const store = new MemoryStore();
  const target = callableTarget();
  change(target);
  store.targets.set(target.extension.callNow.callNowId, target);
  const sent: SiteQueueMessage[] = [];
  const queue = { down: false };
  let requests = 0;
  const clock = { now: vi.fn(() => NOW) };
  const handler = createPublicHandler({
    store,
    queue: {
      send: async (message) => {
        if (queue.down) throw new Error('SQS is down');
        sent.push(message);
      },
    },
    clock,
    newRequestId: () => `req-${++requests}`,
    random: scriptedRandom(),
    ...ports,
  });

  const event = (routeKey: string, options: EventOptions = {}): APIGatewayProxyEventV2 => {
    const pathParameters: Record<string, string> = { callNowId: options.callNowId ?? 'demo' };
    if (options.requestId !== undefined) pathParameters.requestId = options.requestId;
    const base = apiEvent(routeKey, {
      pathParameters,
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.sourceIp === undefined ? {} : { sourceIp: options.sourceIp }),
    });
    return options.query ? { ...base, queryStringParameters: options.query } : base;
  };
  const call = async (routeKey: string, options: EventOptions = {}) => {
    const response = structured(await handler(event(routeKey, options), lambdaContext));
    return {
      ...response,
      body: response.body ?? '',
      headers: (response.headers ?? {}) as Record<string, string>,
    };
  };
  const json = (response: { body: string }) => JSON.parse(response.body);
  const formToken = (callNowId: string) => issueFormToken(store.formKey, callNowId, clock.now().getTime());

  return {
    store,
    target,
    sent,
    /** Every send to the site queue fails from now on. */
    takeQueueDown: () => {
      queue.down = true;
    },
    clock,
    call,
    json,
    page: (options: EventOptions = {}) => call(ROUTES.page, options),
    postJson: (body: unknown, options: EventOptions = {}) =>
      call(ROUTES.post, {
        ...options,
        headers: { 'content-type': 'application/json', ...options.headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    /** Posts the form as the page would, with a valid CSRF token unless the body carries its own. */
    postForm: (body: string, options: EventOptions = {}) =>
      call(ROUTES.post, {
        ...options,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'text/html',
          ...options.headers,
        },
        body: body.includes('csrfToken=')
          ? body
          : `${body}&csrfToken=${formToken(options.callNowId ?? 'demo')}`,
      }),
    formToken,
    status: (requestId: string, options: EventOptions = {}) => call(ROUTES.status, { ...options, requestId }),
  };
}

/** The value of an attribute of the first element matching `selector` (a tag and one attribute, e.g. `input#x`). */
export function attribute(html: string, elementPattern: RegExp, name: string): string | undefined {
  const element = elementPattern.exec(html)?.[0];
  return element ? new RegExp(`\\s${name}="([^"]*)"`).exec(element)?.[1] : undefined;
}
