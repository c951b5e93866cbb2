// The connector's durable memory of which requests it has dialled (or decided not to), so that no SQS redelivery,
// restart or crash makes it dial a request twice, calls cut off by a restart are followed again afterwards, and a
// final status decided just before a crash is still sent.
//
// One append-only file of JSON lines in the state directory. A claim is written and fsynced before the Originate
// leaves, so a request is dialled at most once per claim; a line that was being written when the process died is
// skipped on load. The file is compacted (rewritten to a temporary file, fsynced, renamed) when it is opened and when
// it has grown well past what it holds. A lock file keeps a second connector away from the same directory.

import { type FileHandle, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallState, FailureReason } from '../../contracts/call-states.ts';
import { type JournalLine, JournalMemory, parseLine, UNREPORTED_EXTRA_KEEP_MS } from './journal-lines.ts';
import { JournalError, releaseLock, takeLock } from './journal-lock.ts';

export { createInMemoryJournal } from './journal-lines.ts';
export { JournalError, JournalLockedError } from './journal-lock.ts';

/** What is known about a request whose Originate may have been sent. */
export interface ClaimedRequest {
  readonly requestId: string;
  /** The ActionID of its Originate (OriginateResponse carries it back). */
  readonly actionId: string;
  readonly extensionNumber: string;
  /** The extension's dial string, e.g. `PJSIP/101`. */
  readonly extensionChannel: string;
  readonly confirm: boolean;
  readonly ringSeconds: number;
  /** ISO 8601; a redelivery after it is never dialled, so the id can be forgotten a while after. */
  readonly expiresAt: string;
  /** Epoch ms. */
  readonly claimedAt: number;
}

/** A claimed request whose outcome is not known yet: a call to follow again after a restart. */
export interface UnfinishedRequest extends ClaimedRequest {
  /** The last status reported for it; `queued` when none was. */
  readonly reported: CallState;
  /** The extension leg's channel (`PJSIP/101-0000002a`), once Asterisk has named it. */
  readonly channel?: string;
}

/** A request's final status, as the connector decided it. */
export type FinalOutcome =
  | { readonly status: 'completed' }
  | { readonly status: 'failed'; readonly reason: FailureReason };

export interface DecidedRequest {
  readonly requestId: string;
  readonly outcome: FinalOutcome;
  /** The cloud has it (its call.status was sent). */
  readonly reported: boolean;
}

export type JournalState = 'claimed' | 'decided';

export interface RequestJournal {
  /** `claimed`: dialled (or may have been), outcome not known yet; `decided`: final status known; undefined: free. */
  state(requestId: string): JournalState | undefined;
  decided(requestId: string): DecidedRequest | undefined;
  /** Records that the request is about to be dialled. Resolves once it is on disk; `state` says `claimed` at once. */
  claim(request: ClaimedRequest): Promise<void>;
  /** The Originate was never written: a redelivery may dial the request. Resolves once on disk. */
  release(requestId: string): Promise<void>;
  /** The final status is known: never dial it again. Resolves once on disk; `state` says `decided` at once. */
  decide(requestId: string, expiresAt: string, outcome: FinalOutcome): Promise<void>;
  /** The decided final status reached the cloud. Written with the next batch, not awaited. */
  markReported(requestId: string): void;
  /** Notes a call's progress so that a restart resumes it from there. Written with the next batch, not awaited. */
  progress(requestId: string, change: { readonly reported?: CallState; readonly channel?: string }): void;
  /** Claimed requests without an outcome: what a connector that just started must follow again. */
  unfinished(): UnfinishedRequest[];
  /** Decided requests whose final status may not have reached the cloud: to send again at start. */
  unreported(): DecidedRequest[];
  close(): Promise<void>;
}

export interface FileJournalOptions {
  /**
   * Decided ids are kept this long after their request expired (covers clock skew with the cloud); one whose status
   * was never reported, a day longer.
   * @default 3600
   */
  readonly keepDecidedSeconds?: number;
  /** Compacts once this many lines were appended since the last compaction (and they outnumber live entries 4:1). @default 10000 */
  readonly compactAfterLines?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Told when a line could not be read (a torn write after a crash) or a write failed. */
  readonly onProblem?: (message: string, details: Record<string, unknown>) => void;
}

export const JOURNAL_FILE_NAME = 'requests.jsonl';
export const LOCK_FILE_NAME = 'connector.lock';

/** Opens (creating if needed) the journal in `stateDir`, takes its lock, and compacts it. */
export async function openFileJournal(
  stateDir: string,
  options: FileJournalOptions = {},
): Promise<RequestJournal> {
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new JournalError(`cannot create the state directory ${stateDir}`, { cause: error });
  }
  const lockPath = join(stateDir, LOCK_FILE_NAME);
  await takeLock(lockPath);
  try {
    const journal = new FileJournal(stateDir, lockPath, options);
    await journal.load();
    return journal;
  } catch (error) {
    await releaseLock(lockPath);
    throw error;
  }
}

class FileJournal implements RequestJournal {
  readonly #path: string;
  readonly #dir: string;
  readonly #lockPath: string;
  readonly #keepDecidedMs: number;
  readonly #compactAfterLines: number;
  readonly #now: () => number;
  readonly #onProblem: (message: string, details: Record<string, unknown>) => void;
  readonly #memory = new JournalMemory();
  #handle: FileHandle | undefined;
  #pending: string[] = [];
  #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  #flushing: Promise<void> | undefined;
  #linesSinceCompaction = 0;
  #closed = false;

  constructor(dir: string, lockPath: string, options: FileJournalOptions) {
    this.#dir = dir;
    this.#path = join(dir, JOURNAL_FILE_NAME);
    this.#lockPath = lockPath;
    this.#keepDecidedMs = (options.keepDecidedSeconds ?? 3600) * 1000;
    this.#compactAfterLines = options.compactAfterLines ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#onProblem = options.onProblem ?? (() => {});
  }

  async load(): Promise<void> {
    let text = '';
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new JournalError(`cannot read ${this.#path}`, { cause: error });
      }
    }
    let lineNumber = 0;
    for (const line of text.split('\n')) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      const parsed = parseLine(line);
      if (parsed) this.#memory.apply(parsed);
      else this.#onProblem('skipped an unreadable journal line', { path: this.#path, line: lineNumber });
    }
    await this.#compact();
  }

  state(requestId: string): JournalState | undefined {
    return this.#memory.state(requestId);
  }

  decided(requestId: string): DecidedRequest | undefined {
    return this.#memory.decidedRequest(requestId);
  }

  claim(request: ClaimedRequest): Promise<void> {
    return this.#record({ op: 'claim', ...request });
  }

  release(requestId: string): Promise<void> {
    return this.#record({ op: 'release', requestId });
  }

  decide(requestId: string, expiresAt: string, outcome: FinalOutcome): Promise<void> {
    return this.#record({ op: 'decide', requestId, expiresAt, ...outcome });
  }

  markReported(requestId: string): void {
    const entry = this.#memory.decided.get(requestId);
    if (!entry || entry.reported) return;
    this.#record({ op: 'reported', requestId }).catch(() => {});
  }

  progress(requestId: string, change: { readonly reported?: CallState; readonly channel?: string }): void {
    if (!this.#memory.unfinished.has(requestId)) return;
    this.#record({ op: 'progress', requestId, ...change }).catch(() => {});
  }

  unfinished(): UnfinishedRequest[] {
    return this.#memory.unfinishedRequests();
  }

  unreported(): DecidedRequest[] {
    return this.#memory.unreported();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#flushing;
    if (this.#pending.length > 0) await this.#flush();
    await this.#handle?.close();
    this.#handle = undefined;
    await releaseLock(this.#lockPath);
  }

  /** Applies the line in memory at once (so a concurrent redelivery sees it), then has it written. */
  #record(line: JournalLine): Promise<void> {
    if (this.#closed) return Promise.reject(new JournalError('the request journal is closed'));
    this.#memory.apply(line);
    this.#pending.push(`${JSON.stringify(line)}\n`);
    const written = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.#flushing ??= this.#flushLoop();
    return written;
  }

  /** Group commit: whatever was recorded while the previous batch was being synced goes out in one write and one fsync. */
  async #flushLoop(): Promise<void> {
    try {
      while (this.#pending.length > 0) await this.#flush();
    } finally {
      this.#flushing = undefined;
    }
  }

  async #flush(): Promise<void> {
    const lines = this.#pending;
    const waiters = this.#waiters;
    this.#pending = [];
    this.#waiters = [];
    try {
      this.#handle ??= await open(this.#path, 'a', 0o600);
      await this.#handle.write(lines.join(''));
      await this.#handle.datasync();
      this.#linesSinceCompaction += lines.length;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      const failure = new JournalError(`cannot write to ${this.#path}`, { cause: error });
      this.#onProblem('a journal write failed', { path: this.#path, error: String(error) });
      for (const waiter of waiters) waiter.reject(failure);
      return;
    }
    const live = this.#memory.unfinished.size + this.#memory.decided.size;
    if (this.#linesSinceCompaction >= this.#compactAfterLines && this.#linesSinceCompaction > 4 * live) {
      await this.#compact().catch((error: unknown) =>
        this.#onProblem('compacting the journal failed', { path: this.#path, error: String(error) }),
      );
    }
  }

  /** Rewrites the file with what it still has to remember, atomically. */
  async #compact(): Promise<void> {
    const nowMs = this.#now();
    const lines: string[] = [];
    for (const entry of this.#memory.unfinished.values()) {
      const { reported, channel, ...claimed } = entry;
      lines.push(JSON.stringify({ op: 'claim', ...claimed }));
      if (reported !== 'queued' || channel !== undefined) {
        lines.push(
          JSON.stringify({
            op: 'progress',
            requestId: entry.requestId,
            ...(reported === 'queued' ? {} : { reported }),
            ...(channel === undefined ? {} : { channel }),
          }),
        );
      }
    }
    for (const [requestId, entry] of this.#memory.decided) {
      const forgetAt =
        Date.parse(entry.expiresAt) + this.#keepDecidedMs + (entry.reported ? 0 : UNREPORTED_EXTRA_KEEP_MS);
      if (!(forgetAt > nowMs)) {
        this.#memory.decided.delete(requestId);
        continue;
      }
      lines.push(JSON.stringify({ op: 'decide', requestId, expiresAt: entry.expiresAt, ...entry.outcome }));
      if (entry.reported) lines.push(JSON.stringify({ op: 'reported', requestId }));
    }
    const temporary = `${this.#path}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(lines.length > 0 ? `${lines.join('\n')}\n` : '');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.#handle?.close();
    this.#handle = undefined;
    await rename(temporary, this.#path);
    await syncDirectory(this.#dir);
    this.#linesSinceCompaction = 0;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    await handle.close();
  }
}
