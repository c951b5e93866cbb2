// "Permissions and Phone Numbers" of a reseller (set by the admin) and of a client (set by its reseller): the
// Call API Management permission, the extension-number ranges of each site, and the caller IDs handed down.

import { updateClient, updateReseller } from '../../domain/hierarchy.ts';
import { loadClient, loadReseller } from '../../domain/owner-tree.ts';
import type { PhoneNumbers } from '../../domain/phone-resources.ts';
import {
  getClientPhoneNumbers,
  getResellerPhoneNumbers,
  putClientPhoneNumbers,
  putResellerPhoneNumbers,
} from '../../domain/phone-resources.ts';
import { PhoneNumbersSchema } from '../../management/schemas.ts';
import type { ConsoleRequest, ConsoleRouter } from '../app.ts';
import { page, redirect } from '../http.ts';
import { checkbox, csrfField, errorSummary, type FieldErrors, h, layout, link, textArea } from '../layout.ts';
import { flashOf } from './flash.ts';
import { checked, isOn, linesOf, recordsOf, submitted } from './forms.ts';

type Level = 'reseller' | 'client';

const RANGE_LINE = /^([a-z0-9][a-z0-9-]{0,31})\s+(\d{1,10})(?:\s*-\s*(\d{1,10}))?$/;

/** `hq 300-399` per line (or `hq 305` for one number) into the API's ranges. */
const rangesOf = (text: string | undefined) =>
  recordsOf(text, 'extensionRanges', RANGE_LINE, 'hq 300-399', ([, siteId = '', first = '', last]) => ({
    siteId,
    first,
    last: last ?? first,
  }));

const rangesText = (numbers: PhoneNumbers) =>
  numbers.extensionRanges
    .map(({ siteId, first, last }) => `${siteId} ${first === last ? first : `${first}-${last}`}`)
    .join('\n');

interface Holder {
  readonly name: string;
  readonly callApiManagement: boolean;
  readonly back: string;
  readonly numbers: PhoneNumbers;
  /** What is handed down from above: for a client, its reseller's numbers. */
  readonly from?: string;
}

async function holderOf(request: ConsoleRequest, level: Level): Promise<Holder> {
  const { management } = request.ports;
  const { principal } = request.viewer;
  const id = request.params[0] ?? '';
  if (level === 'reseller') {
    const reseller = await loadReseller(management, principal, id);
    const numbers = await getResellerPhoneNumbers(management, principal, id);
    return {
      name: `reseller ${reseller.name}`,
      callApiManagement: reseller.callApiManagement,
      back: `/console/resellers/${id}`,
      numbers,
    };
  }
  const client = await loadClient(management, principal, id);
  const numbers = await getClientPhoneNumbers(management, principal, id);
  const from =
    "Handed down from its reseller: a client gets parts of its reseller's ranges and some of its caller IDs.";
  return {
    name: `client ${client.name}`,
    callApiManagement: client.callApiManagement,
    back: `/console/clients/${id}`,
    numbers,
    from,
  };
}

async function permissionsPage(
  request: ConsoleRequest,
  level: Level,
  errors: FieldErrors = {},
  statusCode = 200,
) {
  const holder = await holderOf(request, level);
  const posted = request.event.requestContext.http.method === 'POST';
  const form = request.form;
  const body = `${errorSummary(errors)}
${holder.from ? `<p class="hint">${h(holder.from)}</p>` : ''}
<form method="post" action="/console/${level}s/${h(request.params[0] ?? '')}/permissions">${csrfField(request.viewer)}
${checkbox({ name: 'callApiManagement', label: 'Call API Management', checked: posted ? isOn(form, 'callApiManagement') : holder.callApiManagement, errors })}
${textArea({ name: 'extensionRanges', label: 'Extension numbers, a range per line', value: posted ? (form.extensionRanges ?? '') : rangesText(holder.numbers), errors, hint: 'A site and a range, e.g. "hq 300-399"; both ends with as many digits.', rows: 5 })}
${textArea({ name: 'callerIds', label: 'Caller IDs (phone numbers visitors may see), one per line', value: posted ? (form.callerIds ?? '') : holder.numbers.callerIds.join('\n'), errors, hint: 'E.164, e.g. +12025550150.', rows: 4 })}
<button type="submit" class="primary">Save</button>
</form>
<p>${link(holder.back, `Back to ${holder.name}`)}</p>`;
  return page(
    statusCode,
    layout(request.viewer, `Permissions and Phone Numbers of ${holder.name}`, body, flashOf(request)),
  );
}

async function savePermissions(request: ConsoleRequest, level: Level) {
  const { management } = request.ports;
  const { principal } = request.viewer;
  const id = request.params[0] ?? '';
  const { form } = request;
  const numbers = checked(PhoneNumbersSchema, {
    extensionRanges: rangesOf(form.extensionRanges),
    callerIds: linesOf(form.callerIds),
  });
  const callApiManagement = isOn(form, 'callApiManagement');
  if (level === 'reseller') {
    await putResellerPhoneNumbers(management, principal, id, numbers);
    const reseller = await loadReseller(management, principal, id);
    if (reseller.callApiManagement !== callApiManagement)
      await updateReseller(management, principal, id, { callApiManagement });
  } else {
    await putClientPhoneNumbers(management, principal, id, numbers);
    const client = await loadClient(management, principal, id);
    if (client.callApiManagement !== callApiManagement)
      await updateClient(management, principal, id, { callApiManagement });
  }
  return redirect(`/console/${level}s/${id}/permissions?saved=yes`);
}

export function addPermissionScreens(router: ConsoleRouter): void {
  for (const level of ['reseller', 'client'] as const) {
    router
      .add('GET', `/${level}s/{id}/permissions`, (request) => permissionsPage(request, level))
      .add('POST', `/${level}s/{id}/permissions`, (request) =>
        submitted(
          () => savePermissions(request, level),
          (errors, statusCode) => permissionsPage(request, level, errors, statusCode),
        ),
      );
  }
}
