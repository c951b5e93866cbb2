// API keys, for programs (the admin's): issued for a reseller, a client or an extension, shown once, revoked.
import { issueApiKey, listApiKeys, revokeApiKey } from '../../domain/api-keys.ts';
import { HttpError, toHttpError } from '../../http/errors.ts';
import { ApiKeyCreateSchema } from '../../management/schemas.ts';
import type { ConsoleRequest, ConsoleRouter } from '../app.ts';
import { page, redirect } from '../http.ts';
import {
  actionButton,
  csrfField,
  errorSummary,
  type FieldErrors,
  h,
  layout,
  select,
  shownOnce,
  table,
  textField,
} from '../layout.ts';
import { flashOf } from './flash.ts';
import { checked, submitted } from './forms.ts';

const LEVELS: ReadonlyArray<readonly [string, string]> = [
  ['reseller', 'Reseller'],
  ['client', 'Client'],
  ['extension', 'Extension'],
];

async function apiKeysPage(
  request: ConsoleRequest,
  {
    errors = {},
    statusCode = 200,
    issued,
  }: { errors?: FieldErrors; statusCode?: number; issued?: string } = {},
) {
  const { management } = request.ports;
  const { viewer } = request;
  const keys = await listApiKeys(management, viewer.principal, {
    limit: 100,
    cursor: request.query('cursor'),
  });
  const rows = keys.items.map((key) => [
    h(key.label || '(no label)'),
    `${h(key.scope.level)} <code>${h(key.scope.level === 'reseller' ? key.scope.resellerId : key.scope.level === 'client' ? key.scope.clientId : key.scope.extensionId)}</code>`,
    h(key.createdAt.slice(0, 10)),
    actionButton(
      viewer,
      `/console/api-keys/${key.keyId}/revoke`,
      `Revoke ${key.label || key.keyId}`,
      'danger',
    ),
  ]);
  const shown = issued ? shownOnce('The new key', issued) : '';
  const posted = request.event.requestContext.http.method === 'POST' && !issued;
  const value = (name: string) => (posted ? (request.form[name] ?? '') : '');
  const body = `${shown}
${table('API keys', ['Label', 'For', 'Issued', 'Revoke'], rows)}
${keys.nextCursor ? `<p><a href="?cursor=${h(encodeURIComponent(keys.nextCursor))}">Next page</a></p>` : ''}
<h2>Issue a key</h2>
${errorSummary(errors)}
<form method="post" action="/console/api-keys">${csrfField(viewer)}
${select({ name: 'scopeLevel', label: 'For a', value: value('scopeLevel') || 'client', choices: LEVELS, errors })}
${textField({ name: 'scopeId', label: 'Its id', value: value('scopeId'), errors, hint: 'The id in its console address, e.g. /console/clients/<id>.', extra: ' required' })}
${textField({ name: 'label', label: 'Label', value: value('label'), errors, hint: 'Which program uses it.', extra: ' maxlength="100"' })}
<button type="submit" class="primary">Issue the key</button>
</form>`;
  return page(statusCode, layout(viewer, 'API keys', body, flashOf(request)));
}

export function addApiKeyScreens(router: ConsoleRouter): void {
  router
    .add('GET', '/api-keys', (request) => apiKeysPage(request))
    // The key is in this answer and nowhere else: no redirect, so it is never in an address or a history entry.
    .add('POST', '/api-keys', (request) =>
      submitted(
        async () => {
          const { form } = request;
          const input = checked(ApiKeyCreateSchema, {
            scope: { level: form.scopeLevel ?? '', id: form.scopeId?.trim() ?? '' },
            ...(form.label ? { label: form.label } : {}),
          });
          const key = await issueApiKey(
            request.ports.management,
            request.viewer.principal,
            input,
            request.ports.clock.now(),
          ).catch((error: unknown) => {
            if (toHttpError(error)?.statusCode !== 404) throw error;
            const message = `there is no ${input.scope.level} with this id`;
            throw new HttpError(400, 'invalid_request', message, { scopeId: [message] });
          });
          return apiKeysPage(request, { issued: key.key, statusCode: 201 });
        },
        (errors, statusCode) => apiKeysPage(request, { errors, statusCode }),
      ),
    )
    .add('POST', '/api-keys/{id}/revoke', async (request) => {
      await revokeApiKey(request.ports.management, request.viewer.principal, request.params[0] ?? '');
      return redirect('/console/api-keys?saved=revoked');
    });
}
