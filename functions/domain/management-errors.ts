// What the management rules refuse, by kind; the one error mapper (functions/http/errors.ts) gives each kind its
// HTTP status.

export type ManagementErrorKind = 'not_found' | 'conflict' | 'forbidden' | 'invalid';

export class ManagementError extends Error {
  /** The answer's `error.code`: the kind, or `invalid_request` for `invalid`, unless named. */
  readonly code: string;

  constructor(
    readonly kind: ManagementErrorKind,
    message: string,
    readonly field?: string,
    options?: ErrorOptions & { readonly code?: string },
  ) {
    super(message, options);
    this.name = 'ManagementError';
    this.code = options?.code ?? (kind === 'invalid' ? 'invalid_request' : kind);
  }
}

export const notFound = (what: string) => new ManagementError('not_found', `${what} not found`);
export const conflict = (message: string) => new ManagementError('conflict', message);
export const forbidden = (message: string) => new ManagementError('forbidden', message);
export const invalid = (field: string, message: string) => new ManagementError('invalid', message, field);

export class RecordExistsError extends ManagementError {
  constructor(what: string) {
    super('conflict', `${what} already exists`);
    this.name = 'RecordExistsError';
  }
}

/** A conditional write found the record changed (or gone) since it was read. */
export class ConcurrentChangeError extends ManagementError {
  constructor(what: string) {
    super('conflict', `${what} was changed by someone else; read it again`);
    this.name = 'ConcurrentChangeError';
  }
}

/** A list cursor this API did not give out, was given out for another list, or is too old. */
export class InvalidCursorError extends ManagementError {
  constructor() {
    super(
      'invalid',
      'cursor is not one this API gave out for this list, or it is too old; start from the first page',
      'cursor',
      { code: 'invalid_cursor' },
    );
    this.name = 'InvalidCursorError';
  }
}

/** A list that needs a filter to say what to list. */
export class ManagementFilterError extends ManagementError {
  constructor(readonly filter: string) {
    super('invalid', `give ${filter} to choose what to list`, filter);
    this.name = 'ManagementFilterError';
  }
}
