// Extensions of a client: the list, adding one, its page with its Phone Terminal Setup and its Permissions and
// Phone Numbers, deleting it. The owner of an extension sees its page, and changes only its CallNow preferences.

import {
  createExtension,
  deleteExtension,
  listExtensions,
  updateExtension,
} from '../../domain/extensions.ts';
import { EXTENSION_TYPES, type Extension } from '../../domain/model.ts';
import { loadClient, loadExtension } from '../../domain/owner-tree.ts';
import { getClientPhoneNumbers } from '../../domain/phone-resources.ts';
import { ExtensionCreateSchema, ExtensionPatchSchema } from '../../management/schemas.ts';
import type { ConsoleRequest, ConsoleRouter } from '../app.ts';
import { page, redirect } from '../http.ts';
import {
  actionButton,
  checkbox,
  csrfField,
  errorSummary,
  type FieldErrors,
  h,
  layout,
  link,
  select,
  textField,
} from '../layout.ts';
import { flashOf } from './flash.ts';
import { checked, isOn, searchPage, submitted } from './forms.ts';
import { listPage } from './lists.ts';
import { loginsSection } from './logins.ts';

const TYPE_NAMES: Readonly<Record<(typeof EXTENSION_TYPES)[number], string>> = {
  phone_terminal: 'Phone terminal',
  queue: 'Queue',
  ivr: 'IVR',
  voicemail: 'Voicemail center',
  conference: 'Conference',
  callback: 'Callback',
  calling_card: 'Calling card',
  intercom: 'Intercom/paging',
  queue_center: 'Queue center',
};

function clientOf(request: ConsoleRequest): string | undefined {
  const { principal } = request.viewer;
  if (request.query('clientId')) return request.query('clientId');
  return principal.kind !== 'admin' && principal.scope.level !== 'reseller'
    ? principal.scope.clientId
    : undefined;
}

/** The fields of the extension form: where it is on the PBX, and what it may do. */
async function extensionFields(
  request: ConsoleRequest,
  clientId: string,
  errors: FieldErrors,
  current?: Extension,
) {
  const numbers = await getClientPhoneNumbers(request.ports.management, request.viewer.principal, clientId);
  const sites = [
    ...new Set([
      ...numbers.extensionRanges.map((range) => range.siteId),
      ...(current ? [current.siteId] : []),
    ]),
  ];
  const ranges = numbers.extensionRanges
    .map(({ siteId, first, last }) => `${siteId} ${first}-${last}`)
    .join(', ');
  const posted = request.event.requestContext.http.method === 'POST';
  const value = (name: string, fallback: string) => (posted ? (request.form[name] ?? '') : fallback);
  const on = (name: string, fallback: boolean) => (posted ? isOn(request.form, name) : fallback);
  const callerIds: Array<[string, string]> = [
    ['', "The site's default"],
    ...numbers.callerIds.map((id): [string, string] => [id, id]),
  ];
  return `${textField({ name: 'number', label: 'Extension number', value: value('number', current?.number ?? ''), errors, hint: `The client's numbers: ${ranges || 'none yet'}.`, extra: ' required inputmode="numeric"' })}
${select({ name: 'siteId', label: 'Site', value: value('siteId', current?.siteId ?? sites[0] ?? ''), choices: sites.map((site) => [site, site]), errors })}
${select({ name: 'type', label: 'Type', value: value('type', current?.type ?? 'phone_terminal'), choices: EXTENSION_TYPES.map((type) => [type, TYPE_NAMES[type]]), errors })}
${textField({ name: 'ownerName', label: "Owner's name", value: value('ownerName', current?.ownerName ?? ''), errors, extra: ' required maxlength="100"' })}
<fieldset><legend>Phone Terminal Setup</legend>
${checkbox({ name: 'callApiAccess', label: 'Call API access', checked: on('callApiAccess', current?.callApiAccess ?? false), errors })}
</fieldset>
<fieldset><legend>Permissions and Phone Numbers</legend>
${checkbox({ name: 'callApiManagement', label: 'Call API Management', checked: on('callApiManagement', current?.callApiManagement ?? false), errors })}
${select({ name: 'visitorCallerId', label: 'Caller ID visitors see', value: value('visitorCallerId', current?.visitorCallerId ?? ''), choices: callerIds, errors })}
</fieldset>`;
}

function inputOf(request: ConsoleRequest) {
  const { form } = request;
  return {
    number: form.number ?? '',
    siteId: form.siteId ?? '',
    type: form.type ?? '',
    ownerName: form.ownerName ?? '',
    callApiManagement: isOn(form, 'callApiManagement'),
    callApiAccess: isOn(form, 'callApiAccess'),
  };
}

async function newExtensionPage(request: ConsoleRequest, errors: FieldErrors, statusCode: number) {
  const clientId = clientOf(request) ?? '';
  const client = await loadClient(request.ports.management, request.viewer.principal, clientId);
  const body = `${errorSummary(errors)}
<form method="post" action="/console/extensions/new?clientId=${h(encodeURIComponent(clientId))}">${csrfField(request.viewer)}
${await extensionFields(request, clientId, errors)}
<button type="submit" class="primary">Add the extension</button>
</form>`;
  return page(statusCode, layout(request.viewer, `Add an extension for ${client.name}`, body));
}

export async function extensionPage(
  request: ConsoleRequest,
  errors: FieldErrors = {},
  statusCode = 200,
  loginErrors: FieldErrors = {},
) {
  const { ports, viewer } = request;
  const extensionId = request.params[0] ?? '';
  const extension = await loadExtension(ports.management, viewer.principal, extensionId);
  const owner = viewer.principal.kind !== 'admin' && viewer.principal.scope.level === 'extension';
  const details = owner
    ? `<dl class="details"><dt>Extension</dt><dd>${h(extension.number)} on site ${h(extension.siteId)}</dd>
<dt>Owner</dt><dd>${h(extension.ownerName)}</dd><dt>Call API access</dt><dd>${extension.callApiAccess ? 'on' : 'off'}</dd></dl>`
    : `${errorSummary(errors)}
<form method="post" action="/console/extensions/${h(extensionId)}">${csrfField(viewer)}
${await extensionFields(request, extension.clientId, errors, extension)}
<button type="submit" class="primary">Save</button>
</form>`;
  const body = `<p class="actions"><a class="button primary" href="/console/extensions/${h(extensionId)}/callnow">CallNow</a>
${link(`/console/extensions/${extensionId}/calls`, 'Calls')}</p>
${details}
${await loginsSection(request, 'extension', extensionId, loginErrors)}
${owner ? '' : `<p>${actionButton(viewer, `/console/extensions/${extensionId}/delete`, `Delete extension ${extension.number}`, 'danger')}</p>`}`;
  return page(statusCode, layout(viewer, `Extension ${extension.number}`, body, flashOf(request)));
}

export function addExtensionScreens(router: ConsoleRouter): void {
  router
    .add('GET', '/extensions', async (request) => {
      const clientId = clientOf(request);
      const principal = request.viewer.principal;
      const found = await searchPage(
        async (page) => {
          const result = await listExtensions(request.ports.management, principal, { clientId }, page);
          return {
            ...result,
            items: result.items.map((item) => ({ ...item, name: `${item.number} ${item.ownerName}` })),
          };
        },
        request.query('q'),
        request.query('cursor'),
      );
      return listPage(request, {
        title: 'Extensions',
        caption: 'Extensions',
        headers: ['Extension', 'Owner', 'Site', 'CallNow'],
        rows: found.items.map((extension) => [
          link(`/console/extensions/${extension.extensionId}`, extension.number),
          h(extension.ownerName),
          h(extension.siteId),
          extension.callNow.allowCalls
            ? link(`/console/extensions/${extension.extensionId}/callnow`, 'on')
            : 'off',
        ]),
        nextCursor: found.nextCursor,
        ...(clientId ? { keep: { clientId } } : {}),
        actions: clientId
          ? `<p>${link(`/console/extensions/new?clientId=${clientId}`, 'Add an extension')}</p>`
          : '',
        ...flashOf(request),
      });
    })
    .add('GET', '/extensions/new', (request) => newExtensionPage(request, {}, 200))
    .add('POST', '/extensions/new', (request) =>
      submitted(
        async () => {
          const visitorCallerId = request.form.visitorCallerId || undefined;
          const input = checked(ExtensionCreateSchema, {
            clientId: clientOf(request) ?? '',
            ...inputOf(request),
            ...(visitorCallerId ? { visitorCallerId } : {}),
          });
          const extension = await createExtension(
            request.ports.management,
            request.viewer.principal,
            input,
            request.ports.ids,
          );
          return redirect(`/console/extensions/${extension.extensionId}?saved=created`);
        },
        (errors, statusCode) => newExtensionPage(request, errors, statusCode),
      ),
    )
    .add('GET', '/extensions/{id}', (request) => extensionPage(request))
    .add('POST', '/extensions/{id}', (request) =>
      submitted(
        async () => {
          const change = checked(ExtensionPatchSchema, {
            ...inputOf(request),
            visitorCallerId: request.form.visitorCallerId || null,
          });
          const { management, clock } = request.ports;
          await updateExtension(
            management,
            request.viewer.principal,
            request.params[0] ?? '',
            change,
            clock.now(),
          );
          return redirect(`/console/extensions/${request.params[0]}?saved=yes`);
        },
        (errors, statusCode) => extensionPage(request, errors, statusCode),
      ),
    )
    .add('POST', '/extensions/{id}/delete', async (request) => {
      const extension = await loadExtension(
        request.ports.management,
        request.viewer.principal,
        request.params[0] ?? '',
      );
      await deleteExtension(request.ports.management, request.viewer.principal, extension.extensionId);
      return redirect(`/console/extensions?clientId=${extension.clientId}&saved=deleted`);
    });
}
