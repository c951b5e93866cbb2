// Counts the AWS SDK calls of the local stack with SDK middleware, by service and operation, and tells the calls
// an HTTP request made (the public function's own) from the rest (connector, events consumer) by async context.
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

export type AwsService = 'DynamoDB' | 'SQS';
/** `http`: made while serving a request of the stack's HTTP server; `background`: anything else. */
export type CallOrigin = 'http' | 'background';

export interface CallCount {
  readonly origin: CallOrigin;
  readonly service: AwsService;
  /** The SDK command, e.g. `GetItem`, `BatchGetItem`, `SendMessage`. */
  readonly operation: string;
  readonly count: number;
  /** Summed time from the call to its answer (or error), retries included. */
  readonly totalMs: number;
}

const MIDDLEWARE_NAME = 'benchAwsCallCounter';

export class AwsCallCounter {
  readonly #context = new AsyncLocalStorage<CallOrigin>();
  readonly #counts = new Map<string, CallCount>();

  /** Adds the counting middleware; a call counts once, whatever its retries. */
  attach(client: DynamoDBClient | SQSClient): void {
    if (client instanceof DynamoDBClient) {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const startedAt = performance.now();
          try {
            return await next(args);
          } finally {
            this.#count('DynamoDB', context.commandName, performance.now() - startedAt);
          }
        },
        { step: 'initialize', name: MIDDLEWARE_NAME },
      );
    } else {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const startedAt = performance.now();
          try {
            return await next(args);
          } finally {
            this.#count('SQS', context.commandName, performance.now() - startedAt);
          }
        },
        { step: 'initialize', name: MIDDLEWARE_NAME },
      );
    }
  }

  /**
   * Marks everything done while serving a request of the HTTP server on `port` (including the awaits of its handler)
   * as `http`. Node publishes each request on this channel just before the server's request listener runs.
   */
  tagHttpRequests(port: number): () => void {
    const onRequest = (message: unknown) => {
      const socket = (message as { socket?: { localPort?: number } } | undefined)?.socket;
      if (socket?.localPort === port) this.#context.enterWith('http');
    };
    diagnosticsChannel.subscribe('http.server.request.start', onRequest);
    return () => diagnosticsChannel.unsubscribe('http.server.request.start', onRequest);
  }

  reset(): void {
    this.#counts.clear();
  }

  snapshot(): CallCount[] {
    return [...this.#counts.values()];
  }

  #count(service: AwsService, commandName: string | undefined, elapsedMs: number): void {
    const origin = this.#context.getStore() ?? 'background';
    const operation = (commandName ?? 'unknown').replace(/Command$/, '');
    const key = `${origin} ${service} ${operation}`;
    const previous = this.#counts.get(key);
    this.#counts.set(key, {
      origin,
      service,
      operation,
      count: (previous?.count ?? 0) + 1,
      totalMs: (previous?.totalMs ?? 0) + elapsedMs,
    });
  }
}

/**
 * Calls per unit (request, click) of one service and origin, and the same by operation with the mean time of one
 * call, e.g. `GetItem 1 x 4.1 ms, BatchGetItem 1 x 5.0 ms`.
 */
export function callsPer(
  counts: readonly CallCount[],
  service: AwsService,
  origin: CallOrigin,
  units: number,
): { perUnit: number; breakdown: string } {
  const matching = counts
    .filter((count) => count.service === service && count.origin === origin)
    .sort((a, b) => b.count - a.count);
  const total = matching.reduce((sum, count) => sum + count.count, 0);
  const breakdown = matching
    .map(
      (count) =>
        `${count.operation} ${formatRate(count.count / units)} x ${(count.totalMs / count.count).toFixed(1)} ms`,
    )
    .join(', ');
  return { perUnit: units > 0 ? total / units : Number.NaN, breakdown: breakdown || 'none' };
}

function formatRate(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
