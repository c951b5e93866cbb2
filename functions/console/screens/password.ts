// "My password": a login changes its own password with the current one (the seed's rule). Every session of the
// login ends with the change, this one too, so the next page is the login.
import { changeOwnPassword } from '../../domain/logins.ts';
import { HttpError } from '../../http/errors.ts';
import type { ConsoleRequest, ConsoleRouter } from '../app.ts';
import { page, redirect } from '../http.ts';
import { csrfField, errorSummary, type FieldErrors, h, layout, textField } from '../layout.ts';
import { submitted } from './forms.ts';

function passwordPage(request: ConsoleRequest, errors: FieldErrors = {}, statusCode = 200) {
  const body = `${errorSummary(errors)}
<form method="post" action="/console/password" class="narrow">${csrfField(request.viewer)}
<input type="text" name="username" value="${h(request.viewer.username)}" autocomplete="username" hidden>
${textField({ name: 'current', label: 'Current password', type: 'password', errors, extra: ' autocomplete="current-password" required' })}
${textField({ name: 'new', label: 'New password', type: 'password', errors, hint: '10 characters or more.', extra: ' autocomplete="new-password" required minlength="10"' })}
${textField({ name: 'confirm', label: 'Confirm the new password', type: 'password', errors, extra: ' autocomplete="new-password" required' })}
<button type="submit" class="primary">Change the password</button>
</form>`;
  return page(statusCode, layout(request.viewer, 'My password', body));
}

export function addPasswordScreens(router: ConsoleRouter): void {
  router
    .add('GET', '/password', async (request) => passwordPage(request))
    .add('POST', '/password', (request) =>
      submitted(
        async () => {
          const { form, ports, viewer } = request;
          if (viewer.principal.kind !== 'login')
            throw new HttpError(404, 'not_found', 'the admin password is changed in System preferences');
          if ((form.new ?? '') !== (form.confirm ?? '')) {
            throw new HttpError(400, 'invalid_request', 'the new password and its confirmation differ', {
              confirm: ['the new password and its confirmation differ'],
            });
          }
          await changeOwnPassword(
            ports.management,
            viewer.username,
            { current: form.current ?? '', new: form.new ?? '' },
            ports.passwords,
          );
          return redirect('/console/login?changed=password');
        },
        (errors, statusCode) => passwordPage(request, errors, statusCode),
      ),
    );
}
