// The typed face of the AMI client: what the connector may rely on, whatever library speaks the protocol.

/**
 * One AMI message (a response or an event) with header names lower-cased, as asterisk-manager delivers them.
 * When a header appears more than once, the first value is kept (as Asterisk itself reads headers).
 */
export type AmiFields = Readonly<Record<string, string>>;

/**
 * An action to send; `Action` is the AMI action name. Header names are letters, digits, `_` and `-`; values must
 * not hold CR, LF or any other control character (the client refuses them before writing a byte).
 * An array value becomes one header per entry, each `name=value` (e.g. `Variable: ['A=1', 'B=2']`).
 * Set the ActionID with `AmiActionOptions.actionId`, never as a header.
 */
export interface AmiAction {
  readonly Action: string;
  readonly [header: string]: string | readonly string[];
}

export interface AmiResponse {
  readonly response: 'Success' | 'Error' | 'Goodbye' | 'Follows';
  readonly actionId: string;
  readonly message?: string;
  readonly fields: AmiFields;
}

export interface AmiEvent {
  /** The `Event` header, as Asterisk spells it (e.g. `OriginateResponse`, `UserEvent`). */
  readonly name: string;
  readonly fields: AmiFields;
}

/**
 * `idle` until connect() is called; `connecting` until the first session is up (TCP), `authenticating` while the
 * Login and FullyBooted are awaited, `ready` to send, `reconnecting` after a session was lost or an attempt failed
 * once the client had been ready; `closed` is final (after close(), or when a retry strategy gives up).
 */
export type AmiConnectionStatus =
  | 'idle'
  | 'connecting'
  | 'authenticating'
  | 'ready'
  | 'reconnecting'
  | 'closed';

export interface AmiActionOptions {
  /** @default the client's `actionTimeoutMs` */
  readonly timeoutMs?: number;
  /**
   * Lets the caller pick the ActionID (it must be unique among pending actions and AMI-safe), so it can
   * match events such as OriginateResponse that may arrive before the response's promise settles.
   * @default a fresh unique id
   */
  readonly actionId?: string;
}

export interface AmiLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface AmiClient {
  readonly status: AmiConnectionStatus;
  /** Why the last attempt or session failed (e.g. a refused login); cleared once ready. For health reports. */
  readonly lastError?: Error | undefined;
  /**
   * Connects and logs in; resolves once logged in and Asterisk has said FullyBooted. Connection failures are retried
   * with the retry strategy, refused logins (slowly) with the login retry strategy; rejects with
   * AmiAuthenticationError when the login retry strategy gives up, with AmiConnectError when the retry strategy
   * gives up, and with AmiConnectionClosedError when close() is called first.
   */
  connect(): Promise<void>;
  /**
   * Sends one action and resolves with its response (an `Error` response resolves too: read `response`).
   * Rejects with AmiNotReadyError unless `ready`, AmiInvalidActionError / AmiUnsafeValueError before writing anything,
   * AmiActionTimeoutError, or AmiConnectionClosedError when the connection ends first.
   */
  send(action: AmiAction, options?: AmiActionOptions): Promise<AmiResponse>;
  onEvent(listener: (event: AmiEvent) => void): () => void;
  onStatus(listener: (status: AmiConnectionStatus) => void): () => void;
  /** Logs off, closes the socket and stops reconnecting. Pending actions are rejected. */
  close(): Promise<void>;
}
