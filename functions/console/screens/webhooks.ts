// A client's webhooks: add one (its secret shown this once), see each one's last deliveries, send it a test event,
// delete it. The same rules as /api/v1/clients/{id}/webhooks.
import { listExtensions } from '../../domain/extensions.ts';
import { loadClient } from '../../domain/owner-tree.ts';
import {
  createWebhook,
  deleteWebhook,
  listClientWebhooks,
  loadWebhook,
  sendTestEvent,
  WebhookCreateSchema,
  type WebhookPorts,
  webhookDeliveries,
} from '../../domain/webhooks.ts';
import type { ConsoleRequest, ConsoleRouter } from '../app.ts';
import { page, redirect } from '../http.ts';
import {
  actionButton,
  csrfField,
  errorSummary,
  type FieldErrors,
  h,
  layout,
  link,
  select,
  shownOnce,
  table,
  textField,
} from '../layout.ts';
import { flashOf } from './flash.ts';
import { checked, submitted } from './forms.ts';

function portsOf(request: ConsoleRequest): WebhookPorts {
  const { webhooks, management, ids } = request.ports;
  if (!webhooks) throw new Error('the console was built without webhooks');
  return {
    management,
    ids,
    webhooks: webhooks.store,
    deliveries: webhooks.deliveries,
    allowHttp: webhooks.allowHttp,
    ...(webhooks.resolveHost ? { resolveHost: webhooks.resolveHost } : {}),
  };
}

async function webhooksPage(
  request: ConsoleRequest,
  {
    errors = {},
    statusCode = 200,
    secret,
  }: { errors?: FieldErrors; statusCode?: number; secret?: string } = {},
) {
  const { viewer } = request;
  const clientId = request.params[0] ?? '';
  const client = await loadClient(request.ports.management, viewer.principal, clientId);
  const base = `/console/clients/${clientId}/webhooks`;
  const { items: extensions } = await listExtensions(
    request.ports.management,
    viewer.principal,
    { clientId },
    { limit: 100 },
  );
  const extensionName = (extensionId: string | undefined) => {
    if (extensionId === undefined) return 'All';
    const extension = extensions.find((candidate) => candidate.extensionId === extensionId);
    return extension ? `${extension.number} ${extension.ownerName}` : extensionId;
  };
  const rows = (await listClientWebhooks(portsOf(request), viewer.principal, clientId)).map((webhook) => [
    link(`${base}/${webhook.webhookId}`, webhook.url),
    h(extensionName(webhook.extensionId)),
    h(webhook.createdAt.slice(0, 10)),
    actionButton(viewer, `${base}/${webhook.webhookId}/test`, 'Send a test event'),
    actionButton(viewer, `${base}/${webhook.webhookId}/delete`, `Delete ${webhook.url}`, 'danger'),
  ]);
  const shown = secret ? shownOnce("The webhook's signing secret", secret) : '';
  const body = `${shown}
<p>Each state of every call to ${h(client.name)}'s extensions (or to one of them) is POSTed as JSON to these addresses, signed in the
<code>CallNow-Signature</code> header (see the README, "Call events and webhooks").</p>
${table('Webhooks', ['Address', 'Calls of', 'Added', 'Test', 'Delete'], rows)}
<h2>Add a webhook</h2>
${errorSummary(errors)}
<form method="post" action="${h(base)}">${csrfField(viewer)}
${textField({ name: 'url', label: 'Address', value: secret ? '' : (request.form.url ?? ''), errors, hint: 'https://, on the public internet.', extra: ' required type="url" maxlength="2048"' })}
${select({
  name: 'extensionId',
  label: 'Calls of',
  value: secret ? '' : (request.form.extensionId ?? ''),
  errors,
  choices: [
    ['', 'All its extensions'],
    ...extensions.map(
      ({ extensionId, number, ownerName }) => [extensionId, `${number} ${ownerName}`] as const,
    ),
  ],
})}
<button type="submit" class="primary">Add</button>
</form>
<p>${link(`/console/clients/${clientId}`, `Back to ${client.name}`)}</p>`;
  return page(statusCode, layout(viewer, `Webhooks of ${client.name}`, body, flashOf(request)));
}

async function deliveriesPage(request: ConsoleRequest) {
  const { viewer } = request;
  const [clientId = '', webhookId = ''] = request.params;
  const ports = portsOf(request);
  const webhook = await loadWebhook(ports, viewer.principal, clientId, webhookId);
  const rows = (await webhookDeliveries(ports, viewer.principal, clientId, webhookId)).map((attempt) => [
    h(attempt.at.replace('T', ' ').slice(0, 19)),
    h(attempt.statusCode === undefined ? '-' : String(attempt.statusCode)),
    h(`${attempt.durationMs} ms`),
    h(attempt.error ?? ''),
    `<code>${h(attempt.eventId)}</code>`,
  ]);
  const body = `<p>${h(webhook.url)}</p>
${table('The last 50 deliveries, newest first', ['When (UTC)', 'Answer', 'Took', 'Problem', 'Event'], rows)}
<p>${actionButton(viewer, `/console/clients/${clientId}/webhooks/${webhookId}/test`, 'Send a test event')}</p>
<p>${link(`/console/clients/${clientId}/webhooks`, 'All webhooks')}</p>`;
  return page(200, layout(viewer, 'Webhook deliveries', body, flashOf(request)));
}

export function addWebhookScreens(router: ConsoleRouter): void {
  router
    .add('GET', '/clients/{id}/webhooks', (request) => webhooksPage(request))
    // The secret is in this answer and nowhere else: no redirect, so it is never in an address or a history entry.
    .add('POST', '/clients/{id}/webhooks', (request) =>
      submitted(
        async () => {
          const extensionId = request.form.extensionId ?? '';
          const input = checked(WebhookCreateSchema, {
            url: request.form.url?.trim() ?? '',
            ...(extensionId === '' ? {} : { extensionId }),
          });
          const made = await createWebhook(
            portsOf(request),
            request.viewer.principal,
            request.params[0] ?? '',
            input,
          );
          return webhooksPage(request, { secret: made.secret, statusCode: 201 });
        },
        (errors, statusCode) => webhooksPage(request, { errors, statusCode }),
      ),
    )
    .add('GET', '/clients/{id}/webhooks/{id}', (request) => deliveriesPage(request))
    .add('POST', '/clients/{id}/webhooks/{id}/test', async (request) => {
      const [clientId = '', webhookId = ''] = request.params;
      await sendTestEvent(portsOf(request), request.viewer.principal, clientId, webhookId);
      return redirect(`/console/clients/${clientId}/webhooks/${webhookId}?saved=test-sent`);
    })
    .add('POST', '/clients/{id}/webhooks/{id}/delete', async (request) => {
      const [clientId = '', webhookId = ''] = request.params;
      await deleteWebhook(portsOf(request), request.viewer.principal, clientId, webhookId);
      return redirect(`/console/clients/${clientId}/webhooks?saved=deleted`);
    });
}
