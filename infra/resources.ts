// Names shared by the CDK stack and the local stack, so both build the same table and queues. The functions own
// their table keys (functions/store/records.ts) and environment (functions/lib/config.ts); the wiring imports them.

export const DEFAULT_TABLE_NAME = 'callnow';

export function callRequestsQueueName(siteId: string): string {
  return `callnow-call-requests-${siteId}`;
}

export function callRequestsDeadLetterQueueName(siteId: string): string {
  return `${callRequestsQueueName(siteId)}-dlq`;
}

export const CALL_EVENTS_QUEUE_NAME = 'callnow-call-events';
export const CALL_EVENTS_DEAD_LETTER_QUEUE_NAME = `${CALL_EVENTS_QUEUE_NAME}-dlq`;

/** A message received this many times without being deleted goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/** The bus the call events go to, and the queues of the webhooks that take them from it. */
export const CALL_EVENT_BUS_NAME = 'callnow-calls';
export const WEBHOOK_EVENTS_QUEUE_NAME = 'callnow-webhook-events';
export const WEBHOOK_DELIVERIES_QUEUE_NAME = 'callnow-webhook-deliveries';
/** Attempts of one delivery: 30 s doubling to an hour between them spans about a day (functions/domain/webhooks.ts). */
export const WEBHOOK_DELIVERY_ATTEMPTS = 30;
/** The webhooks function's timeout is a sixth of it: a delivery waits at most 5 s, ten to a batch. */
export const WEBHOOK_QUEUES_VISIBILITY_TIMEOUT_SECONDS = 180;
/** Longer than the day of retries, so that a delivery's last attempts are not lost to retention. */
export const WEBHOOK_DELIVERIES_RETENTION_SECONDS = 2 * 86_400;

export const CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS = 30;

/**
 * The public routes (HTTP API route keys); the CDK stack and the local HTTP server both serve exactly these.
 * The OPTIONS routes answer the widget's CORS preflights in the function, since the allowed origins are each
 * extension's own (API Gateway's CORS setting is one list for the whole API).
 */
export const PUBLIC_ROUTE_KEYS = [
  'GET /callnow/{callNowId}',
  'POST /callnow/{callNowId}/requests',
  'GET /callnow/{callNowId}/requests/{requestId}',
  'DELETE /callnow/{callNowId}/requests/{requestId}',
  'POST /callnow/{callNowId}/requests/{requestId}/cancel',
  'GET /callnow/{callNowId}/captcha',
  'GET /callnow/{callNowId}/widget.js',
  'OPTIONS /callnow/{callNowId}/requests',
  'OPTIONS /callnow/{callNowId}/requests/{requestId}',
] as const;

/** The management and Call API (`/api/v1/...`), one function behind one greedy route. */
export const MANAGEMENT_ROUTE_KEYS = ['ANY /api/v1/{proxy+}'] as const;

/** The console (`/console` and every page under it), one function behind two routes: HTTP API's greedy path needs a segment. */
export const CONSOLE_ROUTE_KEYS = ['ANY /console', 'ANY /console/{proxy+}'] as const;
