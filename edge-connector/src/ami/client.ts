// The AMI client the connector uses. asterisk-manager 0.2.0 does the socket, the wire format and the Login; this
// adds what it lacks: checked values, unique ActionIDs, a timeout on every action, typed failures instead of
// silently held actions, readiness only after FullyBooted, and reconnection with a replaceable retry strategy.

import type { AsteriskManager as ManagerInstance, RawAmiItem } from 'asterisk-manager';
import AsteriskManager from 'asterisk-manager';
import { encodeAction } from './action-encoding.ts';
import {
  type AmiClientOptions,
  isPositiveMs,
  LOGOFF_TIMEOUT_MS,
  type ResolvedClientOptions,
  resolveClientOptions,
} from './client-options.ts';
import {
  AmiAuthenticationError,
  AmiConnectError,
  AmiConnectionClosedError,
  AmiInvalidActionError,
  AmiNotReadyError,
} from './errors.ts';
import { Listeners } from './listeners.ts';
import { type Session, toFields, toResponse, waitForClose } from './manager-items.ts';
import { PendingActions } from './pending-actions.ts';
import type {
  AmiAction,
  AmiActionOptions,
  AmiClient,
  AmiConnectionStatus,
  AmiEvent,
  AmiLogger,
  AmiResponse,
} from './types.ts';

const silentLogger: AmiLogger = { info() {}, warn() {}, error() {} };

export function createAmiClient(options: AmiClientOptions): AmiClient {
  return new AsteriskManagerClient(options);
}

interface ReadyWaiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

class AsteriskManagerClient implements AmiClient {
  readonly #options: ResolvedClientOptions;
  readonly #logger: AmiLogger;
  readonly #pending: PendingActions;
  readonly #eventListeners = new Listeners<AmiEvent>(() => this.#logger, 'event');
  readonly #statusListeners = new Listeners<AmiConnectionStatus>(() => this.#logger, 'status');
  #status: AmiConnectionStatus = 'idle';
  #session: Session | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failedAttempts = 0;
  #refusedLogins = 0;
  #everReady = false;
  #lastError: Error | undefined;
  #waiters: ReadyWaiter[] = [];
  #closing: Promise<void> | undefined;

  constructor(options: AmiClientOptions) {
    this.#options = resolveClientOptions(options);
    this.#logger = options.logger ?? silentLogger;
    // asterisk-manager leaves a listener per ActionID that was never answered; drop it with the action.
    this.#pending = new PendingActions((actionId) => this.#session?.manager.removeAllListeners(actionId));
  }

  get status(): AmiConnectionStatus {
    return this.#status;
  }

  get lastError(): Error | undefined {
    return this.#lastError;
  }

  connect(): Promise<void> {
    if (this.#status === 'ready') return Promise.resolve();
    if (this.#status === 'closed') {
      return Promise.reject(new AmiConnectionClosedError('the AMI client is closed; create a new one'));
    }
    const ready = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#status === 'idle') {
      this.#setStatus('connecting');
      this.#openSession();
    }
    return ready;
  }

  async send(action: AmiAction, options: AmiActionOptions = {}): Promise<AmiResponse> {
    const actionId = options.actionId ?? this.#pending.nextActionId();
    const { name, raw } = encodeAction(action, actionId);
    const timeoutMs = options.timeoutMs ?? this.#options.actionTimeoutMs;
    if (!isPositiveMs(timeoutMs)) {
      throw new AmiInvalidActionError(
        `timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`,
      );
    }
    const session = this.#session;
    if (this.#status !== 'ready' || !session?.ready || session.ended) {
      throw new AmiNotReadyError(name, this.#status);
    }
    return this.#write(session, name, raw, actionId, timeoutMs);
  }

  onEvent(listener: (event: AmiEvent) => void): () => void {
    return this.#eventListeners.add(listener);
  }

  onStatus(listener: (status: AmiConnectionStatus) => void): () => void {
    return this.#statusListeners.add(listener);
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeNow();
    return this.#closing;
  }

  async #closeNow(): Promise<void> {
    clearTimeout(this.#retryTimer);
    const session = this.#session;
    const closedError = new AmiConnectionClosedError('the AMI client was closed');
    this.#failPending('the client was closed');
    this.#setStatus('closed');
    this.#rejectWaiters(closedError);
    if (!session || session.ended) return;
    if (session.ready) {
      const actionId = this.#pending.nextActionId();
      await this.#write(
        session,
        'Logoff',
        { action: 'Logoff', actionid: actionId },
        actionId,
        LOGOFF_TIMEOUT_MS,
      ).catch(() => {});
    }
    const socketClosed = session.socketClosed ? Promise.resolve() : waitForClose(session.manager);
    this.#endSession(session);
    await socketClosed;
  }

  #write(
    session: Session,
    name: string,
    raw: Parameters<ManagerInstance['action']>[0],
    actionId: string,
    timeoutMs: number,
  ): Promise<AmiResponse> {
    const response = this.#pending.add(actionId, name, timeoutMs);
    const writtenId = session.manager.action(raw, () => {});
    if (writtenId !== actionId) {
      // asterisk-manager renames an ActionID that still has a listener; the answer would never match.
      this.#pending.reject(
        actionId,
        new AmiInvalidActionError(`asterisk-manager rewrote ActionID ${actionId}`),
      );
    }
    return response;
  }

  #openSession(): void {
    const manager = AsteriskManager(
      undefined,
      this.#options.host,
      this.#options.username,
      this.#options.secret,
      true,
    );
    const session: Session = {
      manager,
      loggedIn: false,
      booted: false,
      ready: false,
      ended: false,
      socketClosed: false,
    };
    this.#session = session;
    manager.on('error', (error) => {
      session.socketError = error;
    });
    manager.on('rawevent', (item) => this.#onItem(session, item));
    manager.on('close', () => this.#onSocketClosed(session));
    session.connectTimer = setTimeout(() => {
      const stage = session.loggedIn ? 'FullyBooted' : 'the Login response';
      this.#sessionFailed(
        session,
        new AmiConnectError(
          `no ready AMI session within ${this.#options.connectTimeoutMs} ms (waiting for ${stage}; ` +
            'FullyBooted needs read=system for the AMI user)',
        ),
      );
    }, this.#options.connectTimeoutMs);
    manager.connect(this.#options.port, this.#options.host, () => {
      // A connect that outlived its attempt: asterisk-manager can only close a socket once it is open.
      if (session.ended) {
        manager.disconnect();
        return;
      }
      this.#setStatus('authenticating');
      manager.login((error) => {
        if (error || session.ended) return;
        session.loggedIn = true;
        this.#becomeReadyIfBooted(session);
      });
    });
  }

  #onItem(session: Session, item: RawAmiItem): void {
    if (session.ended) return;
    const eventName = item.event;
    if (typeof eventName === 'string') {
      this.#eventListeners.emit({ name: eventName, fields: toFields(item) }, { event: eventName });
      if (eventName === 'FullyBooted') {
        session.booted = true;
        this.#becomeReadyIfBooted(session);
      } else if (eventName === 'Shutdown') {
        this.#sessionLost(session, 'Asterisk is shutting down');
      }
      return;
    }
    const response = toResponse(item);
    if (!response) return;
    if (!session.loggedIn) {
      // Nothing but the Login is written before the session is logged in, so this answers it.
      if (response.response === 'Error') this.#loginRefused(session, response.message ?? 'no message');
      return;
    }
    this.#pending.settle(response);
  }

  #loginRefused(session: Session, message: string): void {
    if (!/authentication failed/i.test(message)) {
      // e.g. "Asterisk is shutting down": it will take logins again in a moment.
      this.#sessionFailed(session, new AmiConnectError(`AMI login refused: ${message}`));
      return;
    }
    const error = new AmiAuthenticationError(
      `Asterisk refused the AMI login of ${this.#options.username} at ${this.#options.host}:${this.#options.port}: ${message}; ` +
        'check AMI_USERNAME and AMI_SECRET against manager.conf (and its permit/deny lines)',
    );
    this.#endSession(session);
    this.#refusedLogins += 1;
    const delayMs = this.#options.loginRetry(this.#refusedLogins);
    if (delayMs === null) {
      this.#terminate(error);
      return;
    }
    this.#lastError = error;
    this.#logger.error(`${error.message}; trying again in ${Math.round(delayMs / 1000)} s`, {
      refusedLogins: this.#refusedLogins,
    });
    this.#setStatus(this.#everReady ? 'reconnecting' : 'connecting');
    this.#scheduleAttempt(delayMs);
  }

  #becomeReadyIfBooted(session: Session): void {
    if (session.ended || session.ready || !session.loggedIn || !session.booted) return;
    session.ready = true;
    clearTimeout(session.connectTimer);
    this.#failedAttempts = 0;
    this.#refusedLogins = 0;
    this.#everReady = true;
    this.#lastError = undefined;
    this.#setStatus('ready');
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  #onSocketClosed(session: Session): void {
    session.socketClosed = true;
    if (session.ended) return;
    if (this.#status === 'closed') {
      this.#endSession(session);
      return;
    }
    if (session.ready) {
      this.#sessionLost(session, 'the AMI connection closed', session.socketError);
      return;
    }
    this.#sessionFailed(
      session,
      new AmiConnectError(`could not open an AMI session at ${this.#options.host}:${this.#options.port}`, {
        cause: session.socketError,
      }),
    );
  }

  /** A ready session ended: fail what was pending and reconnect. */
  #sessionLost(session: Session, reason: string, cause?: Error): void {
    this.#endSession(session);
    if (this.#status === 'closed') return;
    this.#failPending(reason, cause);
    this.#logger.warn(`AMI session lost: ${reason}`, {
      host: this.#options.host,
      port: this.#options.port,
      cause: cause?.message,
    });
    this.#setStatus('reconnecting');
    this.#failedAttempts = 0;
    this.#retryLater(new AmiConnectionClosedError(reason, { cause }));
  }

  /** An attempt never became ready. */
  #sessionFailed(session: Session, error: Error): void {
    this.#endSession(session);
    this.#retryLater(error);
  }

  #retryLater(error: Error): void {
    this.#lastError = error;
    this.#failedAttempts += 1;
    const attempt = this.#failedAttempts;
    const delayMs = this.#options.retry(attempt);
    if (delayMs === null) {
      this.#terminate(
        new AmiConnectError(
          `gave up connecting to AMI at ${this.#options.host}:${this.#options.port} after ${attempt} attempts`,
          {
            cause: error,
          },
        ),
      );
      return;
    }
    this.#logger.warn(`AMI connection attempt failed; retrying in ${delayMs} ms`, {
      attempt,
      error: error.message,
      cause: error.cause instanceof Error ? error.cause.message : undefined,
    });
    if (this.#status === 'authenticating') this.#setStatus(this.#everReady ? 'reconnecting' : 'connecting');
    this.#scheduleAttempt(delayMs);
  }

  #scheduleAttempt(delayMs: number): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#status !== 'closed') this.#openSession();
    }, delayMs);
  }

  #terminate(error: Error): void {
    if (this.#session) this.#endSession(this.#session);
    clearTimeout(this.#retryTimer);
    this.#failPending(error.message, error);
    this.#logger.error(error.message, {
      cause: error.cause instanceof Error ? error.cause.message : undefined,
    });
    this.#lastError = error;
    this.#setStatus('closed');
    this.#rejectWaiters(error);
  }

  #endSession(session: Session): void {
    if (session.ended) return;
    session.ended = true;
    clearTimeout(session.connectTimer);
    if (session.manager.isConnected()) session.manager.disconnect();
  }

  #rejectWaiters(error: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  #setStatus(next: AmiConnectionStatus): void {
    const previous = this.#status;
    if (previous === next) return;
    this.#status = next;
    this.#logger.info(`AMI connection ${previous} -> ${next}`, {
      host: this.#options.host,
      port: this.#options.port,
    });
    this.#statusListeners.emit(next);
  }

  /** Every action still waiting for its answer fails now, naming why. */
  #failPending(reason: string, cause?: Error): void {
    this.#pending.rejectAll(
      (action, actionId) =>
        new AmiConnectionClosedError(`AMI action ${action} (ActionID ${actionId}) failed: ${reason}`, {
          cause,
        }),
    );
  }
}

export {
  type AmiClientOptions,
  DEFAULT_ACTION_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  defaultLoginRetryStrategy,
  defaultRetryStrategy,
} from './client-options.ts';
