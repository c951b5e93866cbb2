// The AMI client the connector uses. asterisk-manager 0.2.0 does the socket, the wire format and the Login; this
// adds what it lacks: checked values, unique ActionIDs, a timeout on every action, typed failures instead of
// silently held actions, readiness only after FullyBooted, and reconnection with a replaceable retry strategy.

import type { AsteriskManager as ManagerInstance, RawAmiItem } from 'asterisk-manager';
import AsteriskManager from 'asterisk-manager';
import { encodeAction } from './action-encoding.ts';
import {
  AmiAuthenticationError,
  AmiConnectError,
  AmiConnectionClosedError,
  AmiInvalidActionError,
  AmiNotReadyError,
} from './errors.ts';
import { PendingActions } from './pending-actions.ts';
import type {
  AmiAction,
  AmiActionOptions,
  AmiClient,
  AmiConnectionStatus,
  AmiEvent,
  AmiFields,
  AmiLogger,
  AmiResponse,
} from './types.ts';

export interface AmiClientOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  /** @default 5000 */
  readonly actionTimeoutMs?: number;
  /** How long one attempt may take to be ready: TCP connect, Login answered and FullyBooted seen. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** Delay in ms before connection attempt `attempt` (1 = first retry), or null to give up. @default defaultRetryStrategy */
  readonly retry?: (attempt: number) => number | null;
  /**
   * Delay in ms before logging in again after Asterisk refused the credentials `attempt` times in a row, or null to
   * give up. Slow on purpose: a wrong secret is fixed by a person, and every refusal is a security event on the PBX.
   * @default defaultLoginRetryStrategy
   */
  readonly loginRetry?: (attempt: number) => number | null;
  /** @default a logger that drops everything */
  readonly logger?: AmiLogger;
}

export const DEFAULT_ACTION_TIMEOUT_MS = 5000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 10_000;
const FIRST_LOGIN_RETRY_DELAY_MS = 30_000;
const MAX_LOGIN_RETRY_DELAY_MS = 300_000;
const LOGOFF_TIMEOUT_MS = 1000;
const SOCKET_CLOSE_WAIT_MS = 1000;

/** Capped exponential backoff with jitter: 250 ms doubling to 10 s, each delay drawn from its upper half. */
export function defaultRetryStrategy(attempt: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceilingMs / 2 + (random() * ceilingMs) / 2);
}

/** After a refused login: 30 s doubling to 5 min, each delay drawn from its upper half; never gives up. */
export function defaultLoginRetryStrategy(attempt: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(
    MAX_LOGIN_RETRY_DELAY_MS,
    FIRST_LOGIN_RETRY_DELAY_MS * 2 ** Math.max(0, attempt - 1),
  );
  return Math.round(ceilingMs / 2 + (random() * ceilingMs) / 2);
}

const silentLogger: AmiLogger = { info() {}, warn() {}, error() {} };

export function createAmiClient(options: AmiClientOptions): AmiClient {
  return new AsteriskManagerClient(options);
}

/** One TCP connection and its AMI session. */
interface Session {
  readonly manager: ManagerInstance;
  loggedIn: boolean;
  booted: boolean;
  ready: boolean;
  /** The client has given up on this session; anything it still emits is ignored. */
  ended: boolean;
  socketClosed: boolean;
  socketError?: Error;
  connectTimer?: NodeJS.Timeout;
}

interface ReadyWaiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

class AsteriskManagerClient implements AmiClient {
  readonly #host: string;
  readonly #port: number;
  readonly #username: string;
  readonly #secret: string;
  readonly #actionTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #retry: (attempt: number) => number | null;
  readonly #loginRetry: (attempt: number) => number | null;
  readonly #logger: AmiLogger;
  readonly #pending: PendingActions;
  readonly #eventListeners = new Set<(event: AmiEvent) => void>();
  readonly #statusListeners = new Set<(status: AmiConnectionStatus) => void>();
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
    this.#host = options.host;
    this.#port = options.port;
    this.#username = options.username;
    this.#secret = options.secret;
    this.#actionTimeoutMs = positiveMs(
      options.actionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS,
      'actionTimeoutMs',
    );
    this.#connectTimeoutMs = positiveMs(
      options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      'connectTimeoutMs',
    );
    this.#retry = options.retry ?? ((attempt) => defaultRetryStrategy(attempt));
    this.#loginRetry = options.loginRetry ?? ((attempt) => defaultLoginRetryStrategy(attempt));
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
    const timeoutMs = options.timeoutMs ?? this.#actionTimeoutMs;
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
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onStatus(listener: (status: AmiConnectionStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeNow();
    return this.#closing;
  }

  async #closeNow(): Promise<void> {
    clearTimeout(this.#retryTimer);
    const session = this.#session;
    const closedError = new AmiConnectionClosedError('the AMI client was closed');
    this.#pending.rejectAll(
      (action, actionId) =>
        new AmiConnectionClosedError(
          `AMI action ${action} (ActionID ${actionId}) failed: the client was closed`,
        ),
    );
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
    const manager = AsteriskManager(undefined, this.#host, this.#username, this.#secret, true);
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
          `no ready AMI session within ${this.#connectTimeoutMs} ms (waiting for ${stage}; ` +
            'FullyBooted needs read=system for the AMI user)',
        ),
      );
    }, this.#connectTimeoutMs);
    manager.connect(this.#port, this.#host, () => {
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
      this.#dispatchEvent({ name: eventName, fields: toFields(item) });
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
      `Asterisk refused the AMI login of ${this.#username} at ${this.#host}:${this.#port}: ${message}; ` +
        'check AMI_USERNAME and AMI_SECRET against manager.conf (and its permit/deny lines)',
    );
    this.#endSession(session);
    this.#refusedLogins += 1;
    const delayMs = this.#loginRetry(this.#refusedLogins);
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
      new AmiConnectError(`could not open an AMI session at ${this.#host}:${this.#port}`, {
        cause: session.socketError,
      }),
    );
  }

  /** A ready session ended: fail what was pending and reconnect. */
  #sessionLost(session: Session, reason: string, cause?: Error): void {
    this.#endSession(session);
    if (this.#status === 'closed') return;
    this.#pending.rejectAll(
      (action, actionId) =>
        new AmiConnectionClosedError(`AMI action ${action} (ActionID ${actionId}) failed: ${reason}`, {
          cause,
        }),
    );
    this.#logger.warn(`AMI session lost: ${reason}`, {
      host: this.#host,
      port: this.#port,
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
    const delayMs = this.#retry(attempt);
    if (delayMs === null) {
      this.#terminate(
        new AmiConnectError(
          `gave up connecting to AMI at ${this.#host}:${this.#port} after ${attempt} attempts`,
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
    this.#pending.rejectAll(
      (action, actionId) =>
        new AmiConnectionClosedError(`AMI action ${action} (ActionID ${actionId}) failed: ${error.message}`, {
          cause: error,
        }),
    );
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
    this.#logger.info(`AMI connection ${previous} -> ${next}`, { host: this.#host, port: this.#port });
    for (const listener of this.#statusListeners) {
      try {
        listener(next);
      } catch (error) {
        this.#logger.error('an AMI status listener threw', { error: String(error) });
      }
    }
  }

  #dispatchEvent(event: AmiEvent): void {
    for (const listener of this.#eventListeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error('an AMI event listener threw', { event: event.name, error: String(error) });
      }
    }
  }
}

function isPositiveMs(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

function positiveMs(value: number, name: string): number {
  if (!isPositiveMs(value))
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}

function waitForClose(manager: ManagerInstance): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, SOCKET_CLOSE_WAIT_MS);
    manager.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Flattens asterisk-manager's item into AmiFields: it turns repeated headers into arrays (first wins here) and
 * `Variable`/`ChanVariable` headers into objects (`Variable: X` of a VarSet becomes `{ X: '' }`), rebuilt here.
 */
function toFields(item: RawAmiItem): AmiFields {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(item)) {
    if (value === undefined) continue;
    if (typeof value === 'string') fields[key] = value;
    else if (Array.isArray(value)) fields[key] = value[0] ?? '';
    else {
      fields[key] = Object.entries(value)
        .map(([name, entry]) => (entry === '' ? name : `${name}=${entry}`))
        .join(',');
    }
  }
  return fields;
}

const RESPONSE_KINDS: Record<string, AmiResponse['response']> = {
  success: 'Success',
  error: 'Error',
  goodbye: 'Goodbye',
  follows: 'Follows',
};

function toResponse(item: RawAmiItem): AmiResponse | undefined {
  const { response, actionid: actionId, message } = item;
  if (typeof response !== 'string' || typeof actionId !== 'string') return undefined;
  const fields = toFields(item);
  const kind = RESPONSE_KINDS[response.toLowerCase()] ?? 'Error';
  return typeof message === 'string'
    ? { response: kind, actionId, message, fields }
    : { response: kind, actionId, fields };
}
