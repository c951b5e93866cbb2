// What the journal's lines say, one request at a time: their shape, how one is read back (a line cut short by a
// crash reads as nothing), and the state they add up to, which the file journal and the in-memory one share.
import {
  CALL_STATES,
  type CallState,
  FAILURE_REASONS,
  type FailureReason,
} from '../../contracts/call-states.ts';
import type {
  ClaimedRequest,
  DecidedRequest,
  FinalOutcome,
  JournalState,
  RequestJournal,
  UnfinishedRequest,
} from './request-journal.ts';

export type JournalLine =
  | ({ readonly op: 'claim' } & ClaimedRequest)
  | { readonly op: 'release'; readonly requestId: string }
  | {
      readonly op: 'progress';
      readonly requestId: string;
      readonly reported?: CallState;
      readonly channel?: string;
    }
  | ({ readonly op: 'decide'; readonly requestId: string; readonly expiresAt: string } & FinalOutcome)
  | { readonly op: 'reported'; readonly requestId: string };

interface MutableUnfinished extends ClaimedRequest {
  reported: CallState;
  channel?: string;
}

interface DecidedEntry {
  readonly outcome: FinalOutcome;
  readonly expiresAt: string;
  reported: boolean;
}

const CALL_STATE_SET: ReadonlySet<string> = new Set(CALL_STATES);
const FAILURE_REASON_SET: ReadonlySet<string> = new Set(FAILURE_REASONS);
export const UNREPORTED_EXTRA_KEEP_MS = 24 * 3600 * 1000;

/** The in-memory state both journals share: what each line means. */
export class JournalMemory {
  readonly unfinished = new Map<string, MutableUnfinished>();
  readonly decided = new Map<string, DecidedEntry>();

  state(requestId: string): JournalState | undefined {
    if (this.unfinished.has(requestId)) return 'claimed';
    return this.decided.has(requestId) ? 'decided' : undefined;
  }

  decidedRequest(requestId: string): DecidedRequest | undefined {
    const entry = this.decided.get(requestId);
    return entry && { requestId, outcome: entry.outcome, reported: entry.reported };
  }

  unfinishedRequests(): UnfinishedRequest[] {
    return [...this.unfinished.values()].map((entry) => ({ ...entry }));
  }

  unreported(): DecidedRequest[] {
    return [...this.decided]
      .filter(([, entry]) => !entry.reported)
      .map(([requestId, entry]) => ({ requestId, outcome: entry.outcome, reported: false }));
  }

  apply(line: JournalLine): void {
    switch (line.op) {
      case 'claim': {
        const { op: _op, ...claimed } = line;
        this.decided.delete(line.requestId);
        this.unfinished.set(line.requestId, { ...claimed, reported: 'queued' });
        return;
      }
      case 'release':
        this.unfinished.delete(line.requestId);
        return;
      case 'progress': {
        const entry = this.unfinished.get(line.requestId);
        if (!entry) return;
        if (line.reported !== undefined) entry.reported = line.reported;
        if (line.channel !== undefined) entry.channel = line.channel;
        return;
      }
      case 'decide': {
        this.unfinished.delete(line.requestId);
        const outcome: FinalOutcome =
          line.status === 'failed' ? { status: 'failed', reason: line.reason } : { status: 'completed' };
        this.decided.set(line.requestId, { outcome, expiresAt: line.expiresAt, reported: false });
        return;
      }
      case 'reported': {
        const entry = this.decided.get(line.requestId);
        if (entry) entry.reported = true;
        return;
      }
    }
  }
}

export function parseLine(text: string): JournalLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const line = value as Record<string, unknown>;
  if (typeof line.requestId !== 'string' || line.requestId === '') return undefined;
  const requestId = line.requestId;
  switch (line.op) {
    case 'claim':
      if (
        typeof line.actionId !== 'string' ||
        typeof line.extensionNumber !== 'string' ||
        typeof line.extensionChannel !== 'string' ||
        typeof line.confirm !== 'boolean' ||
        typeof line.ringSeconds !== 'number' ||
        typeof line.expiresAt !== 'string' ||
        typeof line.claimedAt !== 'number'
      ) {
        return undefined;
      }
      return {
        op: 'claim',
        requestId,
        actionId: line.actionId,
        extensionNumber: line.extensionNumber,
        extensionChannel: line.extensionChannel,
        confirm: line.confirm,
        ringSeconds: line.ringSeconds,
        expiresAt: line.expiresAt,
        claimedAt: line.claimedAt,
      };
    case 'release':
      return { op: 'release', requestId };
    case 'progress': {
      const reported =
        typeof line.reported === 'string' && CALL_STATE_SET.has(line.reported)
          ? (line.reported as CallState)
          : undefined;
      const channel = typeof line.channel === 'string' ? line.channel : undefined;
      return {
        op: 'progress',
        requestId,
        ...(reported === undefined ? {} : { reported }),
        ...(channel === undefined ? {} : { channel }),
      };
    }
    case 'decide': {
      if (typeof line.expiresAt !== 'string') return undefined;
      if (line.status === 'completed') {
        return { op: 'decide', requestId, expiresAt: line.expiresAt, status: 'completed' };
      }
      if (
        line.status !== 'failed' ||
        typeof line.reason !== 'string' ||
        !FAILURE_REASON_SET.has(line.reason)
      ) {
        return undefined;
      }
      const reason = line.reason as FailureReason;
      return { op: 'decide', requestId, expiresAt: line.expiresAt, status: 'failed', reason };
    }
    case 'reported':
      return { op: 'reported', requestId };
    default:
      return undefined;
  }
}

/** The journal of a connector run without a state directory (tests, the local stack): forgotten on restart. */
export function createInMemoryJournal(capacity = 10_000): RequestJournal {
  const memory = new JournalMemory();
  const record = async (line: JournalLine): Promise<void> => {
    memory.apply(line);
    // Bounded: the oldest decided ids go first.
    if (memory.decided.size > capacity) {
      const oldest = memory.decided.keys().next();
      if (!oldest.done) memory.decided.delete(oldest.value);
    }
  };
  return {
    state: (requestId) => memory.state(requestId),
    decided: (requestId) => memory.decidedRequest(requestId),
    claim: (request) => record({ op: 'claim', ...request }),
    release: (requestId) => record({ op: 'release', requestId }),
    decide: (requestId, expiresAt, outcome) => record({ op: 'decide', requestId, expiresAt, ...outcome }),
    markReported(requestId) {
      void record({ op: 'reported', requestId });
    },
    progress(requestId, change) {
      void record({ op: 'progress', requestId, ...change });
    },
    unfinished: () => memory.unfinishedRequests(),
    unreported: () => memory.unreported(),
    async close() {},
  };
}
