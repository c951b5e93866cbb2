// Who may call the public JSON routes from a browser: the page's own site always; another web site only when the
// owner listed its origin for the widget, and only that origin gets CORS headers.
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { HttpError, toHttpError } from './errors.ts';
import { jsonError } from './responses.ts';

/** Where this page is served from, as a browser names it in `Origin`. */
export function ownOrigin(event: APIGatewayProxyEventV2): string {
  return `${event.headers['x-forwarded-proto'] ?? 'https'}://${event.requestContext.domainName}`;
}

/**
 * Only this site and the origins the owner allowed for the widget may change anything. A browser says where a
 * request comes from: `Sec-Fetch-Site` (which no script can set) tells same-origin from cross-site, whatever host
 * the site is served under (behind CloudFront it is not the API's); where it is missing, `Origin` is compared, and
 * a form under our `referrer-policy: no-referrer` says `null` there. With neither it is a program, not a browser
 * another site could steer.
 */
export function isAllowedOrigin(event: APIGatewayProxyEventV2, allowedOrigins: readonly string[]): boolean {
  const site = event.headers['sec-fetch-site'];
  if (site === 'same-origin') return true;
  const origin = event.headers.origin?.toLowerCase();
  if (origin !== undefined && origin !== 'null') {
    return origin === ownOrigin(event).toLowerCase() || allowedOrigins.includes(origin);
  }
  return site === undefined || site === 'none';
}

export function requireAllowedOrigin(event: APIGatewayProxyEventV2, allowedOrigins: readonly string[]): void {
  if (!isAllowedOrigin(event, allowedOrigins)) {
    throw new HttpError(
      403,
      'origin_not_allowed',
      'requests from this web site are not accepted by this page',
    );
  }
}

/** Origins the owner listed get the CORS headers; any other origin gets none, and the browser keeps the answer. */
export function corsHeaders(
  event: APIGatewayProxyEventV2,
  allowedOrigins: readonly string[],
): Record<string, string> {
  const origin = event.headers.origin;
  if (!origin) return {};
  return allowedOrigins.includes(origin.toLowerCase())
    ? { 'access-control-allow-origin': origin, vary: 'Origin' }
    : { vary: 'Origin' };
}

/** The answer to a widget's preflight: 204 with the methods it may use, or 403 without any CORS header. */
export function preflight(
  event: APIGatewayProxyEventV2,
  allowedOrigins: readonly string[],
): APIGatewayProxyStructuredResultV2 {
  const cors = corsHeaders(event, allowedOrigins);
  const allowed = 'access-control-allow-origin' in cors;
  const methods = {
    'access-control-allow-methods': 'GET, POST, DELETE',
    'access-control-allow-headers': 'content-type',
    'access-control-max-age': '600',
  };
  return {
    statusCode: allowed ? 204 : 403,
    headers: { 'cache-control': 'no-store', ...cors, ...(allowed ? methods : {}) },
    body: '',
  };
}

/** A JSON route a widget calls from another origin: its answers, errors included, carry the CORS headers. */
export async function withCors(
  event: APIGatewayProxyEventV2,
  allowedOrigins: () => Promise<readonly string[]>,
  answer: () => Promise<APIGatewayProxyResultV2>,
): Promise<APIGatewayProxyResultV2> {
  let response: APIGatewayProxyResultV2;
  try {
    response = await answer();
  } catch (error) {
    const known = toHttpError(error);
    if (!known) throw error;
    response = jsonError(known);
  }
  if (typeof response === 'string') return response;
  return { ...response, headers: { ...response.headers, ...corsHeaders(event, await allowedOrigins()) } };
}
