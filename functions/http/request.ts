// Reading API Gateway (HTTP API, payload 2.0) requests: body size, content type, JSON or form fields.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from '../../contracts/zod.ts';
import { HttpError } from './errors.ts';

export const MAX_BODY_BYTES = 16 * 1024;

export type BodyFormat = 'json' | 'form';

export function bodyFormat(event: APIGatewayProxyEventV2): BodyFormat {
  const contentType = (event.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType === 'application/json') return 'json';
  if (contentType === 'application/x-www-form-urlencoded') return 'form';
  throw new HttpError(
    415,
    'unsupported_media_type',
    'Content-Type must be application/json or application/x-www-form-urlencoded',
  );
}

function bodyText(event: APIGatewayProxyEventV2): string {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new HttpError(413, 'payload_too_large', `the request body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  return bytes.toString('utf8');
}

/** The body's fields as sent, JSON or form, before any schema. */
export function bodyFields(event: APIGatewayProxyEventV2, format: BodyFormat): unknown {
  const text = bodyText(event);
  if (format === 'form') {
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(text)) {
      if (name in fields)
        throw new HttpError(400, 'invalid_request', `the field ${name} is given more than once`);
      fields[name] = value;
    }
    return fields;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}

/** Checks input with a schema; a mismatch is a 400 whose message and `fields` name each bad field. */
export function parseInput<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string[]> = {};
  const problems: string[] = [];
  for (const issue of result.error.issues) {
    const name = issue.path.length > 0 ? issue.path.join('.') : '(body)';
    const message =
      issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
    fields[name] = [...(fields[name] ?? []), message];
    problems.push(`${name}: ${message}`);
  }
  throw new HttpError(400, 'invalid_request', problems.join('; '), fields);
}

/** True when a browser navigates (no-JS path); scripts ask for JSON explicitly. */
export function prefersHtml(event: APIGatewayProxyEventV2): boolean {
  const accept = event.headers.accept ?? '';
  return accept.includes('text/html') && !accept.startsWith('application/json');
}
