// The admin's routes under /api/v1: the Call API tab and the API keys.
import { issueApiKey, listApiKeys, revokeApiKey } from '../domain/api-keys.ts';
import { getCallApiSettings, putCallApiSettings } from '../domain/server-settings.ts';
import type { ManagementPorts } from './ports.ts';
import { created, jsonBody, noContent, ok, pageOf, withCurrentPolicy, withNotices } from './replies.ts';
import type { Router } from './router.ts';
import { ApiKeyCreateSchema, CallApiSettingsSchema } from './schemas.ts';

export function addAdminRoutes(router: Router, { management: store, passwords, ids }: ManagementPorts): void {
  router
    .add('GET', 'server/call-api', async ({ principal }) => ok(await getCallApiSettings(store, principal)))
    .add('PUT', 'server/call-api', async ({ event, principal }) => {
      const { body, notices } = withCurrentPolicy(jsonBody(event, CallApiSettingsSchema));
      return ok(withNotices(await putCallApiSettings(store, principal, body, passwords), notices));
    })
    .add('GET', 'api-keys', async ({ event, principal }) =>
      ok(await listApiKeys(store, principal, pageOf(event).page)),
    )
    .add('POST', 'api-keys', async ({ event, principal }) =>
      created(await issueApiKey(store, principal, jsonBody(event, ApiKeyCreateSchema), ids.now())),
    )
    .add('DELETE', 'api-keys/{id}', async ({ principal, params }) => {
      await revokeApiKey(store, principal, params[0] ?? '');
      return noContent();
    });
}
