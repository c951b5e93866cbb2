// The console's side of HTTP: its cookies, form bodies, pages under a hash-based CSP, and redirects.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bodyFields } from '../http/request.ts';
import { htmlResponse, seeOther } from '../http/responses.ts';
import { CONSOLE_SCRIPT_CSP, CONSOLE_STYLE_CSP } from './browser-assets.generated.ts';
import { secureCookieName } from './cookies.ts';

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${CONSOLE_SCRIPT_CSP}`,
  `style-src ${CONSOLE_STYLE_CSP}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Over TLS (API Gateway, CloudFront); plain http only on the local stack. */
const isSecure = (event: APIGatewayProxyEventV2) => event.headers['x-forwarded-proto'] === 'https';

const cookieName = (event: APIGatewayProxyEventV2, name: string) =>
  isSecure(event) ? secureCookieName(name) : `callnow-${name}`;

export function readCookie(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = `${cookieName(event, name)}=`;
  for (const cookie of event.cookies ?? []) if (cookie.startsWith(wanted)) return cookie.slice(wanted.length);
  return undefined;
}

/** A cookie only this site's own requests carry, which no script can read; `maxAgeSeconds` 0 ends it. */
export function setCookie(
  event: APIGatewayProxyEventV2,
  name: string,
  value: string,
  maxAgeSeconds: number,
): string {
  const secure = isSecure(event) ? '; Secure' : '';
  return `${cookieName(event, name)}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/** The fields of a form post, each given once. */
export function formOf(event: APIGatewayProxyEventV2): Record<string, string> {
  return bodyFields(event, 'form') as Record<string, string>;
}

export function page(
  statusCode: number,
  html: string,
  cookies: string[] = [],
): APIGatewayProxyStructuredResultV2 {
  const response = htmlResponse(statusCode, html, { 'content-security-policy': CONTENT_SECURITY_POLICY });
  return cookies.length > 0 ? { ...response, cookies } : response;
}

export function redirect(location: string, cookies: string[] = []): APIGatewayProxyStructuredResultV2 {
  const response = seeOther(location);
  return cookies.length > 0 ? { ...response, cookies } : response;
}
