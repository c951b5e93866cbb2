// The console's pages: one layout with the navigation of the viewer's level, and the form parts every screen
// uses, each label tied to its field and each error to the field it is about.
import type { Principal } from '../domain/access.ts';
import { escapeHtml as h } from '../public/html.ts';
import { CONSOLE_SCRIPT, CONSOLE_STYLE } from './browser-assets.generated.ts';

export { h };

/** Who is looking, and the token every form of theirs carries. */
export interface Viewer {
  readonly principal: Principal;
  readonly username: string;
  readonly csrfToken: string;
}

/** Problems by field name; `''` for the form as a whole. */
export type FieldErrors = Readonly<Record<string, string>>;

function navigation(viewer: Viewer): string {
  const { principal } = viewer;
  const links: Array<[string, string]> = [['/console', 'Home']];
  if (principal.kind === 'admin') {
    links.push(
      ['/console/system', 'System preferences'],
      ['/console/resellers', 'Resellers'],
      ['/console/api-keys', 'API keys'],
    );
  } else if (principal.scope.level === 'reseller') {
    links.push(
      [`/console/resellers/${principal.scope.resellerId}`, 'My reseller'],
      ['/console/clients', 'Clients'],
    );
  } else if (principal.scope.level === 'client') {
    links.push(
      [`/console/clients/${principal.scope.clientId}`, 'My client'],
      ['/console/extensions', 'Extensions'],
    );
  } else {
    links.push([`/console/extensions/${principal.scope.extensionId}`, 'My extension']);
  }
  if (principal.kind === 'login') links.push(['/console/password', 'My password']);
  const items = links.map(([href, text]) => `<li><a href="${href}">${h(text)}</a></li>`).join('');
  return `<nav aria-label="Console"><ul>${items}</ul>
<form method="post" action="/console/logout" class="logout">${csrfField(viewer)}<span>${h(viewer.username)}</span> <button type="submit" class="link">Log out</button></form></nav>`;
}

export function layout(
  viewer: Viewer | undefined,
  title: string,
  body: string,
  { flash, refreshSeconds }: { flash?: string; refreshSeconds?: number } = {},
): string {
  // With scripts the page swaps its live part in place (console.ts); without, it reloads itself.
  const refresh = refreshSeconds
    ? `\n<noscript><meta http-equiv="refresh" content="${refreshSeconds}"></noscript>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${h(title)} · CallNow console</title>${refresh}
<style>${CONSOLE_STYLE}</style>
</head>
<body>
<header><a class="brand" href="/console">CallNow console</a>${viewer ? navigation(viewer) : ''}</header>
<main>
<h1>${h(title)}</h1>
${flash ? `<p class="flash" role="status">${h(flash)}</p>` : ''}
${body}
</main>
<script>${CONSOLE_SCRIPT}</script>
</body>
</html>
`;
}

export const csrfField = (viewer: Viewer) =>
  `<input type="hidden" name="csrf" value="${h(viewer.csrfToken)}">`;

/** The problems of a refused form, at its top, each linking to its field. */
export function errorSummary(errors: FieldErrors): string {
  const entries = Object.entries(errors);
  if (entries.length === 0) return '';
  const items = entries
    .map(([field, text]) =>
      field ? `<li><a href="#${h(field)}">${h(text)}</a></li>` : `<li>${h(text)}</li>`,
    )
    .join('');
  return `<div class="errors" role="alert" tabindex="-1" id="errors"><p>Please fix this:</p><ul>${items}</ul></div>`;
}

interface FieldOptions {
  readonly name: string;
  readonly label: string;
  readonly errors: FieldErrors;
  readonly hint?: string;
}

function described({ name, errors, hint }: FieldOptions): { attributes: string; after: string } {
  const ids = [hint ? `${name}-hint` : '', errors[name] ? `${name}-error` : ''].filter(Boolean);
  const attributes = `${ids.length > 0 ? ` aria-describedby="${ids.join(' ')}"` : ''}${errors[name] ? ' aria-invalid="true"' : ''}`;
  const after =
    (hint ? `<p class="hint" id="${name}-hint">${h(hint)}</p>` : '') +
    (errors[name] ? `<p class="error" id="${name}-error">${h(errors[name])}</p>` : '');
  return { attributes, after };
}

export function textField(
  options: FieldOptions & { readonly value?: string; readonly type?: string; readonly extra?: string },
): string {
  const { name, label, value = '', type = 'text', extra = '' } = options;
  const { attributes, after } = described(options);
  return `<div class="field"><label for="${name}">${h(label)}</label>
<input id="${name}" name="${name}" type="${type}" value="${h(value)}"${attributes}${extra}>${after}</div>`;
}

export function textArea(
  options: FieldOptions & { readonly value?: string; readonly rows?: number },
): string {
  const { name, label, value = '', rows = 4 } = options;
  const { attributes, after } = described(options);
  return `<div class="field"><label for="${name}">${h(label)}</label>
<textarea id="${name}" name="${name}" rows="${rows}"${attributes}>${h(value)}</textarea>${after}</div>`;
}

export function checkbox(options: FieldOptions & { readonly checked: boolean }): string {
  const { name, label, checked } = options;
  const { attributes, after } = described(options);
  return `<div class="field check"><input type="checkbox" id="${name}" name="${name}" value="on"${checked ? ' checked' : ''}${attributes}>
<label for="${name}">${h(label)}</label>${after}</div>`;
}

export function select(
  options: FieldOptions & {
    readonly value: string;
    readonly choices: ReadonlyArray<readonly [string, string]>;
  },
): string {
  const { name, label, value, choices } = options;
  const { attributes, after } = described(options);
  const items = choices
    .map(
      ([choice, text]) =>
        `<option value="${h(choice)}"${choice === value ? ' selected' : ''}>${h(text)}</option>`,
    )
    .join('');
  return `<div class="field"><label for="${name}">${h(label)}</label>
<select id="${name}" name="${name}"${attributes}>${items}</select>${after}</div>`;
}

/** A form of one button that changes something (delete, revoke, log out): POST, with the CSRF token. */
export function actionButton(
  viewer: Viewer,
  action: string,
  label: string,
  kind: 'danger' | 'plain' = 'plain',
): string {
  const confirm = kind === 'danger' ? ` data-confirm="${h(`${label}?`)}"` : '';
  return `<form method="post" action="${h(action)}" class="inline"${confirm}>${csrfField(viewer)}<button type="submit" class="${kind}">${h(label)}</button></form>`;
}

export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly string[][],
  id?: string,
): string {
  if (rows.length === 0) return `<p class="empty">${h(caption)}: none yet.</p>`;
  const head = headers.map((header) => `<th scope="col">${h(header)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table"${id ? ` id="${id}"` : ''}><table><caption>${h(caption)}</caption><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>`;
}

export const link = (href: string, text: string) => `<a href="${h(href)}">${h(text)}</a>`;

/** A new key or secret the user sees this once, with the copy button the console's script reveals. */
export function shownOnce(what: string, value: string): string {
  return `<div class="issued" role="status"><p>${h(what)}, shown this once: copy it now.</p>
<p><code id="new-key">${h(value)}</code> <button type="button" class="copy" data-copy="new-key" hidden>Copy</button></p></div>`;
}
