// The logins of a reseller, a client or an extension (its owner's), on that record's page, for the level above
// it: make one, set a new password for someone who forgot theirs, delete one.
import { canAdminister, type ScopeLevel } from '../../domain/access.ts';
import { resolveScope } from '../../domain/api-keys.ts';
import { createLogin, deleteLogin, listLogins, nodeOf, resetLoginPassword } from '../../domain/logins.ts';
import type { ConsoleRequest, ConsoleRouter } from '../app.ts';
import { redirect } from '../http.ts';
import {
  actionButton,
  csrfField,
  errorSummary,
  type FieldErrors,
  h,
  table,
  textField,
  type Viewer,
} from '../layout.ts';
import { submitted } from './forms.ts';

const PATHS: Readonly<Record<ScopeLevel, string>> = {
  reseller: 'resellers',
  client: 'clients',
  extension: 'extensions',
};

/** The section, or nothing when the viewer may not manage the record's logins. */
export async function loginsSection(
  request: ConsoleRequest,
  level: ScopeLevel,
  id: string,
  errors: FieldErrors = {},
): Promise<string> {
  const { viewer, ports } = request;
  const scope = await resolveScope(ports.management, level, id);
  if (!canAdminister(viewer.principal, nodeOf(scope))) return '';
  const logins = await listLogins(ports.management, viewer.principal, { level, id }, { limit: 100 });
  const back = `?back=${encodeURIComponent(`/console/${PATHS[level]}/${id}`)}`;
  const rows = logins.items.map((login) => {
    const path = `/console/logins/${encodeURIComponent(login.username)}`;
    return [
      h(login.username),
      h(login.createdAt.slice(0, 10)),
      resetForm(viewer, login.username, `${path}/password${back}`),
      actionButton(viewer, `${path}/delete${back}`, `Delete ${login.username}`, 'danger'),
    ];
  });
  const title = level === 'extension' ? "Owner's login" : 'Logins';
  const canAdd = level !== 'extension' || logins.items.length === 0;
  const add = canAdd
    ? `<form method="post" action="/console/${PATHS[level]}/${h(id)}/logins" class="row">${csrfField(viewer)}
${errorSummary(errors)}
${textField({ name: 'username', label: 'New username', errors, extra: ' autocomplete="off" required' })}
${textField({ name: 'password', label: 'Its password (10 characters or more)', type: 'password', errors, extra: ' autocomplete="new-password" required' })}
<button type="submit">Add the login</button>
</form>`
    : '';
  return `<section aria-labelledby="logins-title"><h2 id="logins-title">${title}</h2>
${table(title, ['Username', 'Made', 'New password', 'Delete'], rows)}
${add}
</section>`;
}

function resetForm(viewer: Viewer, username: string, action: string): string {
  const id = `reset-${username.replace(/[^a-z0-9]/g, '-')}`;
  return `<form method="post" action="${h(action)}" class="inline">${csrfField(viewer)}
<label for="${id}" class="visually-hidden">New password for ${h(username)}</label>
<input id="${id}" name="password" type="password" autocomplete="new-password" required minlength="10">
<button type="submit">Set</button></form>`;
}

export function addLoginScreens(
  router: ConsoleRouter,
  render: (
    request: ConsoleRequest,
    level: ScopeLevel,
    errors: FieldErrors,
    statusCode: number,
  ) => Promise<ReturnType<typeof redirect>>,
): void {
  for (const level of ['reseller', 'client', 'extension'] as const) {
    router.add('POST', `/${PATHS[level]}/{id}/logins`, async (request) => {
      const { ports, viewer, form } = request;
      const id = request.params[0] ?? '';
      return submitted(
        async () => {
          const input = { level, id, username: form.username ?? '', password: form.password ?? '' };
          await createLogin(ports.management, viewer.principal, input, ports.passwords, ports.clock.now());
          return redirect(`/console/${PATHS[level]}/${id}?saved=login`);
        },
        (errors, statusCode) => render(request, level, errors, statusCode),
      );
    });
  }
  router.add('POST', '/logins/{id}/delete', async (request) => {
    await deleteLogin(request.ports.management, request.viewer.principal, request.params[0] ?? '');
    return redirect(backTo(request, 'login-deleted'));
  });
  router.add('POST', '/logins/{id}/password', async (request) => {
    const { ports, viewer, params, form } = request;
    await resetLoginPassword(
      ports.management,
      viewer.principal,
      params[0] ?? '',
      form.password ?? '',
      ports.passwords,
    );
    return redirect(backTo(request, 'password'));
  });
}

/** Back to the console page the button was on (`?back=`), never anywhere else. */
function backTo(request: ConsoleRequest, saved: string): string {
  const back = request.query('back') ?? '';
  return `${/^\/console(\/[A-Za-z0-9/_.@-]*)?$/.test(back) ? back : '/console'}?saved=${saved}`;
}
