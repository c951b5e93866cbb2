import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, OPERATIONS, REQUEST_SCHEMAS } from '../../functions/management/openapi.ts';
import { createManagementHandler } from '../../functions/management/routes.ts';
import { apiEvent, lambdaContext, structured } from '../support/api-events.ts';

describe('the OpenAPI description', () => {
  const document = buildOpenApiDocument();

  it('is OpenAPI 3.1 with a request schema for every operation that takes a body', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const operation of OPERATIONS) {
      const entry = document.paths[`/api/v1${operation.path}`]?.[operation.method] as Record<string, unknown>;
      expect(entry, `${operation.method} ${operation.path}`).toBeDefined();
      if (operation.body) expect(document.components.schemas).toHaveProperty(operation.body);
    }
  });

  it('describes request bodies exactly as the API checks them: required fields and no unknown ones', () => {
    const settings = document.components.schemas.CallApiSettings as {
      required: string[];
      additionalProperties: boolean;
    };
    expect(settings.additionalProperties).toBe(false);
    expect(settings.required).toEqual(
      expect.arrayContaining(['callApiEnabled', 'requestLimit', 'subnetLimits']),
    );
    expect(settings.required).not.toContain('password');
    expect(Object.keys(REQUEST_SCHEMAS).sort()).toEqual(
      [...new Set(OPERATIONS.flatMap((operation) => (operation.body ? [operation.body] : [])))].sort(),
    );
  });

  it('lists every route the API serves, and the API serves every route it lists', async () => {
    const store = new Proxy({}, { get: () => async () => undefined });
    const handler = createManagementHandler({
      management: store as never,
      store: store as never,
      queue: { send: async () => {} },
      clock: { now: () => new Date() },
      newRequestId: () => 'r',
      passwords: { hash: async () => '', verify: async () => false },
      ids: { newId: () => 'i', newCallNowId: () => 'c', now: () => new Date() },
      webhooks: { store: store as never, deliveries: { enqueue: async () => {} }, allowHttp: false },
    });
    for (const operation of OPERATIONS) {
      const proxy = operation.path.slice(1).replaceAll('{id}', 'abc');
      const event = apiEvent(`${operation.method.toUpperCase()} /api/v1/{proxy+}`, {
        pathParameters: { proxy },
      });
      const answer = structured(
        await handler(
          {
            ...event,
            requestContext: {
              ...event.requestContext,
              http: { ...event.requestContext.http, method: operation.method.toUpperCase() },
            },
          },
          lambdaContext,
        ),
      );
      // Unauthenticated: a route that exists asks for credentials; one that does not is a 404 or 405.
      expect(answer.statusCode, `${operation.method} ${operation.path}`).toBe(401);
    }
  });

  it('is served with the headers of every other answer: a JSON type, nosniff and no caching', async () => {
    const handler = createManagementHandler({} as never);
    const event = apiEvent('GET /api/v1/{proxy+}', { pathParameters: { proxy: 'openapi.json' } });
    const answer = structured(await handler(event, lambdaContext));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    expect(JSON.parse(answer.body ?? '')).toMatchObject({ openapi: '3.1.0' });
  });
});
