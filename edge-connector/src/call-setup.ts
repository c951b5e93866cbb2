// From a received message to a call: parse it, never dial a request twice or late, check the owner is free when
// asked, claim the request in the journal, originate, and follow the call. A request that is not dialled ends
// with a status the visitor sees; a message is deleted only once its outcome reached the cloud.
import type { Message } from '@aws-sdk/client-sqs';
import type { FailureReason } from '../../contracts/call-states.ts';
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import {
  type CallCancelled,
  type CallRequested,
  parseWireMessage,
  SiteQueueMessageSchema,
} from '../../contracts/messages.ts';
import { AmiInvalidActionError, AmiNotReadyError } from './ami/errors.ts';
import type { AmiClient } from './ami/types.ts';
import type { AmiSupervisor } from './ami-supervisor.ts';
import type { CallBook } from './call-book.ts';
import type { StatusUpdate } from './call-phases.ts';
import type { CallRequestsQueue } from './call-requests-queue.ts';
import type { ChangeSignal } from './change-signal.ts';
import type { ConnectorRunConfig } from './connector-options.ts';
import type { EventsReporter } from './events-reporter.ts';
import { type ConnectorLogger, describeError } from './log.ts';
import type { ConnectorMetrics } from './metrics.ts';
import { buildOriginate, type OriginatePlan } from './originate.ts';
import type { RequestJournal } from './request-journal.ts';

/** How long a cancelled id is remembered (requests expire 120 s after they are made, by default). */
const CANCELLED_KEEP_MS = 24 * 3600 * 1000;

/** Asterisk accepted it; refused it; it never left (retry later); or its answer never came (it may be queued). */
type OriginateOutcome = 'accepted' | 'refused' | 'not_sent' | 'unanswered';

export interface CallSetupDeps {
  readonly config: ConnectorRunConfig;
  readonly ami: AmiClient;
  readonly supervisor: AmiSupervisor;
  readonly queue: CallRequestsQueue;
  readonly reporter: EventsReporter;
  readonly book: CallBook;
  readonly journal: RequestJournal;
  readonly log: ConnectorLogger;
  readonly now: () => number;
  readonly metrics: ConnectorMetrics;
  readonly changes: ChangeSignal;
  /** A request whose Originate never reached Asterisk is visible again after this long. */
  readonly retryVisibilitySeconds: number;
  readonly isStopping: () => boolean;
}

export class CallSetup {
  constructor(private readonly deps: CallSetupDeps) {}

  async handle(message: Message, receivedAt: number): Promise<void> {
    const { queue, log, metrics, config } = this.deps;
    metrics.messagesReceived.inc();
    let requestLog = log.child({ messageId: message.MessageId });
    const stopHeartbeat = queue.heartbeat(message, () => requestLog);
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
      const { message: wire } = parsed;
      const isCancel = wire.type === 'call.cancelled';
      requestLog =
        wire.type === 'call.cancelled'
          ? log.child({ requestId: wire.requestId })
          : log.child({
              requestId: wire.requestId,
              extension: wire.extension.number,
              visitor: maskPhoneNumber(wire.visitor.phone),
            });
      if (wire.siteId !== config.siteId) {
        metrics.invalidMessages.inc({ reason: 'other_site' });
        const what = isCancel ? 'cancellation' : 'call request';
        requestLog.error(`${what} for another site left for the dead-letter queue`, {
          siteId: wire.siteId,
          ...(isCancel ? {} : { receiveCount }),
        });
        return;
      }
      if (wire.type === 'call.cancelled') await this.cancel(wire, message, requestLog);
      else await this.setUpCall(wire, message, receiveCount, receivedAt, requestLog);
    } finally {
      stopHeartbeat();
    }
  }

  private async setUpCall(
    request: CallRequested,
    message: Message,
    receiveCount: number,
    receivedAt: number,
    requestLog: ConnectorLogger,
  ): Promise<void> {
    const { supervisor, journal, book, queue, metrics, isStopping } = this.deps;
    supervisor.watchExtension(request.extension.number);
    if (journal.state(request.requestId) !== undefined || book.tracker.has(request.requestId)) {
      metrics.redeliveriesIgnored.inc();
      requestLog.warn('call request received again after it was handled: not dialling it twice', {
        receiveCount,
        journal: journal.state(request.requestId) ?? 'claimed',
      });
      await this.settleHandled(request.requestId, message, requestLog);
      return;
    }
    if (await this.failIfExpired(request, message, requestLog)) return;
    if (isStopping() || !supervisor.ready) {
      await this.putBack(
        message,
        requestLog,
        isStopping() ? 'the connector is stopping' : `AMI is ${supervisor.status}`,
      );
      return;
    }
    if (request.notWhileOnPhone) {
      const onThePhone = await supervisor.checkOnThePhone(request.extension.number, requestLog);
      if (onThePhone === 'not_ready') {
        await this.putBack(message, requestLog, 'AMI went away while checking the extension state');
        return;
      }
      if (onThePhone === 'on_the_phone') {
        requestLog.info('the extension is on the phone and asked not to be called then: not dialling');
        await this.failBeforeDialling(request, message, requestLog, 'extension_busy');
        return;
      }
      if (await this.failIfExpired(request, message, requestLog)) return;
    }
    if (isStopping()) {
      await this.putBack(message, requestLog, 'the connector is stopping');
      return;
    }
    let plan: OriginatePlan;
    try {
      plan = buildOriginate(request, this.deps.config, receiveCount);
    } catch (error) {
      requestLog.error('cannot build the Originate for this request', describeError(error));
      await this.failBeforeDialling(request, message, requestLog, 'pbx_unavailable');
      return;
    }
    if (journal.state(request.requestId) !== undefined) {
      requestLog.info('call request cancelled while it was being set up: not dialling');
      await queue.delete(message, requestLog);
      return;
    }
    await this.dial(request, plan, message, receivedAt, requestLog);
  }

  /** Claims the request in the journal (see request-journal.ts: this is what makes it exactly once), then dials. */
  private async dial(
    request: CallRequested,
    plan: OriginatePlan,
    message: Message,
    receivedAt: number,
    requestLog: ConnectorLogger,
  ): Promise<void> {
    const { journal, book, queue, metrics, now } = this.deps;
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
      await this.endUndialled(
        { requestId: request.requestId, status: 'failed', reason: 'pbx_unavailable' },
        message,
        requestLog,
      );
      return;
    }
    book.follow(request.requestId, { log: requestLog, expiresAt: request.expiresAt });
    const outcome = await this.originate(request, plan, claimedAt, requestLog);
    metrics.originates.inc({ outcome });
    if (outcome === 'accepted') metrics.callSetupSeconds.observe((now() - receivedAt) / 1000);
    if (outcome !== 'not_sent') {
      await queue.delete(message, requestLog);
      return;
    }
    await journal.release(request.requestId).catch((error: unknown) => {
      metrics.journalErrors.inc();
      requestLog.error('could not release the request in the journal', describeError(error));
    });
    await queue.changeVisibility(message, this.deps.retryVisibilitySeconds, requestLog);
  }

  /**
   * `call.cancelled`: a request not dialled yet never will be (`failed/rejected`, noted in the journal first, so that
   * its call.requested, whenever it comes, is deleted undialled); one already dialled or decided goes on as it is.
   */
  private async cancel(
    cancellation: CallCancelled,
    message: Message,
    requestLog: ConnectorLogger,
  ): Promise<void> {
    const { requestId } = cancellation;
    if (this.deps.journal.state(requestId) !== undefined || this.deps.book.tracker.has(requestId)) {
      requestLog.info('cancellation came after the request was dialled or decided: nothing to cancel');
      await this.settleHandled(requestId, message, requestLog);
      return;
    }
    // The request expires at most this long after the cancellation, and is never dialled after that.
    const keepUntil = new Date(Date.parse(cancellation.at) + CANCELLED_KEEP_MS).toISOString();
    await this.decide(
      requestId,
      keepUntil,
      'rejected',
      requestLog,
      'could not note the cancellation in the journal',
    );
    requestLog.info('call request cancelled before it was dialled');
    await this.endUndialled({ requestId, status: 'failed', reason: 'rejected' }, message, requestLog);
  }

  /** A message about a request already dialled or decided: its final status is sent (again) if it may not have reached the cloud. */
  private async settleHandled(
    requestId: string,
    message: Message,
    requestLog: ConnectorLogger,
  ): Promise<void> {
    const decided = this.deps.journal.decided(requestId);
    if (decided && !decided.reported) {
      const sent = await this.deps.reporter.reportFinal({ requestId, ...decided.outcome }, requestLog, false);
      if (!sent) return;
    }
    await this.deps.queue.delete(message, requestLog);
  }

  /** Reports `failed/expired` (never dialled) when the request's time is up; true when it was. */
  private async failIfExpired(request: CallRequested, message: Message, requestLog: ConnectorLogger) {
    if (Date.parse(request.expiresAt) > this.deps.now()) return false;
    requestLog.info('call request expired before it was dialled: not dialling', {
      expiresAt: request.expiresAt,
    });
    await this.endUndialled(
      { requestId: request.requestId, status: 'failed', reason: 'expired' },
      message,
      requestLog,
    );
    return true;
  }

  /** Makes a message visible again soon: nothing was dialled for it. */
  private async putBack(message: Message, requestLog: ConnectorLogger, why: string): Promise<void> {
    const visibilitySeconds = this.deps.isStopping() ? 0 : this.deps.retryVisibilitySeconds;
    requestLog.info('call request put back on the queue, not dialled', { why, visibilitySeconds });
    await this.deps.queue.changeVisibility(message, visibilitySeconds, requestLog);
  }

  /**
   * A decision not to dial: on disk first, so that no redelivery can dial the request later; a redelivery sends
   * the status again if it did not go out.
   */
  private async failBeforeDialling(
    request: CallRequested,
    message: Message,
    requestLog: ConnectorLogger,
    reason: FailureReason,
  ): Promise<void> {
    await this.decide(
      request.requestId,
      request.expiresAt,
      reason,
      requestLog,
      'could not note the decision in the journal',
    );
    await this.endUndialled({ requestId: request.requestId, status: 'failed', reason }, message, requestLog);
  }

  private async decide(
    requestId: string,
    expiresAt: string,
    reason: FailureReason,
    requestLog: ConnectorLogger,
    problem: string,
  ): Promise<void> {
    await this.deps.journal
      .decide(requestId, expiresAt, { status: 'failed', reason })
      .catch((error: unknown) => {
        this.deps.metrics.journalErrors.inc();
        requestLog.error(problem, describeError(error));
      });
  }

  /**
   * A request that ends without a call: its final status is counted, reported, and only once the cloud has it is
   * the message deleted (if it could not be sent, the message comes back, and the visitor still learns the outcome).
   */
  private async endUndialled(
    update: StatusUpdate,
    message: Message,
    requestLog: ConnectorLogger,
  ): Promise<void> {
    this.deps.book.countFinal(update);
    if (await this.deps.reporter.reportFinal(update, requestLog, false)) {
      await this.deps.queue.delete(message, requestLog);
    }
  }

  private async originate(
    request: CallRequested,
    plan: OriginatePlan,
    claimedAt: number,
    requestLog: ConnectorLogger,
  ): Promise<OriginateOutcome> {
    const { book, ami, now } = this.deps;
    const { requestId, confirm, ringSeconds } = request;
    book.tracker.track(
      { requestId, actionId: plan.actionId, extensionChannel: plan.extensionChannel, confirm, ringSeconds },
      claimedAt,
    );
    book.scheduleDeadline();
    requestLog.info('originating call', { actionId: plan.actionId, channel: plan.extensionChannel });
    let refusal: string;
    try {
      const response = await ami.send(plan.action, { actionId: plan.actionId });
      if (response.response === 'Success') {
        book.apply(book.tracker.originateAccepted(requestId, now()));
        return 'accepted';
      }
      refusal = response.message ?? response.response;
    } catch (error) {
      if (error instanceof AmiNotReadyError) {
        // Nothing was written, so sending it again later cannot make a second call.
        requestLog.warn('the Originate did not reach Asterisk: the request goes back on the queue', {
          ...describeError(error),
        });
        return this.retryLater(requestId);
      }
      if (error instanceof AmiInvalidActionError) {
        requestLog.error(
          'the AMI client refused the Originate; retrying cannot fix it',
          describeError(error),
        );
        book.apply(book.tracker.fail(requestId, 'pbx_unavailable'));
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
      return this.retryLater(requestId);
    }
    requestLog.error('Asterisk refused the Originate', { refusal });
    book.apply(book.tracker.fail(requestId, 'pbx_unavailable'));
    return 'refused';
  }

  private retryLater(requestId: string): OriginateOutcome {
    const { book, changes } = this.deps;
    book.tracker.untrack(requestId);
    book.forget(requestId);
    book.scheduleDeadline();
    changes.notify();
    return 'not_sent';
  }
}
