// How the connector's SQS calls are going, for /healthz and the metrics; and the retry timing they share.
import type { ConnectorMetrics } from './metrics.ts';

export type SqsOperation = 'receive' | 'delete' | 'change_visibility' | 'send_status' | 'send_presence';

export class SqsHealth {
  consecutiveReceiveErrors = 0;
  lastError: string | undefined;
  lastReceiveAt: number | undefined;

  constructor(private readonly metrics: ConnectorMetrics) {}

  failed(operation: SqsOperation, error: unknown): void {
    this.metrics.sqsErrors.inc({ operation });
    this.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (operation === 'receive') this.consecutiveReceiveErrors++;
  }

  received(atMs: number): void {
    this.consecutiveReceiveErrors = 0;
    this.lastReceiveAt = atMs;
  }
}

export const MAX_BACKOFF_MS = 30_000;

/** Capped exponential backoff with jitter (between half and all of the step). */
export function backoffMs(attempt: number, baseMs: number, maxMs = MAX_BACKOFF_MS): number {
  const stepMs = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(stepMs * (0.5 + Math.random() / 2));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
