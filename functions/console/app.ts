// The console's request handling: the session behind the cookie, the CSRF check of every form, routing to the
// screens, and errors as pages (what the rules refuse, by the one mapper; anything else hidden and logged).
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { isSessionCsrfToken, resumeSession } from '../domain/sessions.ts';
import { isAllowedOrigin } from '../http/cors.ts';
import { edgeRequests } from '../http/edge.ts';
import { HttpError, toHttpError } from '../http/errors.ts';
import { httpErrors } from '../http/middleware.ts';
import { describeError, log } from '../lib/log.ts';
import { SESSION_COOKIE } from './cookies.ts';
import { formOf, page, readCookie, redirect } from './http.ts';
import { h, layout, type Viewer } from './layout.ts';
import type { ConsolePorts } from './ports.ts';

export interface ConsoleRequest {
  readonly event: APIGatewayProxyEventV2;
  readonly ports: ConsolePorts;
  readonly viewer: Viewer;
  /** What the path's `{id}`s matched, in order. */
  readonly params: readonly string[];
  /** The posted form (its CSRF token already checked). */
  readonly form: Readonly<Record<string, string>>;
  query(name: string): string | undefined;
}

export type Screen = (request: ConsoleRequest) => Promise<APIGatewayProxyStructuredResultV2>;

/** A screen for whoever is not logged in yet (`GET /console/login`, say), keyed by method and path. */
export type OpenScreens = Readonly<
  Record<
    string,
    (event: APIGatewayProxyEventV2, ports: ConsolePorts) => Promise<APIGatewayProxyStructuredResultV2>
  >
>;

const ID = '([A-Za-z0-9_.@-]{1,64})';

export class ConsoleRouter {
  readonly #routes: Array<{ method: string; pattern: RegExp; screen: Screen }> = [];

  add(method: 'GET' | 'POST', path: string, screen: Screen): this {
    this.#routes.push({ method, pattern: new RegExp(`^/console${path.replaceAll('{id}', ID)}$`), screen });
    return this;
  }

  match(method: string, path: string): { screen: Screen; params: string[] } | undefined {
    for (const route of this.#routes) {
      const found = route.method === method ? route.pattern.exec(path) : null;
      if (found) return { screen: route.screen, params: found.slice(1) };
    }
    return undefined;
  }
}

export function errorPage(viewer: Viewer | undefined, statusCode: number, title: string, message: string) {
  return page(
    statusCode,
    layout(
      viewer,
      title,
      `<p class="error">${h(message)}</p>\n<p><a href="/console">Back to the console</a></p>`,
    ),
  );
}

/** What the rules refused, as a page; anything else is logged and hidden behind a 500. */
function refusalPage(viewer: Viewer | undefined, error: unknown) {
  const known = toHttpError(error);
  if (known)
    return errorPage(
      viewer,
      known.statusCode,
      known.statusCode === 404 ? 'Not found' : 'Not possible',
      known.message,
    );
  log.error('console request failed', describeError(error));
  return errorPage(
    viewer,
    500,
    'Something went wrong',
    'Something went wrong on our side; please try again.',
  );
}

/** Forms are accepted from this site only, and only with the token of the session that drew them. */
function checkForm(event: APIGatewayProxyEventV2, viewer: Viewer): Record<string, string> {
  const form = formOf(event);
  if (!isAllowedOrigin(event, []) || !isSessionCsrfToken(viewer, form.csrf)) {
    throw new HttpError(
      403,
      'forbidden',
      'This form was not sent by this console session (or is too old): go back, reload the page and try again.',
    );
  }
  return form;
}

export function createConsoleApp(ports: ConsolePorts, router: ConsoleRouter, open: OpenScreens) {
  async function handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath.replace(/\/+$/, '') || '/console';
    const query = (name: string) => event.queryStringParameters?.[name];
    const openScreen = open[`${method} ${path}`];
    if (openScreen) return openScreen(event, ports);
    const sessionId = readCookie(event, SESSION_COOKIE);
    const session = sessionId
      ? await resumeSession(sessionId, { ...ports, store: ports.management })
      : undefined;
    if (!session) {
      if (method === 'GET') return redirect(`/console/login?next=${encodeURIComponent(path)}`);
      return errorPage(undefined, 401, 'Logged out', 'Your session has ended: log in again.');
    }
    const viewer: Viewer = {
      principal: session.principal,
      username: session.username,
      csrfToken: session.csrfToken,
    };
    const route = router.match(method, path);
    if (!route) return errorPage(viewer, 404, 'Not found', 'There is no such page in the console.');
    try {
      const form = method === 'POST' ? checkForm(event, viewer) : {};
      return await route.screen({ event, ports, viewer, params: route.params, form, query });
    } catch (error) {
      return refusalPage(viewer, error);
    }
  }

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpErrors())
    .use(edgeRequests(ports.edge ?? {}))
    .handler(handle);
}
