// "System preferences", the "Call API" tab (the admin's): the seed's eight options, then the public page's limits,
// which numbers pages may call, and how long call requests are kept.
import { NUMBER_TYPES } from '../../domain/destination-policy.ts';
import { PREFERRED_AGENTS, type PreferredAgent } from '../../domain/model.ts';
import {
  type CallApiSettingsView,
  getCallApiSettings,
  putCallApiSettings,
} from '../../domain/server-settings.ts';
import { HttpError } from '../../http/errors.ts';
import { CallApiSettingsSchema } from '../../management/schemas.ts';
import type { ConsoleRequest, ConsoleRouter } from '../app.ts';
import { page, redirect } from '../http.ts';
import {
  checkbox,
  csrfField,
  errorSummary,
  type FieldErrors,
  h,
  layout,
  select,
  textArea,
  textField,
} from '../layout.ts';
import { flashOf } from './flash.ts';
import { checked, isOn, linesOf, numberOf, recordsOf, submitted } from './forms.ts';

const AGENT_NAMES: Readonly<Record<PreferredAgent, string>> = {
  none: 'None',
  'isymphony-1.9.0-rev140': 'iSymphony 1.9.0 rev140',
  'isymphony-2.0': 'iSymphony 2.0',
};

const PUBLIC_LIMITS = [
  ['perVisitorAddress', 'From one visitor address (IPv6: one /64)'],
  ['perDestinationNumber', 'To one phone number'],
  ['perCallNowId', 'On one CallNow page'],
] as const;

const NUMBER_TYPE_NAMES: Readonly<Record<(typeof NUMBER_TYPES)[number], string>> = {
  FIXED_LINE: 'Fixed line',
  MOBILE: 'Mobile',
  FIXED_LINE_OR_MOBILE: 'Fixed line or mobile (+1)',
  TOLL_FREE: 'Toll free',
  PREMIUM_RATE: 'Premium rate',
  SHARED_COST: 'Shared cost',
  VOIP: 'VoIP',
  PERSONAL_NUMBER: 'Personal number',
  PAGER: 'Pager',
  UAN: 'Universal access number',
  VOICEMAIL: 'Voicemail access',
};

const SUBNET_LINE = /^(\S+)\s+(\d{1,7})$/;
const COUNTRY_SEPARATORS = /[\s,]+/;

/** The posted tab as the API's input: the API's schema and rules check it. */
function inputOf(form: Readonly<Record<string, string>>) {
  const newPassword = form.passwordNew ?? '';
  if (newPassword !== (form.passwordConfirm ?? '')) {
    throw new HttpError(400, 'invalid_request', 'the new password and its confirmation differ', {
      passwordConfirm: ['the new password and its confirmation differ'],
    });
  }
  const limit = (prefix: string) => ({
    requests: numberOf(form[`${prefix}Requests`]),
    windowSeconds: numberOf(form[`${prefix}WindowSeconds`]),
  });
  return {
    callApiEnabled: isOn(form, 'callApiEnabled'),
    adminUsername: form.adminUsername?.trim() ?? '',
    ...(newPassword ? { password: { current: form.passwordCurrent || undefined, new: newPassword } } : {}),
    requestLimit: limit('requestLimit'),
    preferredAgent: form.preferredAgent ?? '',
    subnetLimits: recordsOf(
      form.subnetLimits,
      'subnetLimits',
      SUBNET_LINE,
      '203.0.113.0/24 60',
      ([, cidr = '', perMinute = '']) => ({
        cidr,
        requestsPerMinute: Number(perMinute),
      }),
    ),
    defaultCountry: form.defaultCountry?.trim().toUpperCase() ?? '',
    publicLimits: Object.fromEntries(
      PUBLIC_LIMITS.map(([name]) => [
        name,
        limit(`publicLimits${name.charAt(0).toUpperCase()}${name.slice(1)}`),
      ]),
    ),
    destinationPolicy: {
      allowedCountries: (form.destinationPolicyAllowedCountries ?? '')
        .toUpperCase()
        .split(COUNTRY_SEPARATORS)
        .filter(Boolean),
      blockedPrefixes: linesOf(form.destinationPolicyBlockedPrefixes),
      allowedPrefixes: linesOf(form.destinationPolicyAllowedPrefixes),
      refusedNumberTypes: NUMBER_TYPES.filter((type) => isOn(form, `refuse-${type}`)),
    },
    callRequestRetentionDays: numberOf(form.callRequestRetentionDays),
  };
}

function limitFields(
  name: string,
  legend: string,
  limit: { requests: number; windowSeconds: number },
  value: (name: string, saved: string) => string,
  errors: FieldErrors,
) {
  return `<fieldset class="row"><legend>${h(legend)}</legend>
${textField({ name: `${name}Requests`, label: 'At most (requests)', type: 'number', value: value(`${name}Requests`, String(limit.requests)), errors, extra: ' min="1" required' })}
${textField({ name: `${name}WindowSeconds`, label: 'In (seconds)', type: 'number', value: value(`${name}WindowSeconds`, String(limit.windowSeconds)), errors, extra: ' min="1" required' })}
</fieldset>`;
}

function callApiTab(request: ConsoleRequest, settings: CallApiSettingsView, errors: FieldErrors): string {
  const posted = request.event.requestContext.http.method === 'POST';
  const form = request.form;
  const value = (name: string, saved: string) => (posted ? (form[name] ?? '') : saved);
  const on = (name: string, saved: boolean) => (posted ? isOn(form, name) : saved);
  const policy = settings.destinationPolicy;
  const refused = NUMBER_TYPES.map((type) =>
    checkbox({
      name: `refuse-${type}`,
      label: NUMBER_TYPE_NAMES[type],
      checked: on(`refuse-${type}`, policy.refusedNumberTypes.includes(type)),
      errors,
    }),
  ).join('\n');
  const publicLimits = PUBLIC_LIMITS.map(([name, legend]) =>
    limitFields(
      `publicLimits${name.charAt(0).toUpperCase()}${name.slice(1)}`,
      legend,
      settings.publicLimits[name],
      value,
      errors,
    ),
  ).join('\n');
  return `<form method="post" action="/console/system">${csrfField(request.viewer)}
<h2>Call API</h2>
${checkbox({ name: 'callApiEnabled', label: 'Enable Call API', checked: on('callApiEnabled', settings.callApiEnabled), errors })}
${textField({ name: 'adminUsername', label: 'Total-access account username', value: value('adminUsername', settings.adminUsername), errors, extra: ' required autocomplete="off"' })}
<fieldset><legend>Total-access account password</legend>
<p class="hint">Leave these empty to keep the password.</p>
${settings.adminPasswordSet ? textField({ name: 'passwordCurrent', label: 'Old password', type: 'password', errors, extra: ' autocomplete="current-password"' }) : ''}
${textField({ name: 'passwordNew', label: 'New password', type: 'password', errors, hint: '12 characters or more.', extra: ' autocomplete="new-password" minlength="12"' })}
${textField({ name: 'passwordConfirm', label: 'Confirm password', type: 'password', errors, extra: ' autocomplete="new-password"' })}
</fieldset>
${limitFields('requestLimit', 'Accept at most this many requests from a user in this many seconds', settings.requestLimit, value, errors)}
${select({ name: 'preferredAgent', label: 'Preferred Call API agent', value: value('preferredAgent', settings.preferredAgent), choices: PREFERRED_AGENTS.map((agent) => [agent, AGENT_NAMES[agent]]), errors })}
${textArea({ name: 'subnetLimits', label: 'Subnet or IP address limits (requests per 60 seconds), one per line', value: value('subnetLimits', settings.subnetLimits.map((rule) => `${rule.cidr} ${rule.requestsPerMinute}`).join('\n')), errors, hint: 'An address or network and a number, e.g. "203.0.113.0/24 60"; the most specific applies.', rows: 4 })}
<h2>Public pages</h2>
${textField({ name: 'defaultCountry', label: 'Default country', value: value('defaultCountry', settings.defaultCountry), errors, hint: 'For numbers typed without a country code: two letters, e.g. US.', extra: ' required maxlength="2"' })}
${publicLimits}
<fieldset><legend>Numbers pages may call</legend>
${textField({ name: 'destinationPolicyAllowedCountries', label: 'Countries', value: value('destinationPolicyAllowedCountries', policy.allowedCountries.join(' ')), errors, hint: 'Two-letter codes, e.g. "US CA GB"; none: the default country only.' })}
${textArea({ name: 'destinationPolicyBlockedPrefixes', label: 'Blocked prefixes, one per line', value: value('destinationPolicyBlockedPrefixes', policy.blockedPrefixes.join('\n')), errors, hint: 'E.g. +1900.', rows: 3 })}
${textArea({ name: 'destinationPolicyAllowedPrefixes', label: 'Prefixes allowed all the same, one per line', value: value('destinationPolicyAllowedPrefixes', policy.allowedPrefixes.join('\n')), errors, rows: 3 })}
<fieldset class="columns" id="destinationPolicyRefusedNumberTypes"><legend>Never call these kinds of number</legend>
${refused}
</fieldset>
</fieldset>
${textField({ name: 'callRequestRetentionDays', label: 'Keep call requests for (days)', type: 'number', value: value('callRequestRetentionDays', String(settings.callRequestRetentionDays)), errors, extra: ' min="1" max="3650" required' })}
<button type="submit" class="primary">Save</button>
</form>`;
}

async function systemPage(request: ConsoleRequest, errors: FieldErrors = {}, statusCode = 200) {
  const settings = await getCallApiSettings(request.ports.management, request.viewer.principal);
  const body = `${errorSummary(errors)}
${callApiTab(request, settings, errors)}`;
  return page(statusCode, layout(request.viewer, 'System preferences', body, flashOf(request)));
}

export function addSystemScreens(router: ConsoleRouter): void {
  router
    .add('GET', '/system', (request) => systemPage(request))
    .add('POST', '/system', (request) =>
      submitted(
        async () => {
          const input = checked(CallApiSettingsSchema, inputOf(request.form));
          await putCallApiSettings(
            request.ports.management,
            request.viewer.principal,
            input,
            request.ports.passwords,
          );
          // A new password or username ends the admin's sessions, this one too.
          const relogin = input.password !== undefined || input.adminUsername !== request.viewer.username;
          return redirect(relogin ? '/console/login?changed=password' : '/console/system?saved=yes');
        },
        (errors, statusCode) => systemPage(request, errors, statusCode),
      ),
    );
}
