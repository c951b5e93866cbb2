// Clients of a reseller: the list, adding one, its page, deleting it.
import { createClient, deleteClient, listClients, updateClient } from '../../domain/hierarchy.ts';
import { loadClient } from '../../domain/owner-tree.ts';
import { ClientCreateSchema, ClientPatchSchema } from '../../management/schemas.ts';
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
  textField,
} from '../layout.ts';
import { flashOf } from './flash.ts';
import { checked, searchPage, submitted } from './forms.ts';
import { listPage } from './lists.ts';
import { loginsSection } from './logins.ts';

/** The reseller whose clients are meant: the one asked for, or the viewer's own. */
function resellerOf(request: ConsoleRequest): string | undefined {
  const { principal } = request.viewer;
  return request.query('resellerId') ?? (principal.kind === 'admin' ? undefined : principal.scope.resellerId);
}

function newClientPage(request: ConsoleRequest, errors: FieldErrors, statusCode: number) {
  const resellerId = resellerOf(request) ?? '';
  const body = `${errorSummary(errors)}
<form method="post" action="/console/clients/new?resellerId=${h(encodeURIComponent(resellerId))}" class="narrow">${csrfField(request.viewer)}
${textField({ name: 'name', label: 'Name', value: request.form.name ?? '', errors, extra: ' required maxlength="100"' })}
<button type="submit" class="primary">Add the client</button>
</form>`;
  return page(statusCode, layout(request.viewer, 'Add a client', body));
}

export async function clientPage(
  request: ConsoleRequest,
  errors: FieldErrors = {},
  statusCode = 200,
  loginErrors: FieldErrors = {},
) {
  const { ports, viewer } = request;
  const clientId = request.params[0] ?? '';
  const client = await loadClient(ports.management, viewer.principal, clientId);
  const mayDelete = viewer.principal.kind === 'admin' || viewer.principal.scope.level === 'reseller';
  const body = `${errorSummary(errors)}
<form method="post" action="/console/clients/${h(clientId)}" class="narrow">${csrfField(viewer)}
${textField({ name: 'name', label: 'Name', value: request.form.name ?? client.name, errors, extra: ' required maxlength="100"' })}
<button type="submit" class="primary">Save</button>
</form>
<ul class="links">
<li>${link(`/console/clients/${clientId}/permissions`, 'Permissions and Phone Numbers')} (Call API Management ${client.callApiManagement ? 'on' : 'off'})</li>
<li>${link(`/console/extensions?clientId=${clientId}`, 'Extensions')}</li>
<li>${link(`/console/clients/${clientId}/calls`, 'Calls')}</li>
${request.ports.webhooks ? `<li>${link(`/console/clients/${clientId}/webhooks`, 'Webhooks')}</li>` : ''}
</ul>
${await loginsSection(request, 'client', clientId, loginErrors)}
${mayDelete ? `<p>${actionButton(viewer, `/console/clients/${clientId}/delete`, `Delete client ${client.name}`, 'danger')}</p>` : ''}`;
  return page(statusCode, layout(viewer, `Client ${client.name}`, body, flashOf(request)));
}

export function addClientScreens(router: ConsoleRouter): void {
  router
    .add('GET', '/clients', async (request) => {
      const resellerId = resellerOf(request);
      const found = await searchPage(
        (page) => listClients(request.ports.management, request.viewer.principal, { resellerId }, page),
        request.query('q'),
        request.query('cursor'),
      );
      return listPage(request, {
        title: 'Clients',
        caption: 'Clients',
        headers: ['Name', 'Call API Management', 'Extensions'],
        rows: found.items.map((client) => [
          link(`/console/clients/${client.clientId}`, client.name),
          client.callApiManagement ? 'on' : 'off',
          link(`/console/extensions?clientId=${client.clientId}`, 'Extensions'),
        ]),
        nextCursor: found.nextCursor,
        ...(resellerId ? { keep: { resellerId } } : {}),
        actions: `<p>${link(`/console/clients/new?resellerId=${resellerId ?? ''}`, 'Add a client')}</p>`,
        ...flashOf(request),
      });
    })
    .add('GET', '/clients/new', async (request) => newClientPage(request, {}, 200))
    .add('POST', '/clients/new', async (request) =>
      submitted(
        async () => {
          const input = checked(ClientCreateSchema, {
            resellerId: resellerOf(request) ?? '',
            name: request.form.name ?? '',
          });
          const client = await createClient(
            request.ports.management,
            request.viewer.principal,
            input,
            request.ports.ids,
          );
          return redirect(`/console/clients/${client.clientId}/permissions?saved=created`);
        },
        (errors, statusCode) => newClientPage(request, errors, statusCode),
      ),
    )
    .add('GET', '/clients/{id}', (request) => clientPage(request))
    .add('POST', '/clients/{id}', async (request) =>
      submitted(
        async () => {
          const change = checked(ClientPatchSchema, { name: request.form.name ?? '' });
          await updateClient(
            request.ports.management,
            request.viewer.principal,
            request.params[0] ?? '',
            change,
          );
          return redirect(`/console/clients/${request.params[0]}?saved=yes`);
        },
        (errors, statusCode) => clientPage(request, errors, statusCode),
      ),
    )
    .add('POST', '/clients/{id}/delete', async (request) => {
      const client = await loadClient(
        request.ports.management,
        request.viewer.principal,
        request.params[0] ?? '',
      );
      await deleteClient(request.ports.management, request.viewer.principal, client.clientId);
      return redirect(`/console/clients?resellerId=${client.resellerId}&saved=deleted`);
    });
}
