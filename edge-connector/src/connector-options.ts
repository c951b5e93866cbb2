// What startConnector takes and gives: its configuration, its clients, its tuning, and the running connector.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AmiClient, AmiConnectionStatus } from './ami/types.ts';
import type { CallTimingOptions } from './call-phases.ts';
import type { ConnectorConfig } from './config.ts';
import type { ConnectorLogger } from './log.ts';
import type { ConnectorMetrics } from './metrics.ts';
import type { RequestJournal } from './request-journal.ts';

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
   * @default CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS (contracts/queue-timing.ts)
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
