// "CallNow Preferences" of an extension: the seed's ten options, the widget's origins and the ring time. OK saves
// and shows what the owner hands out: the URL, the "Call Now" button, the widget, and a QR code of the URL.
import { renderSVG } from 'uqr';
import { loadTarget, putCallNowPreferences } from '../../domain/callnow-preferences.ts';
import { callApiEligibility, describeIneligibility } from '../../domain/eligibility.ts';
import { type CallNowPreferences, WEEKDAYS } from '../../domain/model.ts';
import { loadExtension } from '../../domain/owner-tree.ts';
import { CallNowPreferencesSchema } from '../../management/schemas.ts';
import type { Language } from '../../public/i18n/index.ts';
import { buttonSnippet, publicUrlOf, widgetSnippet } from '../../public/snippets.ts';
import type { ConsoleRequest, ConsoleRouter } from '../app.ts';
import { page, redirect } from '../http.ts';
import {
  checkbox,
  csrfField,
  errorSummary,
  type FieldErrors,
  h,
  layout,
  link,
  select,
  textArea,
  textField,
} from '../layout.ts';
import { checked, isOn, linesOf, numberOf, submitted } from './forms.ts';

/** The eleven languages of the public page, each in its own words. */
const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  it: 'Italiano',
  pt: 'Português',
  nl: 'Nederlands',
  ro: 'Română',
  pl: 'Polski',
  sv: 'Svenska',
  ja: '日本語',
};
const LANGUAGE_CHOICES: ReadonlyArray<readonly [string, string]> = [
  ['visitor', "The visitor's browser language"],
  ...Object.entries(LANGUAGE_NAMES),
];
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
// Read once per container: about 400 names.
let timeZones: ReadonlyArray<readonly [string, string]> | undefined;
const timeZoneChoices = () =>
  (timeZones ??= ['UTC', ...Intl.supportedValuesOf('timeZone')].map((zone) => [zone, zone] as const));

/** The posted form as the API's input: the same schema checks both. */
function inputOf(form: Readonly<Record<string, string>>) {
  const days = WEEKDAYS.filter((day) => isOn(form, `day-${day}`));
  return {
    allowCalls: isOn(form, 'allowCalls'),
    callNowId: form.callNowId?.trim() ?? '',
    availability: isOn(form, 'availabilityOn')
      ? {
          days,
          from: form.availabilityFrom ?? '',
          to: form.availabilityTo ?? '',
          timeZone: form.availabilityTimeZone ?? '',
        }
      : null,
    notWhileOnPhone: isOn(form, 'notWhileOnPhone'),
    confirm: isOn(form, 'confirm'),
    showName: isOn(form, 'showName'),
    askCallerName: isOn(form, 'askCallerName'),
    imageValidation: isOn(form, 'imageValidation'),
    language: form.language ?? '',
    message: (form.message ?? '').replace(/\r\n/g, '\n'),
    ringSeconds: numberOf(form.ringSeconds),
    allowedOrigins: linesOf(form.allowedOrigins),
  };
}

function preferencesForm(request: ConsoleRequest, current: CallNowPreferences, errors: FieldErrors): string {
  const posted = request.event.requestContext.http.method === 'POST';
  const form = request.form;
  const on = (name: string, saved: boolean) => (posted ? isOn(form, name) : saved);
  const value = (name: string, saved: string) => (posted ? (form[name] ?? '') : saved);
  const availability = current.availability;
  const days = WEEKDAYS.map((day, index) =>
    checkbox({
      name: `day-${day}`,
      label: DAY_NAMES[index] ?? day,
      checked: on(`day-${day}`, availability?.days.includes(day) ?? index < 5),
      errors,
    }),
  ).join('\n');
  const field = (name: keyof CallNowPreferences, label: string) =>
    checkbox({ name, label, checked: on(name, current[name] === true), errors });
  return `<form method="post" action="/console/extensions/${h(request.params[0] ?? '')}/callnow">${csrfField(request.viewer)}
${field('allowCalls', 'Allow people to call me')}
${textField({ name: 'callNowId', label: 'CallNow ID', value: value('callNowId', current.callNowId), errors, hint: 'The last part of the page address: 4 to 64 letters, digits, _ and -.', extra: ' required' })}
<fieldset><legend>Availability</legend>
${checkbox({ name: 'availabilityOn', label: 'Available only in a time interval', checked: on('availabilityOn', availability !== null), errors })}
<fieldset class="days" id="availabilityDays"><legend>Days</legend>
${days}
${errors.availabilityDays ? `<p class="error" id="availabilityDays-error">${h(errors.availabilityDays)}</p>` : ''}
</fieldset>
<div class="row">
${textField({ name: 'availabilityFrom', label: 'From', type: 'time', value: value('availabilityFrom', availability?.from ?? '09:00'), errors })}
${textField({ name: 'availabilityTo', label: 'To', type: 'time', value: value('availabilityTo', availability?.to ?? '17:00'), errors })}
</div>
${select({ name: 'availabilityTimeZone', label: 'Time zone', value: value('availabilityTimeZone', availability?.timeZone ?? 'UTC'), choices: timeZoneChoices(), errors })}
</fieldset>
${field('notWhileOnPhone', 'Do not allow people to contact me while I am on the phone')}
${field('confirm', 'Ask me to confirm the call (press 0) before the visitor is dialled')}
${field('showName', 'Show my name on the page')}
${field('askCallerName', "Ask for the caller's name")}
${field('imageValidation', 'Image validation (the visitor types the code in a picture)')}
${select({ name: 'language', label: 'Language', value: value('language', current.language), choices: LANGUAGE_CHOICES, errors })}
${textArea({ name: 'message', label: 'Message', value: value('message', current.message), errors, hint: 'Shown on the page above the form; up to 500 characters.', rows: 3 })}
${textField({ name: 'ringSeconds', label: 'Ring for (seconds)', type: 'number', value: value('ringSeconds', String(current.ringSeconds)), errors, hint: 'How long your phone, and then the visitor, are rung: 5 to 120.', extra: ' min="5" max="120" required' })}
${textArea({ name: 'allowedOrigins', label: 'Web sites that may show the widget, one per line', value: value('allowedOrigins', current.allowedOrigins.join('\n')), errors, hint: 'Origins such as https://www.example.com; the plain button works on any site.', rows: 3 })}
<button type="submit" class="primary">OK</button>
</form>`;
}

const qrCodeOf = (url: string) => renderSVG(url, { border: 2, pixelSize: 4 });

/** What the owner hands out once the page is on: the URL, the snippets and the QR code. */
function handOut(request: ConsoleRequest, preferences: CallNowPreferences): string {
  const url = publicUrlOf(request.event, preferences.callNowId);
  const qr = qrCodeOf(url).replace('<svg ', '<svg role="img" aria-labelledby="qr-title" ');
  const copy = (target: string) =>
    `<button type="button" class="copy" data-copy="${target}" hidden>Copy</button>`;
  return `<section aria-labelledby="share-title" class="share"><h2 id="share-title">Your CallNow page</h2>
<p><a id="public-url" href="${h(url)}">${h(url)}</a> ${copy('public-url')}</p>
<div class="field"><label for="button-snippet">The "Call Now" button, for any web site</label>
<textarea id="button-snippet" readonly rows="3">${h(buttonSnippet(url))}</textarea>${copy('button-snippet')}</div>
<div class="field"><label for="widget-snippet">The widget (the form on your own site, for the sites listed above)</label>
<textarea id="widget-snippet" readonly rows="3">${h(widgetSnippet(url))}</textarea>${copy('widget-snippet')}</div>
<figure class="qr"><span id="qr-title" class="visually-hidden">QR code of ${h(url)}</span>${qr}
<figcaption>Scan to open the page. ${link(`/console/extensions/${request.params[0] ?? ''}/callnow/qr.svg`, 'Download the QR code')}</figcaption></figure>
</section>`;
}

async function preferencesPage(request: ConsoleRequest, errors: FieldErrors = {}, statusCode = 200) {
  const { management } = request.ports;
  const extension = await loadExtension(management, request.viewer.principal, request.params[0] ?? '');
  const preferences = extension.callNow;
  const target = await loadTarget(management, extension);
  const chain = callApiEligibility(target);
  const missing = chain.callable
    ? ''
    : `<p class="notice" role="note">CallNow cannot be enabled: ${h(describeIneligibility(chain.reason, target))}.</p>`;
  const shared = preferences.allowCalls ? handOut(request, preferences) : '';
  const flash =
    request.query('saved') === 'yes'
      ? {
          flash: preferences.allowCalls
            ? 'Saved: people can call you now.'
            : 'Saved: your page does not take calls.',
        }
      : {};
  const body = `${errorSummary(errors)}
${missing}
${shared}
${preferencesForm(request, preferences, errors)}
<p>${link(`/console/extensions/${extension.extensionId}`, `Back to extension ${extension.number}`)}</p>`;
  return page(statusCode, layout(request.viewer, 'CallNow Preferences', body, flash));
}

export function addCallNowScreens(router: ConsoleRouter): void {
  router
    .add('GET', '/extensions/{id}/callnow', (request) => preferencesPage(request))
    .add('GET', '/extensions/{id}/callnow/qr.svg', async (request) => {
      const { management } = request.ports;
      const extension = await loadExtension(management, request.viewer.principal, request.params[0] ?? '');
      const { callNowId } = extension.callNow;
      return {
        statusCode: 200,
        headers: {
          'content-type': 'image/svg+xml',
          'content-disposition': `attachment; filename="callnow-${callNowId}.svg"`,
          'content-security-policy': "default-src 'none'",
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
        body: qrCodeOf(publicUrlOf(request.event, callNowId)),
      };
    })
    .add('POST', '/extensions/{id}/callnow', (request) =>
      submitted(
        async () => {
          const { management, ids } = request.ports;
          const input = checked(CallNowPreferencesSchema, inputOf(request.form));
          await putCallNowPreferences(
            management,
            request.viewer.principal,
            request.params[0] ?? '',
            input,
            ids,
          );
          return redirect(`/console/extensions/${request.params[0]}/callnow?saved=yes`);
        },
        (errors, statusCode) => preferencesPage(request, errors, statusCode),
      ),
    );
}
