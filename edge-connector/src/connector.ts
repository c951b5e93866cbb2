// The edge connector: long-polls the site's call-requests queue, originates on Asterisk, reports call.status and
// extension.presence. It is composed here of parts with one job each: the poller (request-poller.ts) hands each
// message to the call set-up (call-setup.ts), which claims it in the journal (request-journal.ts: why a request is
// dialled exactly once) and dials; the call book (call-book.ts) follows each call through the pure tracker
// (call-tracker.ts) and reports it (events-reporter.ts); the AMI supervisor (ami-supervisor.ts) watches Asterisk.
import { AmiSupervisor } from './ami-supervisor.ts';
import { CallBook } from './call-book.ts';
import { CallRequestsQueue } from './call-requests-queue.ts';
import { CallSetup } from './call-setup.ts';
import { CallTracker } from './call-tracker.ts';
import { ChangeSignal } from './change-signal.ts';
import {
  DEFAULT_EXTENSION_HINT_CONTEXT,
  DEFAULT_PRESENCE_REFRESH_SECONDS,
  DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
} from './config.ts';
import type {
  Connector,
  ConnectorDeps,
  ConnectorOptions,
  ConnectorRunConfig,
  StopOptions,
} from './connector-options.ts';
import { EventsReporter } from './events-reporter.ts';
import { createJsonLogger } from './log.ts';
import { ConnectorMetrics } from './metrics.ts';
import { PresenceReporter } from './presence.ts';
import { createInMemoryJournal } from './request-journal.ts';
import { RequestPoller } from './request-poller.ts';
import { SqsHealth } from './sqs-health.ts';

export type {
  Connector,
  ConnectorDeps,
  ConnectorHealth,
  ConnectorOptions,
  ConnectorRunConfig,
  StopOptions,
} from './connector-options.ts';

const FINAL_SEND_WAIT_ON_STOP_MS = 2000;

/**
 * Starts the loop and returns at once. It never throws after this point: errors are logged and retried with backoff.
 * The caller owns the SQS and AMI clients and the journal (creates, connects and closes them).
 */
export function startConnector(
  config: ConnectorRunConfig,
  deps: ConnectorDeps,
  options: ConnectorOptions = {},
): Connector {
  const now = deps.now ?? Date.now;
  const log = deps.logger ?? createJsonLogger();
  const journal = deps.journal ?? createInMemoryJournal();
  const maxConcurrentCalls = options.maxConcurrentCalls ?? 10;
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  let stopping = false;
  const isStopping = () => stopping;

  const changes = new ChangeSignal();
  const tracker = new CallTracker(options.timing);
  // Read when the metrics are rendered, long after the supervisor exists.
  const metrics = new ConnectorMetrics(() => ({ callsInProgress: tracker.size, amiReady: supervisor.ready }));
  const health = new SqsHealth(metrics);
  const reporter = new EventsReporter({
    sqs: deps.sqs,
    callEventsQueueUrl: config.callEventsQueueUrl,
    siteId: config.siteId,
    now,
    log,
    metrics,
    health,
    journal,
    retryBaseMs: options.statusRetryBaseMs ?? 200,
  });
  const book = new CallBook({ tracker, journal, reporter, log, now, metrics, changes });
  const presence = new PresenceReporter({
    send: (extension, state) => reporter.sendPresence(extension, state),
    ...(options.presenceIntervalMs === undefined ? {} : { intervalMs: options.presenceIntervalMs }),
    refreshMs: (config.presenceRefreshSeconds ?? DEFAULT_PRESENCE_REFRESH_SECONDS) * 1000,
    now,
  });
  for (const extension of config.presenceExtensions ?? []) presence.watch(extension);
  const supervisor: AmiSupervisor = new AmiSupervisor({
    ami: deps.ami,
    book,
    presence,
    log,
    now,
    metrics,
    changes,
    hintContext: config.extensionHintContext ?? DEFAULT_EXTENSION_HINT_CONTEXT,
    extensionStateTimeoutMs: options.extensionStateTimeoutMs ?? 5000,
    amiLossGraceMs: options.amiLossGraceMs ?? 30_000,
    isStopping,
  });
  const queue = new CallRequestsQueue({
    sqs: deps.sqs,
    queueUrl: config.callRequestsQueueUrl,
    health,
    now,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  });
  const setup = new CallSetup({
    config,
    ami: deps.ami,
    supervisor,
    queue,
    reporter,
    book,
    journal,
    log,
    now,
    metrics,
    changes,
    retryVisibilitySeconds: options.retryVisibilitySeconds ?? 10,
    isStopping,
  });
  const poller = new RequestPoller({
    queue,
    setup,
    supervisor,
    book,
    health,
    changes,
    log,
    now,
    waitTimeSeconds: options.waitTimeSeconds ?? 20,
    maxConcurrentCalls,
    isStopping,
  });

  const resumed = book.resume((extension) => presence.watch(extension));
  supervisor.start();
  const concurrentPolls = options.concurrentPolls ?? 4;
  const pollers = Array.from({ length: concurrentPolls }, (_, index) => poller.run(index));
  log.info('edge connector started', {
    siteId: config.siteId,
    concurrentPolls,
    maxConcurrentCalls,
    amiStatus: supervisor.status,
    resumedCalls: resumed,
  });

  let stopped: Promise<void> | undefined;
  async function stopOnce({ abortReceives = false }: StopOptions): Promise<void> {
    const graceEndsAt = now() + stopGraceMs;
    stopping = true;
    log.info('stopping: no new requests; calls in progress may report their outcome', {
      callsInProgress: tracker.size,
      graceMs: stopGraceMs,
    });
    if (abortReceives) poller.abortReceives();
    changes.notify();
    await Promise.allSettled(pollers);
    while (tracker.size > 0 && now() < graceEndsAt) await changes.next(graceEndsAt - now());
    if (tracker.size > 0) {
      log.warn('stopped with calls still in progress: the next start follows them again', {
        requestIds: tracker.requestIds(),
      });
    }
    reporter.giveUp();
    supervisor.stop();
    presence.stop();
    book.stop();
    // A final status still failing waits in its backoff: the journal has it for the next start, so do not wait long.
    await reporter.settle(FINAL_SEND_WAIT_ON_STOP_MS);
    log.info('edge connector stopped');
  }

  return {
    stop(stopOptions = {}) {
      stopped ??= stopOnce(stopOptions);
      return stopped;
    },
    health() {
      const sqsOk = health.consecutiveReceiveErrors === 0;
      const amiError = deps.ami.lastError?.message;
      const amiStatus = supervisor.status;
      return {
        ok: !stopping && amiStatus === 'ready' && sqsOk,
        stopping,
        ami: { status: amiStatus, ...(amiError === undefined ? {} : { lastError: amiError }) },
        sqs: {
          ok: sqsOk,
          consecutiveReceiveErrors: health.consecutiveReceiveErrors,
          ...(health.lastError === undefined ? {} : { lastError: health.lastError }),
          ...(health.lastReceiveAt === undefined
            ? {}
            : { lastReceiveAt: new Date(health.lastReceiveAt).toISOString() }),
        },
        calls: { inProgress: tracker.size, unverified: tracker.unverifiedCount, max: maxConcurrentCalls },
      };
    },
    metrics,
  };
}
