// A list screen: a search by name, the records of one page, and a link to the next page.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ConsoleRequest } from '../app.ts';
import { page } from '../http.ts';
import { h, layout, table } from '../layout.ts';

export interface ListView {
  readonly title: string;
  readonly caption: string;
  readonly headers: readonly string[];
  readonly rows: readonly string[][];
  readonly nextCursor?: string | undefined;
  /** Query parameters the list keeps from page to page (the reseller or client it lists for). */
  readonly keep?: Readonly<Record<string, string>>;
  /** Above the list: its "Add a ..." link, say. */
  readonly actions?: string;
  readonly flash?: string;
}

export function listPage(request: ConsoleRequest, view: ListView): APIGatewayProxyStructuredResultV2 {
  const search = request.query('q') ?? '';
  const keep = Object.entries(view.keep ?? {})
    .map(([name, value]) => `<input type="hidden" name="${h(name)}" value="${h(value)}">`)
    .join('');
  const next = view.nextCursor
    ? `<p><a href="?${h(new URLSearchParams({ ...view.keep, ...(search ? { q: search } : {}), cursor: view.nextCursor }).toString())}">Next page</a></p>`
    : '';
  const body = `<form method="get" role="search" class="search">${keep}
<label for="q">Search by name</label>
<input id="q" name="q" type="search" value="${h(search)}">
<button type="submit">Search</button>
</form>
${view.actions ?? ''}
${table(view.caption, view.headers, view.rows)}
${next}`;
  return page(200, layout(request.viewer, view.title, body, view.flash ? { flash: view.flash } : {}));
}
