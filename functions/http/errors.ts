/** An error meant for the client: its status, a stable code and a message that names the problem. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: Readonly<Record<string, string[]>>,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The API's error body: `{ error: { code, message, fields? } }`. */
export function errorPayload({ code, message, fields }: HttpError): { error: Record<string, unknown> } {
  return { error: fields ? { code, message, fields } : { code, message } };
}
