// The OpenAPI 3.1 description of /api/v1, built from the same zod schemas that check the requests.
import * as z from '../../contracts/zod.ts';
import { WebhookCreateSchema } from '../domain/webhooks.ts';
import {
  ApiKeyCreateSchema,
  CallApiSettingsSchema,
  CallCreateSchema,
  CallNowPreferencesSchema,
  ClientCreateSchema,
  ClientPatchSchema,
  ExtensionCreateSchema,
  ExtensionPatchSchema,
  PhoneNumbersSchema,
  ResellerCreateSchema,
  ResellerPatchSchema,
} from './schemas.ts';

export const REQUEST_SCHEMAS = {
  CallApiSettings: CallApiSettingsSchema,
  ResellerCreate: ResellerCreateSchema,
  ResellerPatch: ResellerPatchSchema,
  ClientCreate: ClientCreateSchema,
  ClientPatch: ClientPatchSchema,
  ExtensionCreate: ExtensionCreateSchema,
  ExtensionPatch: ExtensionPatchSchema,
  CallNowPreferences: CallNowPreferencesSchema,
  PhoneNumbers: PhoneNumbersSchema,
  ApiKeyCreate: ApiKeyCreateSchema,
  CallCreate: CallCreateSchema,
  WebhookCreate: WebhookCreateSchema,
} as const;

type SchemaName = keyof typeof REQUEST_SCHEMAS;

/** Every operation: method, path, the request body schema if any, and the success status. */
export const OPERATIONS: ReadonlyArray<{
  method: string;
  path: string;
  body?: SchemaName;
  status: number;
  summary: string;
}> = [
  { method: 'get', path: '/server/call-api', status: 200, summary: 'The Call API settings (admin)' },
  {
    method: 'put',
    path: '/server/call-api',
    body: 'CallApiSettings',
    status: 200,
    summary: 'Change the Call API settings (admin)',
  },
  {
    method: 'get',
    path: '/sites',
    status: 200,
    summary:
      "The PBX sites (the stack's `sites` context) and who holds which of their extension numbers (admin)",
  },
  { method: 'get', path: '/resellers', status: 200, summary: 'List resellers' },
  {
    method: 'post',
    path: '/resellers',
    body: 'ResellerCreate',
    status: 201,
    summary: 'Create a reseller (admin)',
  },
  { method: 'get', path: '/resellers/{id}', status: 200, summary: 'A reseller' },
  {
    method: 'patch',
    path: '/resellers/{id}',
    body: 'ResellerPatch',
    status: 200,
    summary: 'Change a reseller',
  },
  { method: 'delete', path: '/resellers/{id}', status: 204, summary: 'Delete a reseller without clients' },
  {
    method: 'get',
    path: '/resellers/{id}/phone-numbers',
    status: 200,
    summary: "The reseller's Permissions and Phone Numbers: its extension-number ranges and caller IDs",
  },
  {
    method: 'put',
    path: '/resellers/{id}/phone-numbers',
    body: 'PhoneNumbers',
    status: 200,
    summary:
      "Give a reseller exactly these ranges and caller IDs (admin); never another reseller's numbers, and never " +
      'taking back what a client or an extension still has',
  },
  { method: 'get', path: '/clients', status: 200, summary: "List a reseller's clients (?resellerId=)" },
  { method: 'post', path: '/clients', body: 'ClientCreate', status: 201, summary: 'Create a client' },
  { method: 'get', path: '/clients/{id}', status: 200, summary: 'A client' },
  { method: 'patch', path: '/clients/{id}', body: 'ClientPatch', status: 200, summary: 'Change a client' },
  { method: 'delete', path: '/clients/{id}', status: 204, summary: 'Delete a client without extensions' },
  {
    method: 'get',
    path: '/clients/{id}/phone-numbers',
    status: 200,
    summary: "The client's Permissions and Phone Numbers: the ranges and caller IDs its reseller handed down",
  },
  {
    method: 'put',
    path: '/clients/{id}/phone-numbers',
    body: 'PhoneNumbers',
    status: 200,
    summary:
      "Hand a client parts of its reseller's ranges and some of its caller IDs (the reseller or the admin); " +
      'extensions showing a caller ID taken away fall back to the site default',
  },
  {
    method: 'get',
    path: '/clients/{id}/webhooks',
    status: 200,
    summary: "The client's webhooks (without their secrets)",
  },
  {
    method: 'post',
    path: '/clients/{id}/webhooks',
    body: 'WebhookCreate',
    status: 201,
    summary:
      'Add a webhook: its call events are POSTed there, signed with the secret this answer alone shows',
  },
  { method: 'delete', path: '/clients/{id}/webhooks/{id}', status: 204, summary: 'Delete a webhook' },
  {
    method: 'get',
    path: '/clients/{id}/webhooks/{id}/deliveries',
    status: 200,
    summary: "The webhook's last 50 delivery attempts, newest first: time, status code, duration",
  },
  {
    method: 'post',
    path: '/clients/{id}/webhooks/{id}/test',
    status: 202,
    summary: 'Send the webhook a test event (marked "test": true)',
  },
  {
    method: 'get',
    path: '/extensions',
    status: 200,
    summary: 'List extensions (?resellerId= or ?clientId=)',
  },
  {
    method: 'post',
    path: '/extensions',
    body: 'ExtensionCreate',
    status: 201,
    summary: "Create an extension: its number inside its client's ranges, unique on its site",
  },
  { method: 'get', path: '/extensions/{id}', status: 200, summary: 'An extension' },
  {
    method: 'patch',
    path: '/extensions/{id}',
    body: 'ExtensionPatch',
    status: 200,
    summary: 'Change an extension',
  },
  { method: 'delete', path: '/extensions/{id}', status: 204, summary: 'Delete an extension' },
  {
    method: 'get',
    path: '/extensions/{id}/callnow',
    status: 200,
    summary: "The extension's CallNow preferences, URL and button",
  },
  {
    method: 'put',
    path: '/extensions/{id}/callnow',
    body: 'CallNowPreferences',
    status: 200,
    summary: 'Change the CallNow preferences',
  },
  { method: 'get', path: '/api-keys', status: 200, summary: 'List API keys (admin)' },
  {
    method: 'post',
    path: '/api-keys',
    body: 'ApiKeyCreate',
    status: 201,
    summary: 'Issue a scoped API key, shown once (admin)',
  },
  { method: 'delete', path: '/api-keys/{id}', status: 204, summary: 'Revoke an API key (admin)' },
  {
    method: 'post',
    path: '/calls',
    body: 'CallCreate',
    status: 202,
    summary: 'Place a call to an extension, then to a number',
  },
  { method: 'get', path: '/calls/{id}', status: 200, summary: "A call request's status" },
  {
    method: 'delete',
    path: '/calls/{id}',
    status: 202,
    summary: 'Cancel a call request not dialled yet; the connector reports failed/rejected if it was in time',
  },
];

const ERROR_RESPONSE = {
  description: 'An error: `{ error: { code, message, fields? } }`',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
};

export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of OPERATIONS) {
    const parameters = operation.path.includes('{id}')
      ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]
      : undefined;
    paths[`/api/v1${operation.path}`] ??= {};
    const entry = paths[`/api/v1${operation.path}`] as Record<string, unknown>;
    entry[operation.method] = {
      summary: operation.summary,
      ...(parameters ? { parameters } : {}),
      ...(operation.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: `#/components/schemas/${operation.body}` } } },
            },
          }
        : {}),
      responses: {
        [String(operation.status)]: { description: 'Success' },
        '400': ERROR_RESPONSE,
        '401': ERROR_RESPONSE,
        '404': ERROR_RESPONSE,
        '409': ERROR_RESPONSE,
        '422': ERROR_RESPONSE,
        '429': ERROR_RESPONSE,
      },
    };
  }
  const schemas: Record<string, unknown> = {
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string' },
            message: { type: 'string' },
            fields: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
    },
  };
  for (const [name, schema] of Object.entries(REQUEST_SCHEMAS)) {
    const { $schema: _, ...jsonSchema } = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: 'input',
    }) as Record<string, unknown>;
    schemas[name] = jsonSchema;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'CallNow management and Call API', version: '1' },
    security: [{ adminBasic: [] }, { apiKey: [] }],
    components: {
      securitySchemes: {
        adminBasic: { type: 'http', scheme: 'basic', description: 'The total-access Call API admin account' },
        apiKey: { type: 'http', scheme: 'bearer', description: 'A scoped API key, cnk_<id>_<secret>' },
      },
      schemas,
    },
    paths,
  };
}
