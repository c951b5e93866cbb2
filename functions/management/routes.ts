// The management and Call API under /api/v1: authenticate, limit, parse, call a domain function, map the result.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type * as z from '../../contracts/zod.ts';
import type { Principal } from '../domain/access.ts';
import { canSee } from '../domain/access.ts';
import { issueApiKey, listApiKeys, revokeApiKey } from '../domain/api-keys.ts';
import { authenticate } from '../domain/authentication.ts';
import { placeCall, type RequestCallPorts } from '../domain/call-requests.ts';
import { getCallNowPreferences, loadTarget, putCallNowPreferences } from '../domain/callnow-preferences.ts';
import { cancelCallRequest } from '../domain/cancel.ts';
import { DEFAULT_SERVER_SETTINGS } from '../domain/defaults.ts';
import { callApiEligibility } from '../domain/eligibility.ts';
import {
  createClient,
  createExtension,
  createReseller,
  deleteClient,
  deleteExtension,
  deleteReseller,
  type IdSource,
  listClients,
  listExtensions,
  listResellers,
  loadClient,
  loadExtension,
  loadReseller,
  ManagementFilterError,
  updateClient,
  updateExtension,
  updateReseller,
} from '../domain/hierarchy.ts';
import { ManagementError } from '../domain/management-errors.ts';
import {
  ConcurrentChangeError,
  type ManagementStore,
  type PageRequest,
  RecordExistsError,
} from '../domain/management-ports.ts';
import { matchSubnetLimit } from '../domain/rate-limits.ts';
import { getCallApiSettings, type PasswordHasher, putCallApiSettings } from '../domain/server-settings.ts';
import { HttpError } from '../http/errors.ts';
import { httpErrors } from '../http/middleware.ts';
import { bodyFields, parseInput } from '../http/request.ts';
import { jsonResponse } from '../http/responses.ts';
import { log } from '../lib/log.ts';
import { buttonSnippet, widgetSnippet } from '../public/snippets.ts';
import { InvalidCursorError } from '../store/dynamo-management-store.ts';
import { buildOpenApiDocument } from './openapi.ts';
import {
  ApiKeyCreateSchema,
  CallApiSettingsSchema,
  CallCreateSchema,
  CallNowPreferencesSchema,
  ClientCreateSchema,
  ClientPatchSchema,
  ExtensionCreateSchema,
  ExtensionPatchSchema,
  PageQuerySchema,
  ResellerCreateSchema,
  ResellerPatchSchema,
} from './schemas.ts';

export interface ManagementPorts extends RequestCallPorts {
  readonly management: ManagementStore;
  readonly passwords: PasswordHasher;
  readonly ids: IdSource;
}

interface Call {
  readonly event: APIGatewayProxyEventV2;
  readonly principal: Principal;
  readonly params: readonly string[];
}

type RouteHandler = (call: Call) => Promise<APIGatewayProxyResultV2>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handle: RouteHandler;
}

const DEFAULT_PAGE_SIZE = 25;

function jsonBody<T>(event: APIGatewayProxyEventV2, schema: z.ZodMiniType<T>): T {
  const contentType = (event.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/json');
  }
  return parseInput(schema, bodyFields(event, 'json'));
}

function pageOf(event: APIGatewayProxyEventV2) {
  const query = parseInput(PageQuerySchema, event.queryStringParameters ?? {});
  const page: PageRequest = {
    limit: query.limit ? Number(query.limit) : DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
  };
  return { page, query };
}

function publicUrl(event: APIGatewayProxyEventV2, callNowId: string): string {
  const scheme = event.headers['x-forwarded-proto'] ?? 'https';
  return `${scheme}://${event.requestContext.domainName}/callnow/${encodeURIComponent(callNowId)}`;
}

const ok = (body: unknown) => jsonResponse(200, body);
const created = (body: unknown) => jsonResponse(201, body);
const noContent = (): APIGatewayProxyResultV2 => ({
  statusCode: 204,
  headers: { 'cache-control': 'no-store' },
});

export function createManagementHandler(ports: ManagementPorts) {
  const { management: store } = ports;

  async function callNowView(event: APIGatewayProxyEventV2, extensionId: string, principal: Principal) {
    const preferences = await getCallNowPreferences(store, principal, extensionId);
    const url = publicUrl(event, preferences.callNowId);
    return {
      ...preferences,
      publicUrl: url,
      buttonSnippet: buttonSnippet(url),
      widgetSnippet: widgetSnippet(url),
    };
  }

  const routes: Route[] = [];
  const route = (method: string, path: string, handle: RouteHandler) =>
    routes.push({
      method,
      pattern: new RegExp(`^${path.replaceAll('{id}', '([A-Za-z0-9_-]{1,64})')}$`),
      handle,
    });

  route('GET', 'server/call-api', async ({ principal }) => ok(await getCallApiSettings(store, principal)));
  route('PUT', 'server/call-api', async ({ event, principal }) =>
    ok(await putCallApiSettings(store, principal, jsonBody(event, CallApiSettingsSchema), ports.passwords)),
  );

  route('GET', 'resellers', async ({ event, principal }) =>
    ok(await listResellers(store, principal, pageOf(event).page)),
  );
  route('POST', 'resellers', async ({ event, principal }) =>
    created(await createReseller(store, principal, jsonBody(event, ResellerCreateSchema), ports.ids)),
  );
  route('GET', 'resellers/{id}', async ({ principal, params }) =>
    ok(await loadReseller(store, principal, params[0] ?? '')),
  );
  route('PATCH', 'resellers/{id}', async ({ event, principal, params }) =>
    ok(await updateReseller(store, principal, params[0] ?? '', jsonBody(event, ResellerPatchSchema))),
  );
  route('DELETE', 'resellers/{id}', async ({ principal, params }) => {
    await deleteReseller(store, principal, params[0] ?? '');
    return noContent();
  });

  route('GET', 'clients', async ({ event, principal }) => {
    const { page, query } = pageOf(event);
    return ok(await listClients(store, principal, query, page));
  });
  route('POST', 'clients', async ({ event, principal }) =>
    created(await createClient(store, principal, jsonBody(event, ClientCreateSchema), ports.ids)),
  );
  route('GET', 'clients/{id}', async ({ principal, params }) =>
    ok(await loadClient(store, principal, params[0] ?? '')),
  );
  route('PATCH', 'clients/{id}', async ({ event, principal, params }) =>
    ok(await updateClient(store, principal, params[0] ?? '', jsonBody(event, ClientPatchSchema))),
  );
  route('DELETE', 'clients/{id}', async ({ principal, params }) => {
    await deleteClient(store, principal, params[0] ?? '');
    return noContent();
  });

  route('GET', 'extensions', async ({ event, principal }) => {
    const { page, query } = pageOf(event);
    return ok(await listExtensions(store, principal, query, page));
  });
  route('POST', 'extensions', async ({ event, principal }) =>
    created(await createExtension(store, principal, jsonBody(event, ExtensionCreateSchema), ports.ids)),
  );
  route('GET', 'extensions/{id}', async ({ principal, params }) =>
    ok(await loadExtension(store, principal, params[0] ?? '')),
  );
  route('PATCH', 'extensions/{id}', async ({ event, principal, params }) =>
    ok(await updateExtension(store, principal, params[0] ?? '', jsonBody(event, ExtensionPatchSchema))),
  );
  route('DELETE', 'extensions/{id}', async ({ principal, params }) => {
    await deleteExtension(store, principal, params[0] ?? '');
    return noContent();
  });
  route('GET', 'extensions/{id}/callnow', async ({ event, principal, params }) =>
    ok(await callNowView(event, params[0] ?? '', principal)),
  );
  route('PUT', 'extensions/{id}/callnow', async ({ event, principal, params }) => {
    const extensionId = params[0] ?? '';
    await putCallNowPreferences(
      store,
      principal,
      extensionId,
      jsonBody(event, CallNowPreferencesSchema),
      ports.ids,
    );
    return ok(await callNowView(event, extensionId, principal));
  });

  route('GET', 'api-keys', async ({ event, principal }) =>
    ok(await listApiKeys(store, principal, pageOf(event).page)),
  );
  route('POST', 'api-keys', async ({ event, principal }) =>
    created(await issueApiKey(store, principal, jsonBody(event, ApiKeyCreateSchema), ports.ids.now())),
  );
  route('DELETE', 'api-keys/{id}', async ({ principal, params }) => {
    await revokeApiKey(store, principal, params[0] ?? '');
    return noContent();
  });

  route('POST', 'calls', async ({ event, principal }) => {
    const input = jsonBody(event, CallCreateSchema);
    const target = await loadTarget(store, await loadExtension(store, principal, input.extensionId));
    const chain = callApiEligibility(target);
    if (!chain.callable)
      throw new HttpError(409, 'not_callable', `the extension cannot be called: ${chain.reason}`);
    const result = await placeCall(target, input, ports, { nameRequired: false });
    switch (result.kind) {
      case 'invalid_input':
        throw new HttpError(400, 'invalid_request', result.problem.message, {
          [result.problem.field]: [result.problem.message],
        });
      case 'number_not_allowed': {
        log.warn('call to a refused number', { extensionId: input.extensionId, rule: result.rule });
        const message = 'the destination policy does not allow calls to this number';
        throw new HttpError(422, 'number_not_allowed', message, { phoneNumber: [message] });
      }
      case 'pbx_unreachable':
        throw new HttpError(
          503,
          'pbx_unavailable',
          'the phone system cannot take requests right now',
          undefined,
          {
            'retry-after': '60',
          },
        );
      case 'accepted': {
        const { requestId } = result.request;
        return jsonResponse(202, { requestId, statusUrl: `/api/v1/calls/${requestId}` });
      }
    }
  });
  async function visibleCall(principal: Principal, requestId: string) {
    const request = await ports.store.getCallRequest(requestId);
    const extension = request ? await store.getExtension(request.extensionId) : undefined;
    const node = extension && {
      resellerId: extension.resellerId,
      clientId: extension.clientId,
      extensionId: extension.extensionId,
    };
    if (!request || !node || !canSee(principal, node))
      throw new HttpError(404, 'not_found', 'call request not found');
    return request;
  }
  const CALL_ID = '([A-Za-z0-9_.*#-]{1,64})';
  route('GET', `calls/${CALL_ID}`, async ({ principal, params }) => {
    const { requestId, status, reason, extensionId, createdAt, statusTimes } = await visibleCall(
      principal,
      params[0] ?? '',
    );
    return ok({ requestId, status, ...(reason ? { reason } : {}), extensionId, createdAt, statusTimes });
  });
  route('DELETE', `calls/${CALL_ID}`, async ({ principal, params }) => {
    const request = await visibleCall(principal, params[0] ?? '');
    if ((await cancelCallRequest(request, ports)) === 'too_late') {
      throw new HttpError(
        409,
        'already_dialled',
        `the call is already ${request.status}; it can no longer be cancelled`,
      );
    }
    return jsonResponse(202, { requestId: request.requestId, cancelling: true });
  });

  async function enforceLimits(principal: Principal, sourceIp: string, nowMs: number): Promise<void> {
    const settings = (await store.getServerSettings()) ?? DEFAULT_SERVER_SETTINGS;
    const user = principal.kind === 'admin' ? `user#${principal.username}` : `key#${principal.keyId}`;
    const checks = [
      {
        subject: user,
        limit: settings.requestLimit.requests,
        windowSeconds: settings.requestLimit.windowSeconds,
      },
    ];
    const subnetRule = matchSubnetLimit(settings.subnetLimits, sourceIp);
    if (subnetRule)
      checks.push({ subject: `address#${sourceIp}`, limit: subnetRule.requestsPerMinute, windowSeconds: 60 });
    for (const check of checks) {
      const outcome = await store.hit(check, nowMs);
      if (!outcome.allowed) {
        throw new HttpError(429, 'too_many_requests', 'too many requests; slow down', undefined, {
          'retry-after': String(outcome.retryAfterSeconds),
        });
      }
    }
  }

  // Built on first request, not at cold start: few calls ask for it.
  let openApiDocument: string | undefined;

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpErrors())
    .handler(async (event) => {
      const path = event.pathParameters?.proxy ?? '';
      const method = event.requestContext.http.method.toUpperCase();
      if (path === 'openapi.json' && method === 'GET') {
        openApiDocument ??= JSON.stringify(buildOpenApiDocument());
        return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: openApiDocument };
      }
      const candidates = routes.filter((candidate) => candidate.pattern.test(path));
      const match = candidates.find((candidate) => candidate.method === method);
      if (!match) {
        if (candidates.length === 0)
          throw new HttpError(404, 'not_found', `no such resource: /api/v1/${path}`);
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

      const nowMs = ports.clock.now().getTime();
      const sourceIp = event.requestContext.http.sourceIp;
      const auth = await authenticate(event.headers.authorization, sourceIp, {
        store,
        passwords: ports.passwords,
        nowMs,
      });
      if (!auth.ok) {
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
            ? 'the admin account has no password yet; set one with: npm run admin -- set-password'
            : 'give the admin credentials (HTTP Basic) or an API key (Bearer)';
        throw new HttpError(401, 'unauthorized', message, undefined, {
          'www-authenticate': 'Basic realm="CallNow", charset="UTF-8"',
        });
      }
      await enforceLimits(auth.principal, sourceIp, nowMs);

      const params = match.pattern.exec(path)?.slice(1) ?? [];
      try {
        return await match.handle({ event, principal: auth.principal, params });
      } catch (error) {
        throw toHttpError(error);
      }
    });
}

function toHttpError(error: unknown): unknown {
  if (error instanceof ManagementError) {
    const status = { not_found: 404, conflict: 409, forbidden: 403, invalid: 400 }[error.kind];
    return new HttpError(
      status,
      error.kind === 'invalid' ? 'invalid_request' : error.kind,
      error.message,
      error.field ? { [error.field]: [error.message] } : undefined,
    );
  }
  if (error instanceof ManagementFilterError) {
    return new HttpError(400, 'invalid_request', error.message, { [error.filter]: [error.message] });
  }
  if (error instanceof InvalidCursorError)
    return new HttpError(400, 'invalid_request', error.message, { cursor: [error.message] });
  if (error instanceof RecordExistsError || error instanceof ConcurrentChangeError)
    return new HttpError(409, 'conflict', error.message);
  return error;
}
