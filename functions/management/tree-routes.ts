// The owner tree under /api/v1: resellers, clients and extensions, their "Permissions and Phone Numbers", the
// sites, and each extension's CallNow preferences.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../domain/access.ts';
import { getCallNowPreferences, putCallNowPreferences } from '../domain/callnow-preferences.ts';
import { createExtension, deleteExtension, listExtensions, updateExtension } from '../domain/extensions.ts';
import {
  createClient,
  createReseller,
  deleteClient,
  deleteReseller,
  listClients,
  listResellers,
  updateClient,
  updateReseller,
} from '../domain/hierarchy.ts';
import { loadClient, loadExtension, loadReseller } from '../domain/owner-tree.ts';
import {
  getClientPhoneNumbers,
  getResellerPhoneNumbers,
  listSites,
  putClientPhoneNumbers,
  putResellerPhoneNumbers,
} from '../domain/phone-resources.ts';
import { buttonSnippet, publicUrlOf, widgetSnippet } from '../public/snippets.ts';
import type { ManagementPorts } from './ports.ts';
import { created, jsonBody, noContent, ok, pageOf, withCurrentPolicy, withNotices } from './replies.ts';
import type { Router } from './router.ts';
import {
  CallNowPreferencesSchema,
  ClientCreateSchema,
  ClientPatchSchema,
  ExtensionCreateSchema,
  ExtensionPatchSchema,
  PhoneNumbersSchema,
  ResellerCreateSchema,
  ResellerPatchSchema,
} from './schemas.ts';

export function addTreeRoutes(router: Router, { management: store, ids }: ManagementPorts): void {
  async function callNowView(event: APIGatewayProxyEventV2, extensionId: string, principal: Principal) {
    const preferences = await getCallNowPreferences(store, principal, extensionId);
    const url = publicUrlOf(event, preferences.callNowId);
    return {
      ...preferences,
      publicUrl: url,
      buttonSnippet: buttonSnippet(url),
      widgetSnippet: widgetSnippet(url),
    };
  }
  const id = (params: readonly string[]) => params[0] ?? '';

  router
    .add('GET', 'sites', async ({ principal }) => ok(await listSites(store, principal)))
    .add('GET', 'resellers', async ({ event, principal }) =>
      ok(await listResellers(store, principal, pageOf(event).page)),
    )
    .add('POST', 'resellers', async ({ event, principal }) =>
      created(await createReseller(store, principal, jsonBody(event, ResellerCreateSchema), ids)),
    )
    .add('GET', 'resellers/{id}', async ({ principal, params }) =>
      ok(await loadReseller(store, principal, id(params))),
    )
    .add('PATCH', 'resellers/{id}', async ({ event, principal, params }) =>
      ok(await updateReseller(store, principal, id(params), jsonBody(event, ResellerPatchSchema))),
    )
    .add('DELETE', 'resellers/{id}', async ({ principal, params }) => {
      await deleteReseller(store, principal, id(params));
      return noContent();
    })
    .add('GET', 'resellers/{id}/phone-numbers', async ({ principal, params }) =>
      ok(await getResellerPhoneNumbers(store, principal, id(params))),
    )
    .add('PUT', 'resellers/{id}/phone-numbers', async ({ event, principal, params }) =>
      ok(await putResellerPhoneNumbers(store, principal, id(params), jsonBody(event, PhoneNumbersSchema))),
    );

  router
    .add('GET', 'clients', async ({ event, principal }) => {
      const { page, query } = pageOf(event);
      return ok(await listClients(store, principal, query, page));
    })
    .add('POST', 'clients', async ({ event, principal }) =>
      created(await createClient(store, principal, jsonBody(event, ClientCreateSchema), ids)),
    )
    .add('GET', 'clients/{id}', async ({ principal, params }) =>
      ok(await loadClient(store, principal, id(params))),
    )
    .add('PATCH', 'clients/{id}', async ({ event, principal, params }) => {
      const { body, notices } = withCurrentPolicy(jsonBody(event, ClientPatchSchema));
      return ok(withNotices(await updateClient(store, principal, id(params), body), notices));
    })
    .add('DELETE', 'clients/{id}', async ({ principal, params }) => {
      await deleteClient(store, principal, id(params));
      return noContent();
    })
    .add('GET', 'clients/{id}/phone-numbers', async ({ principal, params }) =>
      ok(await getClientPhoneNumbers(store, principal, id(params))),
    )
    .add('PUT', 'clients/{id}/phone-numbers', async ({ event, principal, params }) =>
      ok(await putClientPhoneNumbers(store, principal, id(params), jsonBody(event, PhoneNumbersSchema))),
    );

  router
    .add('GET', 'extensions', async ({ event, principal }) => {
      const { page, query } = pageOf(event);
      return ok(await listExtensions(store, principal, query, page));
    })
    .add('POST', 'extensions', async ({ event, principal }) =>
      created(await createExtension(store, principal, jsonBody(event, ExtensionCreateSchema), ids)),
    )
    .add('GET', 'extensions/{id}', async ({ principal, params }) =>
      ok(await loadExtension(store, principal, id(params))),
    )
    .add('PATCH', 'extensions/{id}', async ({ event, principal, params }) => {
      const { body, notices } = withCurrentPolicy(jsonBody(event, ExtensionPatchSchema));
      return ok(withNotices(await updateExtension(store, principal, id(params), body, ids.now()), notices));
    })
    .add('DELETE', 'extensions/{id}', async ({ principal, params }) => {
      await deleteExtension(store, principal, id(params));
      return noContent();
    })
    .add('GET', 'extensions/{id}/callnow', async ({ event, principal, params }) =>
      ok(await callNowView(event, id(params), principal)),
    )
    .add('PUT', 'extensions/{id}/callnow', async ({ event, principal, params }) => {
      const preferences = jsonBody(event, CallNowPreferencesSchema);
      await putCallNowPreferences(store, principal, id(params), preferences, ids);
      return ok(await callNowView(event, id(params), principal));
    });
}
