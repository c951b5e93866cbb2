// The management and Call API under /api/v1: authenticate, limit, then the route: parse, call a domain function,
// map the result.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { authenticate } from '../domain/authentication.ts';
import { checkRequestLimits } from '../domain/call-api.ts';
import { edgeRequests } from '../http/edge.ts';
import { HttpError } from '../http/errors.ts';
import { httpErrors } from '../http/middleware.ts';
import { jsonTextResponse } from '../http/responses.ts';
import { addAdminRoutes } from './admin-routes.ts';
import { addCallRoutes } from './call-routes.ts';
import { buildOpenApiDocument } from './openapi.ts';
import type { ManagementPorts } from './ports.ts';
import { Router } from './router.ts';
import { addTreeRoutes } from './tree-routes.ts';
import { addWebhookRoutes } from './webhook-routes.ts';

export type { ManagementPorts } from './ports.ts';

const ADMIN_PASSWORD_ADVICE =
  'the admin account has no password yet; set one with: npm run admin -- set-password';

export function createManagementHandler(ports: ManagementPorts) {
  const router = new Router();
  addAdminRoutes(router, ports);
  addTreeRoutes(router, ports);
  addCallRoutes(router, ports);
  addWebhookRoutes(router, ports);
  // Built on first request, not at cold start: few calls ask for it.
  let openApiDocument: string | undefined;

  async function authenticated(event: APIGatewayProxyEventV2, nowMs: number) {
    const sourceIp = event.requestContext.http.sourceIp;
    const { management: store, passwords } = ports;
    const auth = await authenticate(event.headers.authorization, sourceIp, { store, passwords, nowMs });
    if (auth.ok) return auth.principal;
    if (auth.reason === 'too_many_failures') {
      throw new HttpError(
        429,
        'too_many_failed_logins',
        'too many failed logins from this address; wait',
        undefined,
        {
          'retry-after': String(auth.retryAfterSeconds),
        },
      );
    }
    const message =
      auth.reason === 'no_admin_password'
        ? ADMIN_PASSWORD_ADVICE
        : 'give the admin credentials (HTTP Basic) or an API key (Bearer)';
    throw new HttpError(401, 'unauthorized', message, undefined, {
      'www-authenticate': 'Basic realm="CallNow", charset="UTF-8"',
    });
  }

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpErrors())
    .use(edgeRequests(ports.edge ?? {}))
    .handler(async (event) => {
      const path = event.pathParameters?.proxy ?? '';
      const method = event.requestContext.http.method.toUpperCase();
      if (path === 'openapi.json' && method === 'GET') {
        openApiDocument ??= JSON.stringify(buildOpenApiDocument());
        return jsonTextResponse(200, openApiDocument);
      }
      const { handle, params } = router.match(method, path);
      const nowMs = ports.clock.now().getTime();
      const principal = await authenticated(event, nowMs);
      const limit = await checkRequestLimits(
        ports.management,
        principal,
        event.requestContext.http.sourceIp,
        nowMs,
      );
      if (!limit.allowed) {
        throw new HttpError(429, 'too_many_requests', 'too many requests; slow down', undefined, {
          'retry-after': String(limit.retryAfterSeconds),
        });
      }
      return handle({ event, principal, params });
    });
}
