// The edge connector's loop: long-polls the site's call-requests queue, originates on Asterisk, reports call.status.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { FailureReason } from '../../contracts/call-states.ts';
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import {
  type CallRequested,
  CallRequestedSchema,
  type CallStatus,
  CallStatusSchema,
  parseWireMessage,
  WIRE_VERSION,
} from '../../contracts/messages.ts';
import { AmiInvalidActionError, AmiNotReadyError } from './ami/errors.ts';
import type { AmiClient, AmiConnectionStatus } from './ami/types.ts';
import { type CallTimingOptions, CallTracker, type StatusUpdate } from './call-tracker.ts';
import type { ConnectorConfig } from './config.ts';
import { createInMemoryHandledRequests, type HandledRequests } from './handled-requests.ts';
import { type ConnectorLogger, createJsonLogger, describeError, type LogFields } from './log.ts';
import { buildOriginate, type OriginatePlan } from './originate.ts';

/** What the loop needs from the configuration; AMI connection settings belong to whoever builds the AmiClient. */
export type ConnectorRunConfig = Omit<ConnectorConfig, 'ami'>;

export interface ConnectorDeps {
  readonly sqs: SQSClient;
  /** Connected (or connecting) by the caller; the connector only receives while its status is `ready`. */
  readonly ami: AmiClient;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default JSON lines on stderr */
  readonly logger?: ConnectorLogger;
  /** @default in memory, forgotten on restart */
  readonly handledRequests?: HandledRequests;
}

export interface ConnectorOptions {
  /**
   * Long polls kept open at once, each asking for one message: local-aws-sqs holds a long poll for more than
   * one message until that many arrive, so one poll of ten would hand over a single request 20 s late.
   * @default 4
   */
  readonly concurrentPolls?: number;
  /** @default 20 */
  readonly waitTimeSeconds?: number;
  /**
   * Calls followed at once; no message is received while this many are in progress.
   * @default 10
   */
  readonly maxConcurrentCalls?: number;
  /**
   * A request whose Originate never reached Asterisk goes back on the queue, visible again after this long.
   * @default 10
   */
  readonly retryVisibilitySeconds?: number;
  /**
   * On stop, how long calls in progress may take to report their final status.
   * @default 10000
   */
  readonly stopGraceMs?: number;
  /**
   * First delay between the attempts to send one call.status (it doubles, 5 attempts in all).
   * @default 200
   */
  readonly statusRetryBaseMs?: number;
  readonly timing?: CallTimingOptions;
}

export interface Connector {
  /** Stops receiving (aborting waiting long polls), lets in-flight originations finish, then waits for calls in progress up to `stopGraceMs`. */
  stop(): Promise<void>;
}

const STATUS_SEND_ATTEMPTS = 5;
const MAX_BACKOFF_MS = 30_000;

/** The Originate reached Asterisk, or may have: never send it again. */
type OriginateOutcome = 'accepted' | 'refused' | 'not_sent';

/**
 * Starts the loop and returns at once. It never throws after this point: errors are logged and retried with backoff.
 * The caller owns the SQS and AMI clients (creates, connects and closes them).
 */
export function startConnector(
  config: ConnectorRunConfig,
  deps: ConnectorDeps,
  options: ConnectorOptions = {},
): Connector {
  const { sqs, ami } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger ?? createJsonLogger();
  const handled = deps.handledRequests ?? createInMemoryHandledRequests();
  const concurrentPolls = options.concurrentPolls ?? 4;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const maxConcurrentCalls = options.maxConcurrentCalls ?? 10;
  const retryVisibilitySeconds = options.retryVisibilitySeconds ?? 10;
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  const statusRetryBaseMs = options.statusRetryBaseMs ?? 200;

  const tracker = new CallTracker(options.timing);
  const abortPolls = new AbortController();
  const pendingSends = new Set<Promise<unknown>>();
  const sendChains = new Map<string, Promise<boolean>>();
  let stopping = false;
  let amiStatus: AmiConnectionStatus = ami.status;
  let deadlineTimer: NodeJS.Timeout | undefined;
  let deadlineTimerAt: number | undefined;

  // Whoever waits for a condition (AMI ready, a free call slot, stop) parks here and re-checks on every change.
  let wakeWaiters: Array<() => void> = [];
  const notifyChange = (): void => {
    const waiters = wakeWaiters;
    wakeWaiters = [];
    for (const wake of waiters) wake();
  };
  const nextChange = (timeoutMs?: number): Promise<void> =>
    new Promise((resolve) => {
      wakeWaiters.push(resolve);
      if (timeoutMs !== undefined) setTimeout(resolve, timeoutMs).unref();
    });

  // --- reporting call.status -------------------------------------------------------------------------------

  function buildStatus(update: StatusUpdate): CallStatus {
    return {
      v: WIRE_VERSION,
      type: 'call.status',
      requestId: update.requestId,
      siteId: config.siteId,
      status: update.status,
      ...(update.status === 'failed' ? { reason: update.reason } : {}),
      at: new Date(now()).toISOString(),
    };
  }

  async function sendStatus(message: CallStatus): Promise<boolean> {
    const fields = { requestId: message.requestId, status: message.status, reason: message.reason };
    for (let attempt = 1; attempt <= STATUS_SEND_ATTEMPTS; attempt++) {
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: config.callEventsQueueUrl,
            MessageBody: JSON.stringify(message),
          }),
        );
        log.info('call status reported', fields);
        return true;
      } catch (error) {
        const last = attempt === STATUS_SEND_ATTEMPTS;
        (last ? log.error : log.warn)('sending a call status failed', {
          ...fields,
          attempt,
          ...describeError(error),
        });
        if (!last) await delay(backoffMs(attempt, statusRetryBaseMs, 5000));
      }
    }
    return false;
  }

  /** Queues a status for sending, after the earlier ones of the same request, so they leave in order. */
  function report(update: StatusUpdate): Promise<boolean> {
    const message = buildStatus(update);
    const checked = CallStatusSchema.safeParse(message);
    if (!checked.success) {
      log.error('refusing to send an invalid call status', {
        requestId: update.requestId,
        status: update.status,
      });
      return Promise.resolve(false);
    }
    const previous = sendChains.get(update.requestId) ?? Promise.resolve(true);
    const sent = previous.then(() => sendStatus(checked.data));
    sendChains.set(update.requestId, sent);
    pendingSends.add(sent);
    void sent.finally(() => {
      pendingSends.delete(sent);
      if (sendChains.get(update.requestId) === sent) sendChains.delete(update.requestId);
    });
    return sent;
  }

  /** Sends the tracker's updates and re-arms the safety timer (any event may have moved a call's deadline). */
  function apply(updates: readonly StatusUpdate[]): void {
    for (const update of updates) void report(update);
    scheduleDeadline();
    if (updates.length > 0) notifyChange();
  }

  function scheduleDeadline(): void {
    const deadlineAt = tracker.nextDeadlineAt();
    if (deadlineAt === deadlineTimerAt) return;
    clearTimeout(deadlineTimer);
    deadlineTimer = undefined;
    deadlineTimerAt = deadlineAt;
    if (deadlineAt === undefined) return;
    deadlineTimer = setTimeout(
      () => {
        deadlineTimer = undefined;
        deadlineTimerAt = undefined;
        const updates = tracker.expireDue(now());
        for (const update of updates)
          log.warn('call ended by its safety timer: nothing more came from AMI', update);
        apply(updates);
      },
      Math.max(0, deadlineAt - now()),
    );
    deadlineTimer.unref();
  }

  // --- AMI -------------------------------------------------------------------------------------------------

  const stopEvents = ami.onEvent((event) => {
    try {
      apply(tracker.handleEvent(event, now()));
    } catch (error) {
      log.error('handling an AMI event failed', { event: event.name, ...describeError(error) });
    }
  });

  const stopStatus = ami.onStatus((status) => {
    const previous = amiStatus;
    amiStatus = status;
    if (status === previous) return;
    (previous === 'ready' ? log.warn : log.info)('AMI connection status changed', {
      from: previous,
      to: status,
    });
    if (previous === 'ready') {
      const updates = tracker.connectionLost();
      if (updates.length > 0) {
        log.warn('AMI connection lost during calls: ending them', {
          requestIds: updates.map((u) => u.requestId),
        });
      }
      apply(updates);
    }
    notifyChange();
  });

  // --- SQS -------------------------------------------------------------------------------------------------

  async function deleteMessage(message: Message, fields: LogFields): Promise<void> {
    try {
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: config.callRequestsQueueUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
    } catch (error) {
      log.error('deleting a call request failed; it will be received again', {
        ...fields,
        ...describeError(error),
      });
    }
  }

  async function releaseForRetry(message: Message, fields: LogFields): Promise<void> {
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: config.callRequestsQueueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: retryVisibilitySeconds,
        }),
      );
    } catch (error) {
      log.warn('could not shorten the visibility of a call request to retry', {
        ...fields,
        ...describeError(error),
      });
    }
  }

  async function handleMessage(message: Message): Promise<void> {
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount) || 1;
    const parsed = parseWireMessage(CallRequestedSchema, message.Body ?? '');
    if (!parsed.ok) {
      // Not deleted: after a few receives SQS moves it to the dead-letter queue, where someone can look at it.
      log.warn('invalid call request left for the dead-letter queue', {
        messageId: message.MessageId,
        receiveCount,
        problem: parsed.problem,
      });
      return;
    }
    const request = parsed.message;
    const fields = {
      requestId: request.requestId,
      extension: request.extension.number,
      visitor: maskPhoneNumber(request.visitor.phone),
      receiveCount,
    };
    if (request.siteId !== config.siteId) {
      log.error('call request for another site left for the dead-letter queue', {
        ...fields,
        siteId: request.siteId,
      });
      return;
    }
    if (handled.has(request.requestId) || tracker.has(request.requestId)) {
      log.warn('call request received again after it was originated: not dialling it twice', fields);
      await deleteMessage(message, fields);
      return;
    }
    if (Date.parse(request.expiresAt) <= now()) {
      log.info('call request expired before it was picked up: not dialling', {
        ...fields,
        expiresAt: request.expiresAt,
      });
      const sent = await report({ requestId: request.requestId, status: 'failed', reason: 'expired' });
      // Kept on the queue if the status could not be sent, so the visitor still learns the outcome.
      if (sent) await deleteMessage(message, fields);
      return;
    }
    let plan: OriginatePlan;
    try {
      plan = buildOriginate(request, config, receiveCount);
    } catch (error) {
      log.error('cannot build the Originate for this request', { ...fields, ...describeError(error) });
      await failBeforeDialling(request, message, fields, 'pbx_unavailable');
      return;
    }
    const outcome = await originate(request, plan, fields);
    if (outcome === 'not_sent') await releaseForRetry(message, fields);
    else await deleteMessage(message, fields);
  }

  async function failBeforeDialling(
    request: CallRequested,
    message: Message,
    fields: LogFields,
    reason: FailureReason,
  ): Promise<void> {
    handled.add(request.requestId);
    await report({ requestId: request.requestId, status: 'failed', reason });
    await deleteMessage(message, fields);
  }

  async function originate(
    request: CallRequested,
    plan: OriginatePlan,
    fields: LogFields,
  ): Promise<OriginateOutcome> {
    tracker.track(
      {
        requestId: request.requestId,
        actionId: plan.actionId,
        extensionChannel: plan.extensionChannel,
        confirm: request.confirm,
        ringSeconds: request.ringSeconds,
      },
      now(),
    );
    handled.add(request.requestId);
    scheduleDeadline();
    log.info('originating call', { ...fields, actionId: plan.actionId, channel: plan.extensionChannel });
    let refusal: string;
    try {
      const response = await ami.send(plan.action, { actionId: plan.actionId });
      if (response.response === 'Success') {
        apply(tracker.originateAccepted(request.requestId, now()));
        return 'accepted';
      }
      refusal = response.message ?? response.response;
    } catch (error) {
      if (error instanceof AmiNotReadyError) {
        // Nothing was written, so sending it again later cannot make a second call.
        log.warn('the Originate did not reach Asterisk: the request goes back on the queue', {
          ...fields,
          ...describeError(error),
        });
        return retryLater(request.requestId);
      }
      if (error instanceof AmiInvalidActionError) {
        log.error('the AMI client refused the Originate; retrying cannot fix it', {
          ...fields,
          ...describeError(error),
        });
      } else {
        // A timeout or a dropped connection: it may have reached Asterisk, and a failure is better than a second call.
        log.error('the Originate got no answer from Asterisk', { ...fields, ...describeError(error) });
      }
      apply(tracker.fail(request.requestId, 'pbx_unavailable'));
      return 'refused';
    }
    if (/shutting down/i.test(refusal)) {
      log.warn('Asterisk is shutting down: the request goes back on the queue', { ...fields, refusal });
      return retryLater(request.requestId);
    }
    log.error('Asterisk refused the Originate', { ...fields, refusal });
    apply(tracker.fail(request.requestId, 'pbx_unavailable'));
    return 'refused';
  }

  function retryLater(requestId: string): OriginateOutcome {
    tracker.untrack(requestId);
    handled.forget(requestId);
    scheduleDeadline();
    notifyChange();
    return 'not_sent';
  }

  async function poll(poller: number): Promise<void> {
    let failures = 0;
    while (!stopping) {
      if (amiStatus !== 'ready' || tracker.size >= maxConcurrentCalls) {
        await nextChange();
        continue;
      }
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: config.callRequestsQueueUrl,
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            // local-aws-sqs reads only the deprecated name, whose type lists queue attributes; SQS takes this one there too.
            AttributeNames: ['ApproximateReceiveCount' as QueueAttributeName],
          }),
          { abortSignal: abortPolls.signal },
        );
        failures = 0;
        for (const message of received.Messages ?? []) {
          try {
            await handleMessage(message);
          } catch (error) {
            log.error('handling a call request failed', {
              messageId: message.MessageId,
              ...describeError(error),
            });
          }
        }
      } catch (error) {
        if (stopping) break;
        failures++;
        const waitMs = backoffMs(failures, 500, MAX_BACKOFF_MS);
        log.warn('receiving call requests failed', {
          poller,
          failures,
          retryInMs: waitMs,
          ...describeError(error),
        });
        await nextChange(waitMs);
      }
    }
  }

  const pollers = Array.from({ length: concurrentPolls }, (_, index) => poll(index));
  log.info('edge connector started', { siteId: config.siteId, concurrentPolls, amiStatus });

  let stopped: Promise<void> | undefined;
  async function stopOnce(): Promise<void> {
    stopping = true;
    abortPolls.abort();
    notifyChange();
    await Promise.allSettled(pollers);
    const graceEndsAt = Date.now() + stopGraceMs;
    while (tracker.size > 0 && Date.now() < graceEndsAt) await nextChange(graceEndsAt - Date.now());
    if (tracker.size > 0) {
      log.warn('stopped with calls still in progress: their final status will not be reported', {
        requestIds: tracker.requestIds(),
      });
    }
    stopEvents();
    stopStatus();
    clearTimeout(deadlineTimer);
    await Promise.allSettled([...pendingSends]);
    log.info('edge connector stopped');
  }

  return {
    stop() {
      stopped ??= stopOnce();
      return stopped;
    },
  };
}

/** Capped exponential backoff with jitter (between half and all of the step). */
function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const stepMs = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(stepMs * (0.5 + Math.random() / 2));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
