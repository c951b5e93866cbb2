// What the benchmark and its load-generator process say to each other over IPC.

export interface LoadJob {
  readonly kind: 'load';
  readonly id: number;
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly body?: string;
  /**
   * Instead of `body`: every client is a visitor of its own, on a loopback address of its own, and every request
   * asks to be called on a number of its own, as real visitors do (one page, one address and one number would only
   * measure the limits and the duplicate check).
   */
  readonly asVisitors?: boolean;
  /** Clients, each sending its next request as soon as its previous one is answered (closed loop). */
  readonly concurrency: number;
  /** No new request after this many... */
  readonly maxRequests: number;
  /** ...or after this long. */
  readonly durationMs: number;
  readonly requestTimeoutMs: number;
}

export interface LoadReport {
  readonly kind: 'load-report';
  readonly id: number;
  readonly ttfbMs: readonly number[];
  readonly totalMs: readonly number[];
  /** Answers by HTTP status, e.g. `{ "200": 812 }`; `error` counts requests that got no answer. */
  readonly statuses: Readonly<Record<string, number>>;
  /** From the first request sent to the last answer received. */
  readonly elapsedMs: number;
}

export function isLoadReport(message: unknown, id: number): message is LoadReport {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { kind?: unknown }).kind === 'load-report' &&
    (message as { id?: unknown }).id === id
  );
}

export function isLoadJob(message: unknown): message is LoadJob {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === 'load';
}
