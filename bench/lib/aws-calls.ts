// Counts the AWS SDK calls of the local stack with SDK middleware, by service and operation, and tells the calls
// an HTTP request made (the public function's own) from the rest (connector, events consumer) by async context.
// For each HTTP request it also keeps when its DynamoDB calls started and ended, to count the round trips it made
// one after the other; and it counts the messages sent to the call-events queue by type.
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

/** One HTTP request the stack served: its route as the client asked for it, and its DynamoDB calls. */
export interface RequestTrace {
  readonly method: string;
  readonly path: string;
  readonly dynamoCalls: { readonly startedAt: number; readonly endedAt: number }[];
}

const MIDDLEWARE_NAME = 'benchAwsCallCounter';

export class AwsCallCounter {
  readonly #context = new AsyncLocalStorage<RequestTrace>();
  readonly #counts = new Map<string, CallCount>();
  readonly #traces: RequestTrace[] = [];
  readonly #eventMessages = new Map<string, number>();

  /** Adds the counting middleware; a call counts once, whatever its retries. */
  attach(client: DynamoDBClient | SQSClient): void {
    if (client instanceof DynamoDBClient) {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const startedAt = performance.now();
          try {
            return await next(args);
          } finally {
            const endedAt = performance.now();
            this.#context.getStore()?.dynamoCalls.push({ startedAt, endedAt });
            this.#count('DynamoDB', context.commandName, endedAt - startedAt);
          }
        },
        { step: 'initialize', name: MIDDLEWARE_NAME },
      );
    } else {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          this.#noteEventMessages(context.commandName, args.input as Record<string, unknown>);
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
      const { socket, request } = (message ?? {}) as {
        socket?: { localPort?: number };
        request?: { method?: string; url?: string };
      };
      if (socket?.localPort !== port) return;
      const trace = { method: request?.method ?? '', path: request?.url ?? '', dynamoCalls: [] };
      this.#traces.push(trace);
      this.#context.enterWith(trace);
    };
    diagnosticsChannel.subscribe('http.server.request.start', onRequest);
    return () => diagnosticsChannel.unsubscribe('http.server.request.start', onRequest);
  }

  reset(): void {
    this.#counts.clear();
    this.#traces.length = 0;
    this.#eventMessages.clear();
  }

  snapshot(): CallCount[] {
    return [...this.#counts.values()];
  }

  /** The HTTP requests served since the last reset whose method and path match. */
  traces(method: string, path: RegExp): RequestTrace[] {
    return this.#traces.filter((trace) => trace.method === method && path.test(trace.path));
  }

  /** Messages sent to the call-events queue since the last reset, by `type` (`call.status`, `extension.presence`). */
  eventMessages(type: string): number {
    return this.#eventMessages.get(type) ?? 0;
  }

  #noteEventMessages(commandName: string | undefined, input: Record<string, unknown>): void {
    if (!String(input.QueueUrl ?? '').includes('call-events')) return;
    const bodies =
      commandName === 'SendMessageBatchCommand'
        ? ((input.Entries ?? []) as { MessageBody?: string }[]).map((entry) => entry.MessageBody)
        : commandName === 'SendMessageCommand'
          ? [input.MessageBody as string | undefined]
          : [];
    for (const body of bodies) {
      let type = 'unreadable';
      try {
        type = String((JSON.parse(body ?? '') as { type?: unknown }).type);
      } catch {}
      this.#eventMessages.set(type, (this.#eventMessages.get(type) ?? 0) + 1);
    }
  }

  #count(service: AwsService, commandName: string | undefined, elapsedMs: number): void {
    const origin = this.#context.getStore() ? 'http' : 'background';
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
 * How many DynamoDB round trips a request made one after the other: the longest chain of its calls in which each
 * starts after the one before it ended. Calls sent together (a wave) count once.
 */
export function sequentialRoundTrips(trace: RequestTrace): number {
  const calls = [...trace.dynamoCalls].sort((a, b) => a.startedAt - b.startedAt);
  const depths: number[] = [];
  calls.forEach((call, index) => {
    let before = 0;
    for (let earlier = 0; earlier < index; earlier++) {
      const previous = calls[earlier];
      if (previous && previous.endedAt <= call.startedAt) before = Math.max(before, depths[earlier] ?? 0);
    }
    depths.push(before + 1);
  });
  return Math.max(0, ...depths);
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
