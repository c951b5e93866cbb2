// What the cloud learns from this PBX, sent to the call-events queue: each request's call.status, in order and
// retried (a final status until it is sent or the connector stops), and extension.presence.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  type CallStatus,
  CallStatusSchema,
  type ExtensionPresence,
  ExtensionPresenceSchema,
  type PresenceState,
  WIRE_VERSION,
} from '../../contracts/messages.ts';
import type { StatusUpdate } from './call-phases.ts';
import { type ConnectorLogger, describeError } from './log.ts';
import type { ConnectorMetrics } from './metrics.ts';
import type { RequestJournal } from './request-journal.ts';
import { backoffMs, delay, type SqsHealth } from './sqs-health.ts';

const STATUS_STEP_SEND_ATTEMPTS = 5;
const PRESENCE_SEND_ATTEMPTS = 3;

export interface EventsReporterDeps {
  readonly sqs: SQSClient;
  readonly callEventsQueueUrl: string;
  readonly siteId: string;
  readonly now: () => number;
  readonly log: ConnectorLogger;
  readonly metrics: ConnectorMetrics;
  readonly health: SqsHealth;
  readonly journal: RequestJournal;
  /** First delay between attempts; it doubles. */
  readonly retryBaseMs: number;
}

export class EventsReporter {
  readonly #chains = new Map<string, Promise<boolean>>();
  readonly #pending = new Set<Promise<unknown>>();
  /** After the stop grace: sends still retrying give up (the journal keeps their calls for the next start). */
  #givingUp = false;

  constructor(private readonly deps: EventsReporterDeps) {}

  /** Queues a status after the earlier ones of the same request, so they leave in order. */
  report(update: StatusUpdate, requestLog: ConnectorLogger, untilSent = false): Promise<boolean> {
    const checked = CallStatusSchema.safeParse(this.statusOf(update));
    if (!checked.success) {
      requestLog.error('refusing to send an invalid call status', { status: update.status });
      return Promise.resolve(false);
    }
    const previous = this.#chains.get(update.requestId) ?? Promise.resolve(true);
    const sent = previous.then(() => this.sendStatus(checked.data, requestLog, untilSent));
    this.#chains.set(update.requestId, sent);
    this.track(sent);
    void sent.finally(() => {
      if (this.#chains.get(update.requestId) === sent) this.#chains.delete(update.requestId);
    });
    return sent;
  }

  /** Sends a decided final status, and notes in the journal once the cloud has it. */
  reportFinal(update: StatusUpdate, requestLog: ConnectorLogger, untilSent: boolean): Promise<boolean> {
    const sent = this.report(update, requestLog, untilSent);
    this.track(
      sent.then((delivered) => {
        if (delivered) this.deps.journal.markReported(update.requestId);
      }),
    );
    return sent;
  }

  async sendPresence(extension: string, state: PresenceState): Promise<void> {
    const { metrics, health, log } = this.deps;
    const message: ExtensionPresence = {
      v: WIRE_VERSION,
      type: 'extension.presence',
      siteId: this.deps.siteId,
      extension,
      state,
      at: new Date(this.deps.now()).toISOString(),
    };
    if (!ExtensionPresenceSchema.safeParse(message).success) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(message);
        metrics.presenceSent.inc();
        log.debug('extension presence reported', { extension, state });
        return;
      } catch (error) {
        health.failed('send_presence', error);
        if (attempt >= PRESENCE_SEND_ATTEMPTS) {
          log.warn('sending extension presence failed', { extension, state, ...describeError(error) });
          throw error;
        }
        await delay(backoffMs(attempt, this.deps.retryBaseMs));
      }
    }
  }

  /** From now on, a send that fails is not tried again. */
  giveUp(): void {
    this.#givingUp = true;
  }

  /** Waits for the sends in flight, at most `maxWaitMs`. */
  async settle(maxWaitMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#pending]), delay(maxWaitMs)]);
  }

  private statusOf(update: StatusUpdate): CallStatus {
    return {
      v: WIRE_VERSION,
      type: 'call.status',
      requestId: update.requestId,
      siteId: this.deps.siteId,
      status: update.status,
      ...(update.status === 'failed' ? { reason: update.reason } : {}),
      at: new Date(this.deps.now()).toISOString(),
    };
  }

  /** A step is tried a few times; a final status `untilSent` is retried until it is sent or the connector stops. */
  private async sendStatus(
    message: CallStatus,
    requestLog: ConnectorLogger,
    untilSent: boolean,
  ): Promise<boolean> {
    const fields = { status: message.status, reason: message.reason };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(message);
        requestLog.info('call status reported', fields);
        return true;
      } catch (error) {
        this.deps.health.failed('send_status', error);
        const last = untilSent ? this.#givingUp : attempt >= STATUS_STEP_SEND_ATTEMPTS;
        (last ? requestLog.error : requestLog.warn)('sending a call status failed', {
          ...fields,
          attempt,
          ...describeError(error),
        });
        if (last) return false;
        await delay(backoffMs(attempt, this.deps.retryBaseMs));
      }
    }
  }

  private async send(message: CallStatus | ExtensionPresence): Promise<void> {
    await this.deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deps.callEventsQueueUrl,
        MessageBody: JSON.stringify(message),
      }),
    );
  }

  private track(promise: Promise<unknown>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }
}
