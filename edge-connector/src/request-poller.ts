// Takes call requests off the site's queue as fast as calls can be set up, and no faster. A poller keeps a long
// poll open for one message (local-aws-sqs holds a long poll until it has all it asked for); once a receive comes
// back full, more are likely waiting, and short polls take up to ten at a time, as many as there are free call
// slots, until one comes back short. Each message is set up on its own, at once: the poller receives again while
// earlier ones are still being set up, as long as slots are free.
import type { Message } from '@aws-sdk/client-sqs';
import type { AmiSupervisor } from './ami-supervisor.ts';
import type { CallBook } from './call-book.ts';
import type { CallRequestsQueue } from './call-requests-queue.ts';
import type { CallSetup } from './call-setup.ts';
import type { ChangeSignal } from './change-signal.ts';
import { type ConnectorLogger, describeError } from './log.ts';
import { backoffMs, type SqsHealth } from './sqs-health.ts';

/** The most SQS hands over in one ReceiveMessage. */
const MAX_MESSAGES_PER_RECEIVE = 10;

export interface RequestPollerDeps {
  readonly queue: CallRequestsQueue;
  readonly setup: CallSetup;
  readonly supervisor: AmiSupervisor;
  readonly book: CallBook;
  readonly health: SqsHealth;
  readonly changes: ChangeSignal;
  readonly log: ConnectorLogger;
  readonly now: () => number;
  readonly waitTimeSeconds: number;
  /** Calls followed at once, counting requests being set up and open long polls. */
  readonly maxConcurrentCalls: number;
  readonly isStopping: () => boolean;
}

export class RequestPoller {
  /** Open long polls plus messages being set up: they hold call slots. */
  #reservedSlots = 0;
  readonly #abort = new AbortController();

  constructor(private readonly deps: RequestPollerDeps) {}

  /** Runs until the connector stops; resolves once the messages it took are set up. */
  async run(poller: number): Promise<void> {
    const { queue, supervisor, health, changes, log, now, isStopping } = this.deps;
    let failures = 0;
    let backlog = false;
    const settingUp = new Set<Promise<void>>();
    while (!isStopping()) {
      const free = this.freeSlots();
      if (!supervisor.ready || free <= 0) {
        await changes.next();
        continue;
      }
      const wanted: number = backlog ? Math.min(MAX_MESSAGES_PER_RECEIVE, free) : 1;
      // Held for every message asked for, so that what comes back always fits; the unused ones are freed after.
      this.#reservedSlots += wanted;
      let received: Message[];
      try {
        received = await queue.receive(wanted, backlog ? 0 : this.deps.waitTimeSeconds, this.#abort.signal);
        failures = 0;
      } catch (error) {
        this.#reservedSlots -= wanted;
        backlog = false;
        if (isStopping()) break;
        failures++;
        health.failed('receive', error);
        const waitMs = backoffMs(failures, 500);
        log.warn('receiving call requests failed', {
          poller,
          failures,
          retryInMs: waitMs,
          ...describeError(error),
        });
        await changes.next(waitMs);
        continue;
      }
      this.#reservedSlots -= wanted - received.length;
      backlog = received.length >= wanted;
      const receivedAt = now();
      for (const message of received) settingUp.add(this.setUp(message, receivedAt, settingUp));
      if (received.length < wanted) changes.notify();
    }
    await Promise.allSettled(settingUp);
  }

  /** Aborts the long polls waiting now (see StopOptions.abortReceives). */
  abortReceives(): void {
    this.#abort.abort();
  }

  private freeSlots(): number {
    return this.deps.maxConcurrentCalls - this.deps.book.tracker.size - this.#reservedSlots;
  }

  private setUp(message: Message, receivedAt: number, settingUp: Set<Promise<void>>): Promise<void> {
    const handled: Promise<void> = this.deps.setup
      .handle(message, receivedAt)
      .catch((error: unknown) => {
        this.deps.log.error('handling a call request failed', {
          messageId: message.MessageId,
          ...describeError(error),
        });
      })
      .finally(() => {
        this.#reservedSlots -= 1;
        settingUp.delete(handled);
        this.deps.changes.notify();
      });
    return handled;
  }
}
