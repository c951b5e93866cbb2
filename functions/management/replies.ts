// Reading management requests and writing their answers.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type * as z from '../../contracts/zod.ts';
import { type DestinationPolicy, upgradeDestinationPolicy } from '../domain/destination-policy.ts';
import type { PageRequest } from '../domain/management-ports.ts';
import { HttpError } from '../http/errors.ts';
import { bodyFields, parseInput } from '../http/request.ts';
import { jsonResponse } from '../http/responses.ts';
import { PageQuerySchema } from './schemas.ts';

const DEFAULT_PAGE_SIZE = 25;

export function jsonBody<T>(event: APIGatewayProxyEventV2, schema: z.ZodMiniType<T>): T {
  const contentType = (event.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/json');
  }
  return parseInput(schema, bodyFields(event, 'json'));
}

export function pageOf(event: APIGatewayProxyEventV2) {
  const query = parseInput(PageQuerySchema, event.queryStringParameters ?? {});
  const page: PageRequest = {
    limit: query.limit ? Number(query.limit) : DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
  };
  return { page, query };
}

export const ok = (body: unknown) => jsonResponse(200, body);
export const created = (body: unknown) => jsonResponse(201, body);
export const noContent = (): APIGatewayProxyResultV2 => ({
  statusCode: 204,
  headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
});

type PolicyInput = DestinationPolicy & { readonly allowedCallingCodes?: readonly string[] | undefined };

/**
 * A body whose destination policy may still use the replaced `allowedCallingCodes`: the body with the policy it
 * means, and the notices the answer carries (`notices`), so the caller learns to move to `allowedCountries`.
 */
export function withCurrentPolicy<T extends { readonly destinationPolicy?: PolicyInput | null | undefined }>(
  body: T,
): { body: T & { destinationPolicy?: DestinationPolicy | null | undefined }; notices: string[] } {
  if (!body.destinationPolicy) return { body, notices: [] };
  const { policy, notice } = upgradeDestinationPolicy(body.destinationPolicy);
  return { body: { ...body, destinationPolicy: policy }, notices: notice ? [notice] : [] };
}

export const withNotices = <T extends object>(answer: T, notices: readonly string[]) =>
  notices.length > 0 ? { ...answer, notices } : answer;
