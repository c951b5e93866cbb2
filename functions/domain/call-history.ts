// The recent call requests of an extension, or of a client across its extensions, for whoever may see them.
import type { Principal } from './access.ts';
import { listExtensions } from './extensions.ts';
import type { ManagementStore, Page, PageRequest } from './management-ports.ts';
import type { CallRequest } from './model.ts';
import { loadClient, loadExtension } from './owner-tree.ts';

export async function listExtensionCalls(
  store: ManagementStore,
  principal: Principal,
  extensionId: string,
  page: PageRequest,
): Promise<Page<CallRequest>> {
  await loadExtension(store, principal, extensionId);
  return store.listCallRequests(extensionId, page);
}

/** Read a page of extensions at a time, this many calls of each: a client of 100 extensions costs 101 queries. */
const EXTENSIONS_PER_READ = 100;

export type ClientCall = CallRequest & { readonly extensionNumber: string };

/** The client's newest `limit` call requests, all its extensions together, the newest first. */
export async function listClientCalls(
  store: ManagementStore,
  principal: Principal,
  clientId: string,
  limit: number,
): Promise<ClientCall[]> {
  await loadClient(store, principal, clientId);
  let calls: ClientCall[] = [];
  let cursor: string | undefined;
  do {
    const extensions = await listExtensions(
      store,
      principal,
      { clientId },
      { limit: EXTENSIONS_PER_READ, cursor },
    );
    const pages = await Promise.all(
      extensions.items.map(async ({ extensionId, number }) => {
        const page = await store.listCallRequests(extensionId, { limit });
        return page.items.map((call) => ({ ...call, extensionNumber: number }));
      }),
    );
    calls = [...calls, ...pages.flat()]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, limit);
    cursor = extensions.nextCursor;
  } while (cursor);
  return calls;
}
