// The management API's routes: a method and a path pattern each, matched against `/api/v1/{proxy+}`.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { Principal } from '../domain/access.ts';
import { HttpError } from '../http/errors.ts';

export interface ApiCall {
  readonly event: APIGatewayProxyEventV2;
  readonly principal: Principal;
  /** What `{id}` matched, in order. */
  readonly params: readonly string[];
}

export type RouteHandler = (call: ApiCall) => Promise<APIGatewayProxyResultV2>;

/** Ids this API gives out; a call request's id may also be one a program chose. */
const ID = '([A-Za-z0-9_-]{1,64})';
const CALL_ID = '([A-Za-z0-9_.*#-]{1,64})';

export class Router {
  readonly #routes: Array<{ method: string; pattern: RegExp; handle: RouteHandler }> = [];

  /** `path` relative to /api/v1; `{id}` and `{callId}` match one path segment. */
  add(method: string, path: string, handle: RouteHandler): this {
    const pattern = new RegExp(`^${path.replaceAll('{id}', ID).replaceAll('{callId}', CALL_ID)}$`);
    this.#routes.push({ method, pattern, handle });
    return this;
  }

  /** The route for the request, or a 404 or 405 that says what exists. */
  match(method: string, path: string): { handle: RouteHandler; params: string[] } {
    const candidates = this.#routes.filter((route) => route.pattern.test(path));
    const route = candidates.find((candidate) => candidate.method === method);
    if (route) return { handle: route.handle, params: route.pattern.exec(path)?.slice(1) ?? [] };
    if (candidates.length === 0) throw new HttpError(404, 'not_found', `no such resource: /api/v1/${path}`);
    const allowed = candidates.map((candidate) => candidate.method).join(', ');
    throw new HttpError(
      405,
      'method_not_allowed',
      `${method} is not allowed here; use ${allowed}`,
      undefined,
      {
        allow: allowed,
      },
    );
  }
}
