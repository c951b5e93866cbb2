// The edge connector's loop: long-polls the site's call-requests queue, originates on Asterisk, reports call.status
// and extension.presence. Exactly once per request id: see request-journal.ts and the README's "Exactly once".
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type FailureReason, isTerminal } from '../../contracts/call-states.ts';
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import {
  type CallCancelled,
  type CallRequested,
  type CallStatus,
  CallStatusSchema,
  type ExtensionPresence,
  ExtensionPresenceSchema,
  type PresenceState,
  parseWireMessage,
  SiteQueueMessageSchema,
  WIRE_VERSION,
} from '../../contracts/messages.ts';
import { AmiInvalidActionError, AmiNotReadyError } from './ami/errors.ts';
import type { AmiClient, AmiConnectionStatus, AmiEvent } from './ami/types.ts';
import { type CallTimingOptions, CallTracker, type StatusUpdate } from './call-tracker.ts';
import {
  type ConnectorConfig,
  DEFAULT_EXTENSION_HINT_CONTEXT,
  DEFAULT_PRESENCE_REFRESH_SECONDS,
} from './config.ts';
import { type ConnectorLogger, createJsonLogger, describeError } from './log.ts';
import { ConnectorMetrics } from './metrics.ts';
import { buildOriginate, type OriginatePlan } from './originate.ts';
import { isOnThePhone, PresenceReporter, presenceFromHintStatus } from './presence.ts';
import { createInMemoryJournal, type FinalOutcome, type RequestJournal } from './request-journal.ts';

/** What the loop needs from the configuration; AMI connection settings belong to whoever builds the AmiClient. */
export type ConnectorRunConfig = Omit<ConnectorConfig, 'ami' | 'operations'>;

export interface ConnectorDeps {
  readonly sqs: SQSClient;
  /** Connected (or connecting) by the caller; the connector only receives while its status is `ready`. */
  readonly ami: AmiClient;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default JSON lines on stderr */
  readonly logger?: ConnectorLogger;
  /**
   * Which requests were dialled, kept across restarts: openFileJournal(stateDir). Calls it holds as unfinished are
   * followed again at start. The caller closes it after stop().
   * @default in memory: exactly once only while the process runs
   */
  readonly journal?: RequestJournal;
}

export interface ConnectorOptions {
  /**
   * Long polls kept open at once, each asking for one message: local-aws-sqs holds a long poll for more than
   * one message until that many arrive, so one poll of ten would hand over a single request 20 s late. When a
   * receive comes back full, its poller takes the backlog with short polls of up to ten messages.
   * @default 4
   */
  readonly concurrentPolls?: number;
  /** @default 20 */
  readonly waitTimeSeconds?: number;
  /**
   * Calls followed at once, counting requests being set up and open long polls; nothing more is received meanwhile.
   * @default 10
   */
  readonly maxConcurrentCalls?: number;
  /**
   * A request whose Originate never reached Asterisk goes back on the queue, visible again after this long.
   * @default 10
   */
  readonly retryVisibilitySeconds?: number;
  /**
   * The call-requests queue's visibility timeout. A message held longer than a third of it (a slow ExtensionState
   * or Originate) gets a heartbeat every third, making it invisible for this long again, so it is not redelivered.
   * @default 60
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * On stop, how long calls in progress may take to report their final status.
   * @default 10000
   */
  readonly stopGraceMs?: number;
  /**
   * First delay between the attempts to send one call.status (it doubles; 5 attempts for a step, a final status
   * is retried until it is sent or the connector stops).
   * @default 200
   */
  readonly statusRetryBaseMs?: number;
  /**
   * After AMI is lost without Asterisk saying Shutdown, how long calls in flight wait for it to come back (and be
   * checked) before they are reported `failed/pbx_unavailable`.
   * @default 30000
   */
  readonly amiLossGraceMs?: number;
  /** At most one extension.presence per extension per this long; the last state wins. @default 1000 */
  readonly presenceIntervalMs?: number;
  /** @default 5000 */
  readonly extensionStateTimeoutMs?: number;
  readonly timing?: CallTimingOptions;
}

export interface StopOptions {
  /**
   * Aborts the waiting long polls instead of letting them end (up to waitTimeSeconds). Faster, but a poll that SQS
   * was about to answer may take a message with it, invisible until its visibility timeout: for tests and the
   * local stack, not for production.
   * @default false
   */
  readonly abortReceives?: boolean;
}

export interface ConnectorHealth {
  readonly ok: boolean;
  readonly stopping: boolean;
  readonly ami: { readonly status: AmiConnectionStatus; readonly lastError?: string };
  readonly sqs: {
    readonly ok: boolean;
    readonly consecutiveReceiveErrors: number;
    readonly lastError?: string;
    readonly lastReceiveAt?: string;
  };
  readonly calls: { readonly inProgress: number; readonly unverified: number; readonly max: number };
}

export interface Connector {
  /**
   * Stops receiving, lets the long polls end (messages they bring are made visible again at once), lets in-flight
   * originations finish, then waits for calls in progress up to `stopGraceMs`. Calls still going on are left in
   * the journal, to be followed again by the next start.
   */
  stop(options?: StopOptions): Promise<void>;
  health(): ConnectorHealth;
  readonly metrics: ConnectorMetrics;
}

const STATUS_STEP_SEND_ATTEMPTS = 5;
const MAX_BACKOFF_MS = 30_000;
const PRESENCE_SEND_ATTEMPTS = 3;
const FINAL_SEND_WAIT_ON_STOP_MS = 2000;
/** The most SQS hands over in one ReceiveMessage. */
const MAX_MESSAGES_PER_RECEIVE = 10;
/** AST_SOFTHANGUP_SHUTDOWN: the `Cause` of the SoftHangupRequest that `core restart|stop now` sends each channel first (f2). */
const SOFT_HANGUP_SHUTDOWN = 4;
/** How long a cancelled id is remembered (requests expire 120 s after they are made, by default). */
const CANCELLED_KEEP_MS = 24 * 3600 * 1000;

/** Asterisk accepted it; refused it; it never left (retry later); or its answer never came (it may be queued). */
type OriginateOutcome = 'accepted' | 'refused' | 'not_sent' | 'unanswered';

/** What the connector keeps about a request while its call is followed. */
interface CallContext {
  readonly log: ConnectorLogger;
  readonly expiresAt: string;
}

/**
 * Starts the loop and returns at once. It never throws after this point: errors are logged and retried with backoff.
 * The caller owns the SQS and AMI clients and the journal (creates, connects and closes them).
 */
export function startConnector(
  config: ConnectorRunConfig,
  deps: ConnectorDeps,
  options: ConnectorOptions = {},
): Connector {
  const { sqs, ami } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger ?? createJsonLogger();
  const journal = deps.journal ?? createInMemoryJournal();
  const hintContext = config.extensionHintContext ?? DEFAULT_EXTENSION_HINT_CONTEXT;
  const concurrentPolls = options.concurrentPolls ?? 4;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const maxConcurrentCalls = options.maxConcurrentCalls ?? 10;
  const retryVisibilitySeconds = options.retryVisibilitySeconds ?? 10;
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 60;
  const heartbeatMs = (visibilityTimeoutSeconds * 1000) / 3;
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  const statusRetryBaseMs = options.statusRetryBaseMs ?? 200;
  const amiLossGraceMs = options.amiLossGraceMs ?? 30_000;
  const extensionStateTimeoutMs = options.extensionStateTimeoutMs ?? 5000;

  const tracker = new CallTracker(options.timing);
  const contexts = new Map<string, CallContext>();
  const metrics = new ConnectorMetrics(() => ({
    callsInProgress: tracker.size,
    amiReady: amiStatus === 'ready',
  }));
  const abortPolls = new AbortController();
  const pendingSends = new Set<Promise<unknown>>();
  const sendChains = new Map<string, Promise<boolean>>();
  let stopping = false;
  /** After the stop grace: sends still retrying give up (the journal keeps their calls for the next start). */
  let givingUp = false;
  let amiStatus: AmiConnectionStatus = ami.status;
  let amiEverReady = amiStatus === 'ready';
  let shutdownAnnounced = false;
  let asteriskBootedAt: number | undefined;
  let amiLossTimer: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;
  let deadlineTimerAt: number | undefined;
  /** Open long polls plus messages being set up: they hold call slots. */
  let reservedSlots = 0;
  let consecutiveReceiveErrors = 0;
  let lastSqsError: string | undefined;
  let lastReceiveAt: number | undefined;

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

  const presence = new PresenceReporter({
    send: sendPresence,
    ...(options.presenceIntervalMs === undefined ? {} : { intervalMs: options.presenceIntervalMs }),
    refreshMs: (config.presenceRefreshSeconds ?? DEFAULT_PRESENCE_REFRESH_SECONDS) * 1000,
    now,
  });
  for (const extension of config.presenceExtensions ?? []) presence.watch(extension);

  function callLog(requestId: string): ConnectorLogger {
    return contexts.get(requestId)?.log ?? log.child({ requestId });
  }

  // --- reporting call.status and extension.presence ----------------------------------------------------------

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

  /** A step is tried a few times; a final status `untilSent` is retried until it is sent or the connector stops. */
  async function sendStatus(
    message: CallStatus,
    requestLog: ConnectorLogger,
    untilSent: boolean,
  ): Promise<boolean> {
    const fields = { status: message.status, reason: message.reason };
    for (let attempt = 1; ; attempt++) {
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: config.callEventsQueueUrl,
            MessageBody: JSON.stringify(message),
          }),
        );
        requestLog.info('call status reported', fields);
        return true;
      } catch (error) {
        metrics.sqsErrors.inc({ operation: 'send_status' });
        lastSqsError = describeSqsError(error);
        const last = untilSent ? givingUp : attempt >= STATUS_STEP_SEND_ATTEMPTS;
        (last ? requestLog.error : requestLog.warn)('sending a call status failed', {
          ...fields,
          attempt,
          ...describeError(error),
        });
        if (last) return false;
        await delay(backoffMs(attempt, statusRetryBaseMs, MAX_BACKOFF_MS));
      }
    }
  }

  /** Queues a status for sending, after the earlier ones of the same request, so they leave in order. */
  function report(update: StatusUpdate, untilSent = false): Promise<boolean> {
    const message = buildStatus(update);
    const checked = CallStatusSchema.safeParse(message);
    if (!checked.success) {
      callLog(update.requestId).error('refusing to send an invalid call status', { status: update.status });
      return Promise.resolve(false);
    }
    const requestLog = callLog(update.requestId);
    const previous = sendChains.get(update.requestId) ?? Promise.resolve(true);
    const sent = previous.then(() => sendStatus(checked.data, requestLog, untilSent));
    sendChains.set(update.requestId, sent);
    track(sent);
    void sent.finally(() => {
      if (sendChains.get(update.requestId) === sent) sendChains.delete(update.requestId);
    });
    return sent;
  }

  /** Counts a request's final status once, when it is decided (not when it is sent again). */
  function countFinal(update: StatusUpdate): void {
    metrics.finalStatuses.inc(
      update.status === 'failed' ? { status: 'failed', reason: update.reason } : { status: update.status },
    );
  }

  /** Sends a decided final status and notes in the journal once the cloud has it. */
  function reportFinal(update: StatusUpdate, untilSent: boolean): Promise<boolean> {
    const sent = report(update, untilSent);
    track(
      sent.then((delivered) => {
        if (delivered) journal.markReported(update.requestId);
      }),
    );
    return sent;
  }

  function track(promise: Promise<unknown>): void {
    pendingSends.add(promise);
    void promise.finally(() => pendingSends.delete(promise));
  }

  /** Reports the tracker's updates, notes them in the journal, and re-arms the safety timer. */
  function apply(updates: readonly StatusUpdate[]): void {
    for (const update of updates) {
      if (!isTerminal(update.status)) {
        journal.progress(update.requestId, { reported: update.status });
        void report(update);
        continue;
      }
      countFinal(update);
      const requestLog = callLog(update.requestId);
      const expiresAt = contexts.get(update.requestId)?.expiresAt ?? new Date(now()).toISOString();
      contexts.delete(update.requestId);
      journal.decide(update.requestId, expiresAt, outcomeOf(update)).catch((error: unknown) => {
        metrics.journalErrors.inc();
        requestLog.error('could not note the outcome of a call in the journal', describeError(error));
      });
      reportFinal(update, true);
    }
    for (const { requestId, channel } of tracker.takeLearnedChannels()) {
      journal.progress(requestId, { channel });
    }
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
        for (const update of updates) {
          callLog(update.requestId).warn('call ended by its safety timer: nothing more came from AMI', {
            status: update.status,
            reason: update.status === 'failed' ? update.reason : undefined,
          });
        }
        apply(updates);
      },
      Math.max(0, deadlineAt - now()),
    );
    deadlineTimer.unref();
  }

  async function sendPresence(extension: string, state: PresenceState): Promise<void> {
    const message: ExtensionPresence = {
      v: WIRE_VERSION,
      type: 'extension.presence',
      siteId: config.siteId,
      extension,
      state,
      at: new Date(now()).toISOString(),
    };
    if (!ExtensionPresenceSchema.safeParse(message).success) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: config.callEventsQueueUrl,
            MessageBody: JSON.stringify(message),
          }),
        );
        metrics.presenceSent.inc();
        log.debug('extension presence reported', { extension, state });
        return;
      } catch (error) {
        metrics.sqsErrors.inc({ operation: 'send_presence' });
        lastSqsError = describeSqsError(error);
        if (attempt >= PRESENCE_SEND_ATTEMPTS) {
          log.warn('sending extension presence failed', { extension, state, ...describeError(error) });
          throw error;
        }
        await delay(backoffMs(attempt, statusRetryBaseMs, MAX_BACKOFF_MS));
      }
    }
  }

  /** Starts reporting an extension's presence the first time a request names it. */
  function watchExtension(extension: string): void {
    if (presence.watch(extension) && amiStatus === 'ready') void refreshPresence([extension]);
  }

  async function refreshPresence(extensions: readonly string[]): Promise<void> {
    for (const extension of extensions) {
      if (amiStatus !== 'ready' || stopping) return;
      try {
        const response = await ami.send(
          { Action: 'ExtensionState', Exten: extension, Context: hintContext },
          { timeoutMs: extensionStateTimeoutMs },
        );
        const state = presenceFromHintStatus(response.fields.status);
        if (state) presence.update(extension, state);
      } catch (error) {
        log.debug('could not read an extension state for presence', { extension, ...describeError(error) });
      }
    }
  }

  // --- AMI -------------------------------------------------------------------------------------------------

  function onAmiEvent(event: AmiEvent): void {
    switch (event.name) {
      case 'Shutdown':
        shutdownAnnounced = true;
        break;
      case 'SoftHangupRequest':
        // Asterisk hangs every channel up before it says Shutdown, and the dialplan's hangup handlers then report
        // ordinary-looking ends (ANSWER, CANCEL): the calls did not end, the PBX ended them.
        if (Number(event.fields.cause) === SOFT_HANGUP_SHUTDOWN) {
          shutdownAnnounced = true;
          endCallsForShutdown();
        }
        break;
      case 'FullyBooted': {
        const uptimeSeconds = Number(event.fields.uptime);
        if (event.fields.uptime !== undefined && Number.isFinite(uptimeSeconds)) {
          asteriskBootedAt = now() - uptimeSeconds * 1000;
        }
        break;
      }
      case 'ExtensionStatus': {
        const extension = event.fields.exten ?? '';
        const state = presenceFromHintStatus(event.fields.status);
        if (state && event.fields.context === hintContext && presence.isWatched(extension)) {
          presence.update(extension, state);
        }
        break;
      }
    }
    apply(tracker.handleEvent(event, now()));
  }

  const stopEvents = ami.onEvent((event) => {
    try {
      onAmiEvent(event);
    } catch (error) {
      log.error('handling an AMI event failed', { event: event.name, ...describeError(error) });
    }
  });

  const stopStatus = ami.onStatus((status) => {
    const previous = amiStatus;
    amiStatus = status;
    if (status === previous) return;
    const lastError = ami.lastError?.message;
    (previous === 'ready' || status === 'closed' ? log.warn : log.info)('AMI connection status changed', {
      from: previous,
      to: status,
      ...(lastError === undefined || status === 'ready' ? {} : { lastError }),
    });
    if (previous === 'ready') amiLost();
    if (status === 'ready') {
      if (amiEverReady) metrics.amiReconnects.inc();
      amiEverReady = true;
      void amiReady();
    }
    notifyChange();
  });

  /** Asterisk is restarting or stopping now: it hangs up every call (f1, f2), so each ends failed/pbx_unavailable. */
  function endCallsForShutdown(): void {
    const updates = tracker.asteriskStopped();
    if (updates.length > 0) {
      log.warn('Asterisk is shutting down during calls: they end as failed/pbx_unavailable', {
        requestIds: updates.filter((u) => isTerminal(u.status)).map((u) => u.requestId),
      });
    }
    apply(updates);
  }

  function amiLost(): void {
    if (shutdownAnnounced) {
      shutdownAnnounced = false;
      endCallsForShutdown();
    } else {
      // A crash (f5) or only the socket: the calls may go on. They are checked when AMI is back.
      tracker.connectionLost();
    }
    asteriskBootedAt = undefined;
    clearTimeout(amiLossTimer);
    amiLossTimer = setTimeout(() => {
      amiLossTimer = undefined;
      if (amiStatus === 'ready') return;
      const updates = tracker.endUnverified();
      if (updates.length > 0) {
        log.warn('AMI stayed away: calls in flight end as failed/pbx_unavailable', {
          requestIds: updates.map((u) => u.requestId),
          graceMs: amiLossGraceMs,
        });
      }
      apply(updates);
      for (const extension of presence.watched()) presence.update(extension, 'unavailable');
    }, amiLossGraceMs);
    amiLossTimer.unref();
  }

  /** AMI is (back) up: settle the calls whose events may have been missed, and refresh presence. */
  async function amiReady(): Promise<void> {
    clearTimeout(amiLossTimer);
    amiLossTimer = undefined;
    if (asteriskBootedAt !== undefined) {
      const updates = tracker.asteriskBootedAt(asteriskBootedAt);
      if (updates.length > 0) {
        log.warn('Asterisk restarted while calls were in flight: they end as failed/pbx_unavailable', {
          requestIds: updates.map((u) => u.requestId),
        });
      }
      apply(updates);
    }
    for (const { requestId, channel } of tracker.callsToVerify()) {
      if (amiStatus !== 'ready') return;
      try {
        const response = await ami.send(
          { Action: 'Getvar', Channel: channel, Variable: 'CALLNOW_REQUEST_ID' },
          { timeoutMs: extensionStateTimeoutMs },
        );
        const alive = response.response === 'Success' && response.fields.value === requestId;
        if (!alive && response.response !== 'Success' && !/no such channel/i.test(response.message ?? '')) {
          callLog(requestId).warn('could not check whether a call is still up', {
            refusal: response.message,
          });
          continue;
        }
        callLog(requestId).info(
          alive ? 'call still up after AMI came back' : 'call ended while AMI was away',
          {
            channel,
          },
        );
        apply(tracker.verified(requestId, alive));
      } catch (error) {
        callLog(requestId).warn('could not check whether a call is still up', describeError(error));
      }
    }
    await refreshPresence(presence.watched());
  }

  // --- SQS -------------------------------------------------------------------------------------------------

  async function deleteMessage(message: Message, requestLog: ConnectorLogger): Promise<void> {
    try {
      await sqs.send(
        new DeleteMessageCommand({
          QueueUrl: config.callRequestsQueueUrl,
          ReceiptHandle: message.ReceiptHandle,
        }),
      );
    } catch (error) {
      metrics.sqsErrors.inc({ operation: 'delete' });
      lastSqsError = describeSqsError(error);
      requestLog.error('deleting a call request failed; it will be received again', describeError(error));
    }
  }

  async function changeVisibility(
    message: Message,
    visibilitySeconds: number,
    requestLog: ConnectorLogger,
  ): Promise<void> {
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: config.callRequestsQueueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: visibilitySeconds,
        }),
      );
    } catch (error) {
      metrics.sqsErrors.inc({ operation: 'change_visibility' });
      lastSqsError = describeSqsError(error);
      requestLog.warn('could not change the visibility of a call request', {
        visibilitySeconds,
        ...describeError(error),
      });
    }
  }

  /** Keeps a message invisible while it is worked on, so SQS does not hand it to anyone else meanwhile. */
  function startHeartbeat(message: Message, requestLog: () => ConnectorLogger): () => void {
    const timer = setInterval(() => {
      requestLog().debug('still setting the call up: extending the request visibility', {
        visibilitySeconds: visibilityTimeoutSeconds,
      });
      void changeVisibility(message, visibilityTimeoutSeconds, requestLog());
    }, heartbeatMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async function handleMessage(message: Message, receivedAt: number): Promise<void> {
    metrics.messagesReceived.inc();
    let requestLog = log.child({ messageId: message.MessageId });
    const stopHeartbeat = startHeartbeat(message, () => requestLog);
    try {
      const receiveCount = Number(message.Attributes?.ApproximateReceiveCount) || 1;
      const parsed = parseWireMessage(SiteQueueMessageSchema, message.Body ?? '');
      if (!parsed.ok) {
        // Not deleted: after a few receives SQS moves it to the dead-letter queue, where someone can look at it.
        metrics.invalidMessages.inc({ reason: 'invalid' });
        requestLog.warn('invalid call request left for the dead-letter queue', {
          receiveCount,
          problem: parsed.problem,
        });
        return;
      }
      if (parsed.message.type === 'call.cancelled') {
        requestLog = log.child({ requestId: parsed.message.requestId });
        if (parsed.message.siteId !== config.siteId) {
          metrics.invalidMessages.inc({ reason: 'other_site' });
          requestLog.error('cancellation for another site left for the dead-letter queue', {
            siteId: parsed.message.siteId,
          });
          return;
        }
        await cancel(parsed.message, message, requestLog);
        return;
      }
      const request = parsed.message;
      requestLog = log.child({
        requestId: request.requestId,
        extension: request.extension.number,
        visitor: maskPhoneNumber(request.visitor.phone),
      });
      if (request.siteId !== config.siteId) {
        metrics.invalidMessages.inc({ reason: 'other_site' });
        requestLog.error('call request for another site left for the dead-letter queue', {
          siteId: request.siteId,
          receiveCount,
        });
        return;
      }
      await setUpCall(request, message, receiveCount, receivedAt, requestLog);
    } finally {
      stopHeartbeat();
    }
  }

  async function setUpCall(
    request: CallRequested,
    message: Message,
    receiveCount: number,
    receivedAt: number,
    requestLog: ConnectorLogger,
  ): Promise<void> {
    watchExtension(request.extension.number);
    const handled = journal.state(request.requestId);
    if (handled !== undefined || tracker.has(request.requestId)) {
      metrics.redeliveriesIgnored.inc();
      requestLog.warn('call request received again after it was handled: not dialling it twice', {
        receiveCount,
        journal: handled ?? 'claimed',
      });
      const decided = journal.decided(request.requestId);
      // Its final status may not have reached the cloud before a crash: send it (again) first.
      if (decided && !decided.reported) {
        const sent = await reportFinal({ requestId: request.requestId, ...decided.outcome }, false);
        if (!sent) return;
      }
      await deleteMessage(message, requestLog);
      return;
    }
    if (await failIfExpired(request, message, requestLog)) return;
    if (stopping || amiStatus !== 'ready') {
      await putBack(message, requestLog, stopping ? 'the connector is stopping' : `AMI is ${amiStatus}`);
      return;
    }
    if (request.notWhileOnPhone) {
      const onThePhone = await checkOnThePhone(request, requestLog);
      if (onThePhone === 'not_ready') {
        await putBack(message, requestLog, 'AMI went away while checking the extension state');
        return;
      }
      if (onThePhone === 'on_the_phone') {
        requestLog.info('the extension is on the phone and asked not to be called then: not dialling');
        await failBeforeDialling(request, message, requestLog, 'extension_busy');
        return;
      }
      if (await failIfExpired(request, message, requestLog)) return;
    }
    if (stopping) {
      await putBack(message, requestLog, 'the connector is stopping');
      return;
    }
    let plan: OriginatePlan;
    try {
      plan = buildOriginate(request, config, receiveCount);
    } catch (error) {
      requestLog.error('cannot build the Originate for this request', describeError(error));
      await failBeforeDialling(request, message, requestLog, 'pbx_unavailable');
      return;
    }
    if (journal.state(request.requestId) !== undefined) {
      requestLog.info('call request cancelled while it was being set up: not dialling');
      await deleteMessage(message, requestLog);
      return;
    }
    const claimedAt = now();
    try {
      await journal.claim({
        requestId: request.requestId,
        actionId: plan.actionId,
        extensionNumber: request.extension.number,
        extensionChannel: plan.extensionChannel,
        confirm: request.confirm,
        ringSeconds: request.ringSeconds,
        expiresAt: request.expiresAt,
        claimedAt,
      });
    } catch (error) {
      // Not dialled: without a record on disk, a crash could let a redelivery dial it a second time.
      metrics.journalErrors.inc();
      requestLog.error('cannot record the request in the journal: not dialling it', describeError(error));
      const failed: StatusUpdate = {
        requestId: request.requestId,
        status: 'failed',
        reason: 'pbx_unavailable',
      };
      countFinal(failed);
      if (await report(failed)) {
        await deleteMessage(message, requestLog);
      }
      return;
    }
    contexts.set(request.requestId, { log: requestLog, expiresAt: request.expiresAt });
    const outcome = await originate(request, plan, claimedAt, requestLog);
    metrics.originates.inc({ outcome });
    if (outcome === 'accepted') metrics.callSetupSeconds.observe((now() - receivedAt) / 1000);
    if (outcome === 'not_sent') {
      await journal.release(request.requestId).catch((error: unknown) => {
        metrics.journalErrors.inc();
        requestLog.error('could not release the request in the journal', describeError(error));
      });
      await changeVisibility(message, retryVisibilitySeconds, requestLog);
    } else {
      await deleteMessage(message, requestLog);
    }
  }

  /**
   * `call.cancelled`: a request not dialled yet never will be (`failed/rejected`, noted in the journal first, so that
   * its call.requested, whenever it comes, is deleted undialled); one already dialled or decided goes on as it is.
   */
  async function cancel(
    cancellation: CallCancelled,
    message: Message,
    requestLog: ConnectorLogger,
  ): Promise<void> {
    const { requestId } = cancellation;
    if (journal.state(requestId) !== undefined || tracker.has(requestId)) {
      requestLog.info('cancellation came after the request was dialled or decided: nothing to cancel');
      const decided = journal.decided(requestId);
      if (decided && !decided.reported) {
        if (!(await reportFinal({ requestId, ...decided.outcome }, false))) return;
      }
      await deleteMessage(message, requestLog);
      return;
    }
    // The request expires at most this long after the cancellation, and is never dialled after that.
    const keepUntil = new Date(Date.parse(cancellation.at) + CANCELLED_KEEP_MS).toISOString();
    await journal
      .decide(requestId, keepUntil, { status: 'failed', reason: 'rejected' })
      .catch((error: unknown) => {
        metrics.journalErrors.inc();
        requestLog.error('could not note the cancellation in the journal', describeError(error));
      });
    requestLog.info('call request cancelled before it was dialled');
    const rejected: StatusUpdate = { requestId, status: 'failed', reason: 'rejected' };
    countFinal(rejected);
    const sent = await reportFinal(rejected, false);
    if (sent) await deleteMessage(message, requestLog);
  }

  /** Reports `failed/expired` (never dialled) when the request's time is up; true when it was. */
  async function failIfExpired(
    request: CallRequested,
    message: Message,
    requestLog: ConnectorLogger,
  ): Promise<boolean> {
    if (Date.parse(request.expiresAt) > now()) return false;
    requestLog.info('call request expired before it was dialled: not dialling', {
      expiresAt: request.expiresAt,
    });
    const expired: StatusUpdate = { requestId: request.requestId, status: 'failed', reason: 'expired' };
    countFinal(expired);
    const sent = await report(expired);
    // Kept on the queue if the status could not be sent, so the visitor still learns the outcome.
    if (sent) await deleteMessage(message, requestLog);
    return true;
  }

  /** Makes a message visible again soon: nothing was dialled for it. */
  async function putBack(message: Message, requestLog: ConnectorLogger, why: string): Promise<void> {
    const visibilitySeconds = stopping ? 0 : retryVisibilitySeconds;
    requestLog.info('call request put back on the queue, not dialled', { why, visibilitySeconds });
    await changeVisibility(message, visibilitySeconds, requestLog);
  }

  /**
   * A decision not to dial: on disk first, so that no redelivery can dial the request later; a redelivery sends
   * the status again if it did not go out.
   */
  async function failBeforeDialling(
    request: CallRequested,
    message: Message,
    requestLog: ConnectorLogger,
    reason: FailureReason,
  ): Promise<void> {
    await journal
      .decide(request.requestId, request.expiresAt, { status: 'failed', reason })
      .catch((error: unknown) => {
        metrics.journalErrors.inc();
        requestLog.error('could not note the decision in the journal', describeError(error));
      });
    const failed: StatusUpdate = { requestId: request.requestId, status: 'failed', reason };
    countFinal(failed);
    const sent = await reportFinal(failed, false);
    if (sent) await deleteMessage(message, requestLog);
  }

  async function checkOnThePhone(
    request: CallRequested,
    requestLog: ConnectorLogger,
  ): Promise<'on_the_phone' | 'free' | 'not_ready'> {
    const extension = request.extension.number;
    let status: string | undefined;
    try {
      const response = await ami.send(
        { Action: 'ExtensionState', Exten: extension, Context: hintContext },
        { timeoutMs: extensionStateTimeoutMs },
      );
      if (response.response !== 'Success') {
        requestLog.error(
          'Asterisk refused ExtensionState, so "not while on the phone" cannot be checked: dialling anyway ' +
            '(the AMI user needs write = originate,reporting)',
          { refusal: response.message },
        );
        return 'free';
      }
      status = response.fields.status;
    } catch (error) {
      if (error instanceof AmiNotReadyError || amiStatus !== 'ready') return 'not_ready';
      requestLog.warn(
        'ExtensionState got no answer: dialling without knowing whether the extension is busy',
        {
          ...describeError(error),
        },
      );
      return 'free';
    }
    const state = presenceFromHintStatus(status);
    if (state) presence.update(extension, state);
    if (status === '-1') {
      requestLog.warn(
        `no hint for extension ${extension} in context ${hintContext}: cannot tell whether it is on the phone ` +
          '(set EXTENSION_HINT_CONTEXT to the context of its hint)',
      );
    }
    return isOnThePhone(status) ? 'on_the_phone' : 'free';
  }

  async function originate(
    request: CallRequested,
    plan: OriginatePlan,
    claimedAt: number,
    requestLog: ConnectorLogger,
  ): Promise<OriginateOutcome> {
    tracker.track(
      {
        requestId: request.requestId,
        actionId: plan.actionId,
        extensionChannel: plan.extensionChannel,
        confirm: request.confirm,
        ringSeconds: request.ringSeconds,
      },
      claimedAt,
    );
    scheduleDeadline();
    requestLog.info('originating call', { actionId: plan.actionId, channel: plan.extensionChannel });
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
        requestLog.warn('the Originate did not reach Asterisk: the request goes back on the queue', {
          ...describeError(error),
        });
        return retryLater(request.requestId);
      }
      if (error instanceof AmiInvalidActionError) {
        requestLog.error(
          'the AMI client refused the Originate; retrying cannot fix it',
          describeError(error),
        );
        apply(tracker.fail(request.requestId, 'pbx_unavailable'));
        return 'refused';
      }
      // A timeout or a dropped connection: Asterisk may have queued it. Never sent again; its events (or its
      // safety timer) tell how it ends.
      requestLog.warn('the Originate got no answer from Asterisk: following the call in case it was queued', {
        ...describeError(error),
      });
      return 'unanswered';
    }
    if (/shutting down/i.test(refusal)) {
      requestLog.warn('Asterisk is shutting down: the request goes back on the queue', { refusal });
      return retryLater(request.requestId);
    }
    requestLog.error('Asterisk refused the Originate', { refusal });
    apply(tracker.fail(request.requestId, 'pbx_unavailable'));
    return 'refused';
  }

  function retryLater(requestId: string): OriginateOutcome {
    tracker.untrack(requestId);
    contexts.delete(requestId);
    scheduleDeadline();
    notifyChange();
    return 'not_sent';
  }

  function freeSlots(): number {
    return maxConcurrentCalls - tracker.size - reservedSlots;
  }

  /**
   * One poller. A long poll asks for one message (local-aws-sqs holds a long poll until it has all it asked for);
   * once a receive comes back full, more are likely waiting, and short polls take up to ten at a time, as many as
   * there are free call slots, until one comes back short. Each message is set up on its own, at once: the poller
   * receives again while earlier ones are still being set up, as long as slots are free.
   */
  async function poll(poller: number): Promise<void> {
    let failures = 0;
    let backlog = false;
    const settingUp = new Set<Promise<void>>();
    while (!stopping) {
      const free = freeSlots();
      if (amiStatus !== 'ready' || free <= 0) {
        await nextChange();
        continue;
      }
      const wanted: number = backlog ? Math.min(MAX_MESSAGES_PER_RECEIVE, free) : 1;
      // Held for every message asked for, so that what comes back always fits; the unused ones are freed after.
      reservedSlots += wanted;
      let received: Message[] = [];
      try {
        const response = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: config.callRequestsQueueUrl,
            MaxNumberOfMessages: wanted,
            WaitTimeSeconds: backlog ? 0 : waitTimeSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            // local-aws-sqs reads only the deprecated name, whose type lists queue attributes; SQS takes this one there too.
            AttributeNames: ['ApproximateReceiveCount' as QueueAttributeName],
          }),
          { abortSignal: abortPolls.signal },
        );
        failures = 0;
        consecutiveReceiveErrors = 0;
        lastReceiveAt = now();
        received = response.Messages ?? [];
      } catch (error) {
        reservedSlots -= wanted;
        backlog = false;
        if (stopping) break;
        failures++;
        consecutiveReceiveErrors++;
        metrics.sqsErrors.inc({ operation: 'receive' });
        lastSqsError = describeSqsError(error);
        const waitMs = backoffMs(failures, 500, MAX_BACKOFF_MS);
        log.warn('receiving call requests failed', {
          poller,
          failures,
          retryInMs: waitMs,
          ...describeError(error),
        });
        await nextChange(waitMs);
        continue;
      }
      reservedSlots -= wanted - received.length;
      backlog = received.length >= wanted;
      const receivedAt = now();
      for (const message of received) {
        const handled = handleMessage(message, receivedAt)
          .catch((error: unknown) => {
            log.error('handling a call request failed', {
              messageId: message.MessageId,
              ...describeError(error),
            });
          })
          .finally(() => {
            reservedSlots -= 1;
            settingUp.delete(handled);
            notifyChange();
          });
        settingUp.add(handled);
      }
      if (received.length < wanted) notifyChange();
    }
    await Promise.allSettled(settingUp);
  }

  // --- start ---------------------------------------------------------------------------------------------

  for (const decided of journal.unreported()) {
    log.child({ requestId: decided.requestId }).info('sending a final status decided before the restart');
    void reportFinal({ requestId: decided.requestId, ...decided.outcome }, true);
  }
  const resumed = journal.unfinished();
  for (const entry of resumed) {
    const requestLog = log.child({ requestId: entry.requestId, extension: entry.extensionNumber });
    tracker.resume(
      {
        requestId: entry.requestId,
        actionId: entry.actionId,
        extensionChannel: entry.extensionChannel,
        confirm: entry.confirm,
        ringSeconds: entry.ringSeconds,
      },
      {
        reported: entry.reported,
        startedAt: entry.claimedAt,
        ...(entry.channel === undefined ? {} : { channel: entry.channel }),
      },
      now(),
    );
    contexts.set(entry.requestId, { log: requestLog, expiresAt: entry.expiresAt });
    presence.watch(entry.extensionNumber);
    requestLog.info('following again a call from before the restart', {
      reported: entry.reported,
      channel: entry.channel,
    });
  }
  scheduleDeadline();
  if (amiStatus === 'ready') void amiReady();

  const pollers = Array.from({ length: concurrentPolls }, (_, index) => poll(index));
  log.info('edge connector started', {
    siteId: config.siteId,
    concurrentPolls,
    maxConcurrentCalls,
    amiStatus,
    resumedCalls: resumed.length,
  });

  let stopped: Promise<void> | undefined;
  async function stopOnce(stopOptions: StopOptions): Promise<void> {
    const graceEndsAt = Date.now() + stopGraceMs;
    stopping = true;
    log.info('stopping: no new requests; calls in progress may report their outcome', {
      callsInProgress: tracker.size,
      graceMs: stopGraceMs,
    });
    if (stopOptions.abortReceives) abortPolls.abort();
    notifyChange();
    await Promise.allSettled(pollers);
    while (tracker.size > 0 && Date.now() < graceEndsAt) await nextChange(graceEndsAt - Date.now());
    if (tracker.size > 0) {
      log.warn('stopped with calls still in progress: the next start follows them again', {
        requestIds: tracker.requestIds(),
      });
    }
    givingUp = true;
    stopEvents();
    stopStatus();
    presence.stop();
    clearTimeout(deadlineTimer);
    clearTimeout(amiLossTimer);
    // A final status still failing waits in its backoff: the journal has it for the next start, so do not wait long.
    await Promise.race([Promise.allSettled([...pendingSends]), delay(FINAL_SEND_WAIT_ON_STOP_MS)]);
    log.info('edge connector stopped');
  }

  return {
    stop(stopOptions = {}) {
      stopped ??= stopOnce(stopOptions);
      return stopped;
    },
    health() {
      const sqsOk = consecutiveReceiveErrors === 0;
      const amiError = ami.lastError?.message;
      return {
        ok: !stopping && amiStatus === 'ready' && sqsOk,
        stopping,
        ami: { status: amiStatus, ...(amiError === undefined ? {} : { lastError: amiError }) },
        sqs: {
          ok: sqsOk,
          consecutiveReceiveErrors,
          ...(lastSqsError === undefined ? {} : { lastError: lastSqsError }),
          ...(lastReceiveAt === undefined ? {} : { lastReceiveAt: new Date(lastReceiveAt).toISOString() }),
        },
        calls: { inProgress: tracker.size, unverified: tracker.unverifiedCount, max: maxConcurrentCalls },
      };
    },
    metrics,
  };
}

function outcomeOf(update: StatusUpdate): FinalOutcome {
  return update.status === 'failed' ? { status: 'failed', reason: update.reason } : { status: 'completed' };
}

/** Capped exponential backoff with jitter (between half and all of the step). */
function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const stepMs = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(stepMs * (0.5 + Math.random() / 2));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function describeSqsError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
