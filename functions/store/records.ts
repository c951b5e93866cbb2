// Where each record lives in the one table.
import * as z from '../../contracts/zod.ts';

export const keys = {
  server: () => ({ pk: 'SERVER', sk: 'SETTINGS' }),
  reseller: (resellerId: string) => ({ pk: `RESELLER#${resellerId}`, sk: 'RESELLER' }),
  client: (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' }),
  extension: (extensionId: string) => ({ pk: `EXTENSION#${extensionId}`, sk: 'EXTENSION' }),
  callNowId: (callNowId: string) => ({ pk: `CALLNOW#${callNowId}`, sk: 'CALLNOW' }),
  callRequest: (requestId: string) => ({ pk: `REQUEST#${requestId}`, sk: 'REQUEST' }),
  presence: (siteId: string, extension: string) => ({
    pk: `PRESENCE#${siteId}#${extension}`,
    sk: 'PRESENCE',
  }),
};

/** The CallNow ID item points at the extension and its owners, so the page loads the chain in one batch. */
export const CallNowIdRecordSchema = z.object({
  callNowId: z.string(),
  extensionId: z.string(),
  clientId: z.string(),
  resellerId: z.string(),
});

/** Call requests are kept this long after they expire, then DynamoDB's TTL removes them. */
export const CALL_REQUEST_RETENTION_SECONDS = 30 * 24 * 3600;
