// Errors meant for the client, and the one mapper that turns what the rules refuse into them.
import { ManagementError, type ManagementErrorKind } from '../domain/management-errors.ts';

/** An error meant for the client: its status, a stable code and a message that names the problem. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: Readonly<Record<string, string[]>>,
    readonly headers?: Readonly<Record<string, string>>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** The API's error body: `{ error: { code, message, fields? } }`. */
export function errorPayload({ code, message, fields }: HttpError): { error: Record<string, unknown> } {
  return { error: fields ? { code, message, fields } : { code, message } };
}

const STATUS: Readonly<Record<ManagementErrorKind, number>> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
};

/** What the client may be told about an error: an HttpError as it is, a refusal of the rules by its kind; else nothing. */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof ManagementError) {
    const fields = error.field ? { [error.field]: [error.message] } : undefined;
    return new HttpError(STATUS[error.kind], error.code, error.message, fields, undefined, { cause: error });
  }
  return undefined;
}
