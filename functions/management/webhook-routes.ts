// A client's webhooks under /api/v1/clients/{id}/webhooks: make one (its secret is in this answer only), list,
// delete, read its delivery log, send it a test event.
import {
  createWebhook,
  deleteWebhook,
  listClientWebhooks,
  sendTestEvent,
  WebhookCreateSchema,
  type WebhookPorts,
  webhookDeliveries,
} from '../domain/webhooks.ts';
import { jsonResponse } from '../http/responses.ts';
import type { ManagementPorts } from './ports.ts';
import { created, jsonBody, noContent, ok } from './replies.ts';
import type { Router } from './router.ts';

export function addWebhookRoutes(router: Router, ports: ManagementPorts): void {
  const { webhooks } = ports;
  if (!webhooks) return;
  const webhookPorts: WebhookPorts = {
    management: ports.management,
    webhooks: webhooks.store,
    deliveries: webhooks.deliveries,
    ids: ports.ids,
    allowHttp: webhooks.allowHttp,
    ...(webhooks.resolveHost ? { resolveHost: webhooks.resolveHost } : {}),
  };
  router
    .add('GET', 'clients/{id}/webhooks', async ({ principal, params: [clientId = ''] }) =>
      ok({ items: await listClientWebhooks(webhookPorts, principal, clientId) }),
    )
    .add('POST', 'clients/{id}/webhooks', async ({ event, principal, params: [clientId = ''] }) => {
      const input = jsonBody(event, WebhookCreateSchema);
      return created(await createWebhook(webhookPorts, principal, clientId, input));
    })
    .add(
      'DELETE',
      'clients/{id}/webhooks/{id}',
      async ({ principal, params: [clientId = '', webhookId = ''] }) => {
        await deleteWebhook(webhookPorts, principal, clientId, webhookId);
        return noContent();
      },
    )
    .add(
      'GET',
      'clients/{id}/webhooks/{id}/deliveries',
      async ({ principal, params: [clientId = '', webhookId = ''] }) =>
        ok({ items: await webhookDeliveries(webhookPorts, principal, clientId, webhookId) }),
    )
    .add(
      'POST',
      'clients/{id}/webhooks/{id}/test',
      async ({ principal, params: [clientId = '', webhookId = ''] }) => {
        const event = await sendTestEvent(webhookPorts, principal, clientId, webhookId);
        return jsonResponse(202, { eventId: event.eventId });
      },
    );
}
