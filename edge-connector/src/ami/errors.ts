// Typed errors of the AMI client and wire format. `instanceof AmiError` catches all of them.

import type { AmiConnectionStatus } from './types.ts';

export class AmiError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AmiError';
  }
}

/** The action was refused before anything was written: bad header name, bad ActionID, duplicate ActionID... */
export class AmiInvalidActionError extends AmiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AmiInvalidActionError';
  }
}

/** A header name or value holds CR, LF or another control character (it would inject headers or actions). */
export class AmiUnsafeValueError extends AmiInvalidActionError {
  readonly header: string;

  constructor(header: string, reason: string) {
    super(`AMI header ${JSON.stringify(header)} refused: ${reason}`);
    this.name = 'AmiUnsafeValueError';
    this.header = header;
  }
}

export class AmiNotReadyError extends AmiError {
  readonly status: AmiConnectionStatus;

  constructor(action: string, status: AmiConnectionStatus) {
    super(`AMI action ${action} refused: the connection is ${status}, not ready`);
    this.name = 'AmiNotReadyError';
    this.status = status;
  }
}

/** No response in time. The action may still have been carried out by Asterisk (e.g. an Originate queued). */
export class AmiActionTimeoutError extends AmiError {
  readonly action: string;
  readonly actionId: string;
  readonly timeoutMs: number;

  constructor(action: string, actionId: string, timeoutMs: number) {
    super(`AMI action ${action} (ActionID ${actionId}) got no response within ${timeoutMs} ms`);
    this.name = 'AmiActionTimeoutError';
    this.action = action;
    this.actionId = actionId;
    this.timeoutMs = timeoutMs;
  }
}

/** The connection ended (socket closed, Asterisk shut down, or close() called) before the response came. */
export class AmiConnectionClosedError extends AmiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AmiConnectionClosedError';
  }
}

/** Asterisk refused the username or secret ("Authentication failed"). Retrying would not help. */
export class AmiAuthenticationError extends AmiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AmiAuthenticationError';
  }
}

/** Could not get a ready session (TCP, login or FullyBooted) and the retry strategy gave up. */
export class AmiConnectError extends AmiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AmiConnectError';
  }
}

/** The peer sent something that is not AMI (e.g. a line longer than the parser accepts). */
export class AmiProtocolError extends AmiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AmiProtocolError';
  }
}
