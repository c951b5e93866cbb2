// "Permissions and Phone Numbers": the extension numbers and caller IDs handed down the owner tree. The admin gives
// a reseller ranges of a site's extension numbers and caller IDs (the company's DIDs); the reseller hands parts of
// them to its clients; an extension is made only inside its client's ranges and shows visitors only its client's
// caller IDs. Nobody below the admin invents a phone resource, so no tenant chooses which phone rings.
import { isAdmin, type Principal } from './access.ts';
import { conflict, forbidden, invalid } from './management-errors.ts';
import { ConcurrentChangeError, type ManagementStore } from './management-ports.ts';
import type { CallNowTarget, Client, Extension, ExtensionRange, Site, SiteAllocation } from './model.ts';
import { loadClient, loadReseller, requireAdminister } from './owner-tree.ts';

interface NumberSpan {
  readonly first: string;
  readonly last: string;
}

/** Whose allocations: a reseller's own (no `clientId`) or one of its clients'. */
interface Holder {
  readonly resellerId: string;
  readonly clientId?: string | undefined;
}

export interface PhoneNumbers {
  readonly extensionRanges: readonly ExtensionRange[];
  readonly callerIds: readonly string[];
}

const SITE_WRITE_ATTEMPTS = 3;

export const contains = (span: NumberSpan, number: string) =>
  number.length === span.first.length && span.first <= number && number <= span.last;
const overlaps = (a: NumberSpan, b: NumberSpan) =>
  a.first.length === b.first.length && a.first <= b.last && b.first <= a.last;
const within = (inner: NumberSpan, outer: NumberSpan) =>
  inner.first.length === outer.first.length && outer.first <= inner.first && inner.last <= outer.last;
const spanText = ({ first, last }: NumberSpan) => (first === last ? first : `${first}-${last}`);
const isHeldBy = (allocation: SiteAllocation, holder: Holder) =>
  allocation.resellerId === holder.resellerId && allocation.clientId === holder.clientId;
const spansOf = (site: Site | undefined, holder: Holder): NumberSpan[] =>
  (site?.allocations ?? []).filter((allocation) => isHeldBy(allocation, holder));

function rangesOf(sites: readonly Site[], holder: Holder): ExtensionRange[] {
  return sites.flatMap((site) =>
    spansOf(site, holder).map(({ first, last }) => ({ siteId: site.siteId, first, last })),
  );
}

export async function getResellerPhoneNumbers(
  store: ManagementStore,
  principal: Principal,
  resellerId: string,
): Promise<PhoneNumbers> {
  const reseller = await loadReseller(store, principal, resellerId);
  return {
    extensionRanges: rangesOf(await store.listSites(), { resellerId }),
    callerIds: reseller.callerIds,
  };
}

export async function getClientPhoneNumbers(
  store: ManagementStore,
  principal: Principal,
  clientId: string,
): Promise<PhoneNumbers> {
  const client = await loadClient(store, principal, clientId);
  const holder = { resellerId: client.resellerId, clientId };
  return { extensionRanges: rangesOf(await store.listSites(), holder), callerIds: client.callerIds };
}

/** The admin gives a reseller exactly these ranges and caller IDs; what it handed to clients must stay inside. */
export async function putResellerPhoneNumbers(
  store: ManagementStore,
  principal: Principal,
  resellerId: string,
  input: PhoneNumbers,
): Promise<PhoneNumbers> {
  const reseller = await loadReseller(store, principal, resellerId);
  if (!isAdmin(principal)) throw forbidden("only the admin account hands out a reseller's phone numbers");
  const sites = await checkRanges(store, input.extensionRanges);
  const holder = { resellerId };
  await allocate(store, sites, holder, input.extensionRanges, async (site, wanted) => {
    for (const other of site.allocations) {
      const clash = wanted.find((span) => overlaps(span, other));
      if (other.clientId === undefined && other.resellerId !== resellerId && clash) {
        const name = (await store.getReseller(other.resellerId))?.name ?? other.resellerId;
        throw conflict(
          `${spanText(clash)} on site ${site.siteId} overlaps ${spanText(other)}, which reseller ${name} holds`,
        );
      }
      if (other.resellerId === resellerId && other.clientId && !wanted.some((span) => within(other, span))) {
        const name = (await store.getClient(other.clientId))?.name ?? other.clientId;
        throw conflict(
          `${spanText(other)} on site ${site.siteId} is handed to client ${name}; take it back from the client first`,
        );
      }
    }
    await requireNoneLeftOutside(store, site, holder, wanted);
  });
  const callerIds = [...new Set(input.callerIds)];
  await store.putReseller({ ...reseller, callerIds });
  await withdrawCallerIds(store, resellerId, callerIds);
  return { extensionRanges: rangesOf(await store.listSites(), holder), callerIds };
}

/** The reseller (or the admin) hands a client parts of the reseller's ranges and some of its caller IDs. */
export async function putClientPhoneNumbers(
  store: ManagementStore,
  principal: Principal,
  clientId: string,
  input: PhoneNumbers,
): Promise<PhoneNumbers> {
  const client = await loadClient(store, principal, clientId);
  requireAdminister(
    principal,
    { resellerId: client.resellerId, clientId },
    "handing out a client's phone numbers",
  );
  const reseller = await store.getReseller(client.resellerId);
  const callerIds = [...new Set(input.callerIds)];
  callerIds.forEach((callerId, index) => {
    if (!reseller?.callerIds.includes(callerId)) {
      throw invalid(
        `callerIds.${index}`,
        `callerIds.${index} ${callerId} is not one of the reseller's caller IDs`,
      );
    }
  });
  const sites = await checkRanges(store, input.extensionRanges);
  const holder = { resellerId: client.resellerId, clientId };
  await allocate(store, sites, holder, input.extensionRanges, async (site, wanted) => {
    const resellerSpans = spansOf(site, { resellerId: client.resellerId });
    const outside = wanted.find((span) => !resellerSpans.some((own) => within(span, own)));
    if (outside) {
      const held = resellerSpans.map(spanText).join(', ') || 'none';
      throw invalid(
        'extensionRanges',
        `${spanText(outside)} on site ${site.siteId} is not within the reseller's ranges there (${held})`,
      );
    }
    for (const other of site.allocations) {
      const clash = wanted.find((span) => overlaps(span, other));
      if (other.clientId !== undefined && other.clientId !== clientId && clash) {
        const name = (await store.getClient(other.clientId))?.name ?? other.clientId;
        throw conflict(
          `${spanText(clash)} on site ${site.siteId} overlaps ${spanText(other)}, which client ${name} holds`,
        );
      }
    }
    await requireNoneLeftOutside(store, site, holder, wanted);
  });
  const updated = { ...client, callerIds };
  await store.putClient(updated);
  await dropStaleCallerIds(store, updated);
  return { extensionRanges: rangesOf(await store.listSites(), holder), callerIds };
}

/** A reseller or client that is deleted gives back every number it held (it has no clients, or no extensions, left). */
export async function withdrawAllNumbers(store: ManagementStore, holder: Holder): Promise<void> {
  await allocate(store, await store.listSites(), holder, [], async () => {});
}

/** Every site the ranges name exists, each range reads first-to-last in one length, and none overlaps another. */
async function checkRanges(
  store: ManagementStore,
  ranges: readonly ExtensionRange[],
): Promise<readonly Site[]> {
  const sites = await store.listSites();
  ranges.forEach((range, index) => {
    const field = `extensionRanges.${index}`;
    if (!sites.some((site) => site.siteId === range.siteId)) {
      throw invalid(`${field}.siteId`, `${field}.siteId: there is no site ${range.siteId}`);
    }
    if (range.first.length !== range.last.length || range.first > range.last) {
      throw invalid(
        field,
        `${field}: first and last must have as many digits, first not after last (e.g. 300 to 399)`,
      );
    }
    const clash = ranges.findIndex(
      (other, earlier) => earlier < index && other.siteId === range.siteId && overlaps(other, range),
    );
    if (clash >= 0) throw invalid(field, `${field} overlaps extensionRanges.${clash}`);
  });
  return sites;
}

/**
 * Gives `holder` exactly `ranges` on every site it holds or is given numbers on. Each site is one conditional
 * write of its whole allocation list, checked by `check` first, and read and checked again when another change
 * got there between the read and the write: ranges never overlap, whatever runs at the same time.
 */
async function allocate(
  store: ManagementStore,
  sites: readonly Site[],
  holder: Holder,
  ranges: readonly ExtensionRange[],
  check: (site: Site, wanted: readonly NumberSpan[]) => Promise<void>,
): Promise<void> {
  const siteIds = new Set([
    ...ranges.map((range) => range.siteId),
    ...sites.filter((site) => spansOf(site, holder).length > 0).map((site) => site.siteId),
  ]);
  for (const siteId of siteIds) {
    const wanted = ranges
      .filter((range) => range.siteId === siteId)
      .map(({ first, last }) => ({ first, last }));
    for (let attempt = 1; ; attempt++) {
      const site = await store.getSite(siteId);
      if (!site) throw invalid('extensionRanges', `there is no site ${siteId}`);
      await check(site, wanted);
      const others = site.allocations.filter((allocation) => !isHeldBy(allocation, holder));
      const mine = wanted.map((span) => ({ ...span, ...holder }));
      try {
        await store.putSiteAllocations({ ...site, allocations: [...others, ...mine] });
        break;
      } catch (error) {
        if (!(error instanceof ConcurrentChangeError) || attempt >= SITE_WRITE_ATTEMPTS) throw error;
      }
    }
  }
}

/** Taking numbers back is refused while an extension of the holder still has one of them. */
async function requireNoneLeftOutside(
  store: ManagementStore,
  site: Site,
  holder: Holder,
  wanted: readonly NumberSpan[],
): Promise<void> {
  for (const held of spansOf(site, holder)) {
    if (wanted.some((span) => within(held, span))) continue;
    const stranded = (await store.listExtensionNumbers(site.siteId, held)).find(
      (claim) =>
        claim.resellerId === holder.resellerId &&
        (holder.clientId === undefined || claim.clientId === holder.clientId) &&
        !wanted.some((span) => contains(span, claim.number)),
    );
    if (stranded) {
      throw conflict(
        `extension ${stranded.number} on site ${site.siteId} is in ${spanText(held)}; renumber or delete it first`,
      );
    }
  }
}

/** A caller ID taken from a reseller is taken from its clients too, and from their extensions. */
async function withdrawCallerIds(store: ManagementStore, resellerId: string, callerIds: readonly string[]) {
  let cursor: string | undefined;
  do {
    const page = await store.listClients(resellerId, { limit: 100, cursor });
    for (const client of page.items) {
      const kept = client.callerIds.filter((callerId) => callerIds.includes(callerId));
      if (kept.length === client.callerIds.length) continue;
      const updated = { ...client, callerIds: kept };
      await store.putClient(updated);
      await dropStaleCallerIds(store, updated);
    }
    cursor = page.nextCursor;
  } while (cursor);
}

/** Extensions that show a caller ID their client no longer has fall back to the site's default. */
async function dropStaleCallerIds(store: ManagementStore, client: Client): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await store.listExtensions(client.resellerId, client.clientId, { limit: 100, cursor });
    for (const extension of page.items) {
      if (extension.visitorCallerId === undefined || client.callerIds.includes(extension.visitorCallerId))
        continue;
      const { visitorCallerId: _, ...rest } = extension;
      await store.putExtension(rest, extension);
    }
    cursor = page.nextCursor;
  } while (cursor);
}

/**
 * An extension's number must be in its client's ranges on its site. The admin may also place it anywhere on one
 * of the reseller's sites that no other reseller or client holds (extensions made before ranges existed).
 */
export async function checkExtensionPlacement(
  store: ManagementStore,
  principal: Principal,
  extension: Pick<Extension, 'siteId' | 'number' | 'resellerId' | 'clientId'>,
): Promise<void> {
  const { siteId, number, resellerId, clientId } = extension;
  const site = await store.getSite(siteId);
  const covering = (site?.allocations ?? []).filter((allocation) => contains(allocation, number));
  if (!isAdmin(principal)) {
    if (covering.some((allocation) => allocation.clientId === clientId)) return;
    const own = spansOf(site, { resellerId, clientId }).map(spanText).join(', ') || 'none';
    throw invalid(
      'number',
      `extension number ${number} on site ${siteId} is not in the client's ranges there (${own})`,
    );
  }
  if (!site) throw invalid('siteId', `there is no site ${siteId}`);
  const foreign = covering.find(
    (allocation) =>
      allocation.resellerId !== resellerId ||
      (allocation.clientId !== undefined && allocation.clientId !== clientId),
  );
  if (foreign) {
    const owner = foreign.resellerId !== resellerId ? 'another reseller' : 'another client';
    throw conflict(
      `extension number ${number} on site ${siteId} is in ${spanText(foreign)}, which ${owner} holds`,
    );
  }
  if (!site.allocations.some((allocation) => allocation.resellerId === resellerId)) {
    throw invalid(
      'siteId',
      `site ${siteId} is not one of the reseller's sites: give the reseller a range there first`,
    );
  }
}

export function checkVisitorCallerId(client: Client, callerId: string | undefined): void {
  if (callerId === undefined || client.callerIds.includes(callerId)) return;
  throw invalid('visitorCallerId', `visitorCallerId ${callerId} is not one of the client's caller IDs`);
}

/** The caller ID a visitor sees: the extension's, while its client and reseller still have it; else the site's. */
export function effectiveVisitorCallerId({ reseller, client, extension }: CallNowTarget): string | undefined {
  const callerId = extension.visitorCallerId;
  return callerId !== undefined &&
    client.callerIds.includes(callerId) &&
    reseller.callerIds.includes(callerId)
    ? callerId
    : undefined;
}

/** The sites and who holds which of their numbers: for the admin. */
export async function listSites(store: ManagementStore, principal: Principal) {
  if (!isAdmin(principal)) throw forbidden('the sites are for the admin account');
  const sites = await store.listSites();
  return { items: sites.map(({ siteId, allocations }) => ({ siteId, allocations })) };
}
