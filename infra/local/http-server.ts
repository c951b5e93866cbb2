// Serves Lambda handlers over HTTP the way API Gateway's HTTP API (payload format 2.0) calls them.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

export interface Route {
  /** An HTTP API route key, e.g. `GET /callnow/{callNowId}`. */
  readonly routeKey: string;
  readonly handler: HttpHandler;
}

interface CompiledRoute extends Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
}

/** API Gateway's own limit on a request body. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript))/;

function compile(route: Route): CompiledRoute {
  const [routeMethod = '', path = ''] = route.routeKey.split(' ');
  const method = routeMethod === 'ANY' ? '*' : routeMethod;
  const parameterNames: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const [, name, greedy] = /^\{(\w+)(\+?)\}$/.exec(segment) ?? [];
      if (!name) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      parameterNames.push(name);
      return greedy ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { ...route, method, pattern: new RegExp(`^${source}$`), parameterNames };
}

function lambdaContext(routeKey: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `local ${routeKey}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:local',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

class MalformedPathError extends Error {}

function decodePathParameter(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new MalformedPathError(encoded);
  }
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  route: CompiledRoute,
  match: RegExpExecArray,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie')
      headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-forwarded-proto'] = 'http';
  const pathParameters = Object.fromEntries(
    route.parameterNames.map((name, index) => [name, decodePathParameter(match[index + 1] ?? '')]),
  );
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
  const cookies = request.headers.cookie?.split(';').map((cookie) => cookie.trim());
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString(isText ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function send(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(result);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body =
    result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode ?? 200, headers).end(body);
}

function sendJson(response: ServerResponse, statusCode: number, message: string): void {
  response.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
}

export interface LocalHttpServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startLocalHttpServer(routes: readonly Route[], port = 0): Promise<LocalHttpServer> {
  const compiled = routes.map(compile);
  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://local');
      let match: RegExpExecArray | null = null;
      const route = compiled.find((candidate) => {
        const methodMatches = candidate.method === '*' || candidate.method === request.method;
        match = methodMatches ? candidate.pattern.exec(url.pathname) : null;
        return match !== null;
      });
      if (!route || !match) return sendJson(response, 404, 'Not Found');
      const body = await readBody(request);
      if (!body) return sendJson(response, 413, 'Request Entity Too Large');
      const event = toEvent(request, url, route, match, body);
      send(response, await route.handler(event, lambdaContext(route.routeKey)));
    } catch (error) {
      // As API Gateway does, a path that is not valid percent-encoding never reaches a function.
      if (error instanceof MalformedPathError) return sendJson(response, 400, 'Bad Request');
      console.error(
        JSON.stringify({ level: 'error', msg: 'local HTTP server: handler threw', error: String(error) }),
      );
      if (!response.headersSent) sendJson(response, 500, 'Internal Server Error');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
