// The typed face of the AMI client: what the connector may rely on, whatever library speaks the protocol.

/** One AMI message (a response or an event) with header names lower-cased, as asterisk-manager delivers them. */
export type AmiFields = Readonly<Record<string, string>>;

/** An action to send; `Action` is the AMI action name. Values must not hold CR or LF (the client refuses them). */
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

export type AmiConnectionStatus = 'connecting' | 'ready' | 'reconnecting' | 'closed';

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

export interface AmiClient {
  readonly status: AmiConnectionStatus;
  /** Connects and logs in; resolves once logged in and Asterisk has said FullyBooted. */
  connect(): Promise<void>;
  /** Sends one action with a fresh unique ActionID and resolves with its response. Rejects with a typed error on timeout, disconnect or an unsafe value. */
  send(action: AmiAction, options?: AmiActionOptions): Promise<AmiResponse>;
  onEvent(listener: (event: AmiEvent) => void): () => void;
  onStatus(listener: (status: AmiConnectionStatus) => void): () => void;
  close(): Promise<void>;
}
