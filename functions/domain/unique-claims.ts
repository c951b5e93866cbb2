// Claiming what must be unique on the server for one extension (a CallNow ID, an extension number on a site),
// without transactions: one conditional write of an item that says which extension holds it.
//
// A claim is written before the extension changes, and the old one released after, so an extension never holds
// what it has not claimed. A crash in between leaves an item its extension does not confirm (an orphan): no read
// follows it, and once older than ORPHAN_CLAIM_AGE_MS (well past any change in progress) a new claim takes it
// over, conditional on the old holder, so two claimants never both win.
import { conflict } from './management-errors.ts';
import type { Extension } from './model.ts';

export const ORPHAN_CLAIM_AGE_MS = 60_000;

export interface UniqueClaim {
  /** Writes the claim if free, already this extension's, or held by `reclaimableFrom`. */
  claim(reclaimableFrom?: string): Promise<'claimed' | 'taken'>;
  /** Who holds it now. */
  holder(): Promise<{ readonly extensionId: string; readonly claimedAt?: string | undefined } | undefined>;
  /** Whether the holder still uses it; an item its extension does not confirm is an orphan. */
  isUsedBy(extension: Extension | undefined): boolean;
  /** The 409's message when it is taken. */
  readonly takenMessage: string;
}

export async function claimUnique(
  claim: UniqueClaim,
  extensionId: string,
  getExtension: (extensionId: string) => Promise<Extension | undefined>,
  now: Date,
): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if ((await claim.claim()) === 'claimed') return;
    const holder = await claim.holder();
    if (!holder) continue; // released between the two calls: try once more
    const age = now.getTime() - Date.parse(holder.claimedAt ?? '1970-01-01T00:00:00Z');
    const orphan =
      holder.extensionId !== extensionId &&
      age > ORPHAN_CLAIM_AGE_MS &&
      !claim.isUsedBy(await getExtension(holder.extensionId));
    if (orphan && (await claim.claim(holder.extensionId)) === 'claimed') return;
    break;
  }
  throw conflict(claim.takenMessage);
}
