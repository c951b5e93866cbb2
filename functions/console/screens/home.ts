// The console's first page: for the admin, where the server stands and where to go; everyone else starts at their
// own record (a reseller's, a client's, an owner's extension).
import { getCallApiSettings } from '../../domain/server-settings.ts';
import type { ConsoleRouter } from '../app.ts';
import { page, redirect } from '../http.ts';
import { layout, link } from '../layout.ts';

export function addHomeScreen(router: ConsoleRouter): void {
  router.add('GET', '', async (request) => {
    const { principal } = request.viewer;
    if (principal.kind !== 'admin') {
      const { scope } = principal;
      if (scope.level === 'reseller') return redirect(`/console/resellers/${scope.resellerId}`);
      if (scope.level === 'client') return redirect(`/console/clients/${scope.clientId}`);
      return redirect(`/console/extensions/${scope.extensionId}`);
    }
    const settings = await getCallApiSettings(request.ports.management, principal);
    const callApi = settings.callApiEnabled
      ? '<p>The Call API is <strong>on</strong>.</p>'
      : `<p class="notice" role="note">The Call API is <strong>off</strong>: no CallNow page takes calls until it is turned on in ${link('/console/system', 'System preferences')}.</p>`;
    const body = `${callApi}
<ul class="links">
<li>${link('/console/system', 'System preferences')}: the Call API, its limits, and which numbers pages may call.</li>
<li>${link('/console/resellers', 'Resellers')}: their clients, extensions and logins, and what each may use.</li>
<li>${link('/console/api-keys', 'API keys')}: for programs that use the management API.</li>
</ul>`;
    return page(200, layout(request.viewer, 'CallNow console', body));
  });
}
