// Resellers (the admin's): the list, adding one, its page, deleting it.
import { createReseller, deleteReseller, listResellers, updateReseller } from '../../domain/hierarchy.ts';
import { loadReseller } from '../../domain/owner-tree.ts';
import { ResellerCreateSchema, ResellerPatchSchema } from '../../management/schemas.ts';
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

function newResellerPage(request: ConsoleRequest, errors: FieldErrors, statusCode: number) {
  const body = `${errorSummary(errors)}
<form method="post" action="/console/resellers/new" class="narrow">${csrfField(request.viewer)}
${textField({ name: 'name', label: 'Name', value: request.form.name ?? '', errors, extra: ' required maxlength="100"' })}
<button type="submit" class="primary">Add the reseller</button>
</form>`;
  return page(statusCode, layout(request.viewer, 'Add a reseller', body));
}

export async function resellerPage(
  request: ConsoleRequest,
  errors: FieldErrors = {},
  statusCode = 200,
  loginErrors: FieldErrors = {},
) {
  const { ports, viewer } = request;
  const resellerId = request.params[0] ?? '';
  const reseller = await loadReseller(ports.management, viewer.principal, resellerId);
  const body = `${errorSummary(errors)}
<form method="post" action="/console/resellers/${h(resellerId)}" class="narrow">${csrfField(viewer)}
${textField({ name: 'name', label: 'Name', value: request.form.name ?? reseller.name, errors, extra: ' required maxlength="100"' })}
<button type="submit" class="primary">Save</button>
</form>
<ul class="links">
<li>${link(`/console/resellers/${resellerId}/permissions`, 'Permissions and Phone Numbers')} (Call API Management ${reseller.callApiManagement ? 'on' : 'off'})</li>
<li>${link(`/console/clients?resellerId=${resellerId}`, 'Clients')}</li>
</ul>
${await loginsSection(request, 'reseller', resellerId, loginErrors)}
${viewer.principal.kind === 'admin' ? `<p>${actionButton(viewer, `/console/resellers/${resellerId}/delete`, `Delete reseller ${reseller.name}`, 'danger')}</p>` : ''}`;
  return page(statusCode, layout(viewer, `Reseller ${reseller.name}`, body, flashOf(request)));
}

export function addResellerScreens(router: ConsoleRouter): void {
  router
    .add('GET', '/resellers', async (request) => {
      const { management } = request.ports;
      const found = await searchPage(
        (page) => listResellers(management, request.viewer.principal, page),
        request.query('q'),
        request.query('cursor'),
      );
      return listPage(request, {
        title: 'Resellers',
        caption: 'Resellers',
        headers: ['Name', 'Call API Management', 'Clients'],
        rows: found.items.map((reseller) => [
          link(`/console/resellers/${reseller.resellerId}`, reseller.name),
          reseller.callApiManagement ? 'on' : 'off',
          link(`/console/clients?resellerId=${reseller.resellerId}`, 'Clients'),
        ]),
        nextCursor: found.nextCursor,
        actions: `<p>${link('/console/resellers/new', 'Add a reseller')}</p>`,
        ...flashOf(request),
      });
    })
    .add('GET', '/resellers/new', async (request) => newResellerPage(request, {}, 200))
    .add('POST', '/resellers/new', async (request) =>
      submitted(
        async () => {
          const input = checked(ResellerCreateSchema, { name: request.form.name ?? '' });
          const reseller = await createReseller(
            request.ports.management,
            request.viewer.principal,
            input,
            request.ports.ids,
          );
          return redirect(`/console/resellers/${reseller.resellerId}/permissions?saved=created`);
        },
        (errors, statusCode) => newResellerPage(request, errors, statusCode),
      ),
    )
    .add('GET', '/resellers/{id}', (request) => resellerPage(request))
    .add('POST', '/resellers/{id}', async (request) =>
      submitted(
        async () => {
          const change = checked(ResellerPatchSchema, { name: request.form.name ?? '' });
          await updateReseller(
            request.ports.management,
            request.viewer.principal,
            request.params[0] ?? '',
            change,
          );
          return redirect(`/console/resellers/${request.params[0]}?saved=yes`);
        },
        (errors, statusCode) => resellerPage(request, errors, statusCode),
      ),
    )
    .add('POST', '/resellers/{id}/delete', async (request) => {
      await deleteReseller(request.ports.management, request.viewer.principal, request.params[0] ?? '');
      return redirect('/console/resellers?saved=deleted');
    });
}
