// `npm run admin -- upgrade`: brings records written before tenants owned their phone resources up to date.
// Every extension gets the claim on its (site, number) and a CallNow ID pointer under the ID's lower-case form;
// what cannot be brought up to date by itself (a number that is not digits, two extensions on one number, two
// CallNow IDs differing only in case) is reported for the operator to fix. Run it again at will: it only adds
// what is missing.
import { EXTENSION_NUMBER_PATTERN } from '../../contracts/ami-safe.ts';
import { callNowPointerOf } from '../../functions/domain/extensions.ts';
import type { ManagementStore } from '../../functions/domain/management-ports.ts';
import type { Extension } from '../../functions/domain/model.ts';

export interface UpgradeReport {
  readonly extensions: number;
  readonly numbersClaimed: number;
  readonly pointersWritten: number;
  /** One line per record the operator must fix. */
  readonly problems: readonly string[];
}

async function* everyExtension(store: ManagementStore): AsyncGenerator<Extension> {
  let resellers: string | undefined;
  do {
    const page = await store.listResellers({ limit: 100, cursor: resellers });
    for (const reseller of page.items) {
      let extensions: string | undefined;
      do {
        const found = await store.listExtensions(reseller.resellerId, undefined, {
          limit: 100,
          cursor: extensions,
        });
        yield* found.items;
        extensions = found.nextCursor;
      } while (extensions);
    }
    resellers = page.nextCursor;
  } while (resellers);
}

export async function upgradeRecords(store: ManagementStore, now: Date): Promise<UpgradeReport> {
  let extensions = 0;
  let numbersClaimed = 0;
  let pointersWritten = 0;
  const problems: string[] = [];
  for await (const extension of everyExtension(store)) {
    extensions++;
    const { extensionId, siteId, number, clientId, resellerId } = extension;
    const name = `extension ${extensionId} (${number} on site ${siteId})`;
    if (!EXTENSION_NUMBER_PATTERN.test(number)) {
      problems.push(`${name}: the number is not 1 to 10 digits; renumber it (PATCH number) or delete it`);
    } else {
      const claim = { siteId, number, extensionId, clientId, resellerId, claimedAt: now.toISOString() };
      const holder = (await store.getExtensionNumber(siteId, number))?.extensionId;
      if (holder === undefined && (await store.claimExtensionNumber(claim)) === 'claimed') numbersClaimed++;
      else if (holder !== extensionId) {
        problems.push(`${name}: another extension has this number on the site; renumber one of them`);
      }
    }
    const pointer = await store.getCallNowIdPointer(extension.callNow.callNowId);
    if (pointer?.extensionId === extensionId) continue;
    if (pointer) {
      problems.push(
        `${name}: its CallNow ID ${extension.callNow.callNowId} differs only in case from another's`,
      );
    } else if (
      (await store.claimCallNowId({ ...callNowPointerOf(extension), claimedAt: now.toISOString() })) ===
      'claimed'
    ) {
      pointersWritten++;
    }
  }
  return { extensions, numbersClaimed, pointersWritten, problems };
}
