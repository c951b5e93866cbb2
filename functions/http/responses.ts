import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorPayload, type HttpError } from './errors.ts';

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function response(
  statusCode: number,
  contentType: string,
  body: string,
  headers: Record<string, string>,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': contentType, 'cache-control': 'no-store', ...COMMON_HEADERS, ...headers },
    body,
  };
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return jsonTextResponse(statusCode, JSON.stringify(body), headers);
}

/** JSON already serialised, e.g. a document built once per container. */
export function jsonTextResponse(statusCode: number, json: string, headers: Record<string, string> = {}) {
  return response(statusCode, 'application/json; charset=utf-8', json, headers);
}

export function htmlResponse(statusCode: number, body: string, headers: Record<string, string> = {}) {
  return response(statusCode, 'text/html; charset=utf-8', body, headers);
}

export function seeOther(location: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 303, headers: { location, 'cache-control': 'no-store', ...COMMON_HEADERS }, body: '' };
}

/** The API's error body for an HttpError, with its headers and any `extra` fields (a new CAPTCHA, say). */
export function jsonError(error: HttpError, extra: Record<string, unknown> = {}) {
  return jsonResponse(error.statusCode, { ...errorPayload(error), ...extra }, { ...error.headers });
}
