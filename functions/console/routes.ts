// The console's screens, composed: every screen module adds its routes to one router.
import type { ScopeLevel } from '../domain/access.ts';
import { type ConsoleRequest, ConsoleRouter, createConsoleApp } from './app.ts';
import type { FieldErrors } from './layout.ts';
import type { ConsolePorts } from './ports.ts';
import { addApiKeyScreens } from './screens/api-keys.ts';
import { addCallNowScreens } from './screens/callnow.ts';
import { addCallScreens } from './screens/calls.ts';
import { addClientScreens, clientPage } from './screens/clients.ts';
import { addExtensionScreens, extensionPage } from './screens/extensions.ts';
import { addHomeScreen } from './screens/home.ts';
import { addLogout, OPEN_SCREENS } from './screens/login.ts';
import { addLoginScreens } from './screens/logins.ts';
import { addPasswordScreens } from './screens/password.ts';
import { addPermissionScreens } from './screens/permissions.ts';
import { addResellerScreens, resellerPage } from './screens/resellers.ts';
import { addSystemScreens } from './screens/system.ts';
import { addWebhookScreens } from './screens/webhooks.ts';

export type { ConsolePorts } from './ports.ts';

/** A record's page again, with the problems of its login form. */
const RECORD_PAGES = { reseller: resellerPage, client: clientPage, extension: extensionPage } as const;
const recordPage = (request: ConsoleRequest, level: ScopeLevel, errors: FieldErrors, statusCode: number) =>
  RECORD_PAGES[level](request, {}, statusCode, errors);

export function createConsoleHandler(ports: ConsolePorts) {
  const router = new ConsoleRouter();
  addHomeScreen(router);
  addLogout(router);
  addPasswordScreens(router);
  addSystemScreens(router);
  addApiKeyScreens(router);
  addWebhookScreens(router);
  addResellerScreens(router);
  addClientScreens(router);
  addExtensionScreens(router);
  addPermissionScreens(router);
  addCallNowScreens(router);
  addCallScreens(router);
  addLoginScreens(router, recordPage);
  return createConsoleApp(ports, router, OPEN_SCREENS);
}
