/** A management request the rules refuse; the handler maps each kind to its HTTP status. */
export class ManagementError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'forbidden' | 'invalid',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ManagementError';
  }
}

export const notFound = (what: string) => new ManagementError('not_found', `${what} not found`);
export const conflict = (message: string) => new ManagementError('conflict', message);
export const forbidden = (message: string) => new ManagementError('forbidden', message);
export const invalid = (field: string, message: string) => new ManagementError('invalid', message, field);
