// A client's webhooks: https URLs that get the call events of the client's extensions, signed with a secret shown
// once. Whoever may see the client manages them (the admin, its reseller, the client's own users and keys).
import { createHmac, randomBytes } from 'node:crypto';
import * as z from '../../contracts/zod.ts';
import type { Principal } from './access.ts';
import { type CallStatusChanged, CallStatusChangedSchema } from './call-notifications.ts';
import { conflict, ManagementError, notFound } from './management-errors.ts';
import type { ManagementStore } from './management-ports.ts';
import { type IdSource, loadClient } from './owner-tree.ts';
import { type ResolveHost, webhookHostProblem } from './webhook-addresses.ts';

export const MAX_WEBHOOKS_PER_CLIENT = 5;
/** The attempts a webhook's delivery log keeps and shows. */
export const DELIVERY_LOG_LENGTH = 50;
export const SIGNATURE_HEADER = 'callnow-signature';
export const EVENT_ID_HEADER = 'callnow-event-id';

export const WebhookSchema = z.onFirstUse(() =>
  z.object({
    webhookId: z.string(),
    clientId: z.string(),
    resellerId: z.string(),
    /** Only the calls of this extension of the client; absent, all of them. */
    extensionId: z.optional(z.string()),
    url: z.string(),
    /** The signing secret; shown to the user once, when the webhook is made. */
    secret: z.string(),
    createdAt: z.string(),
  }),
);
export type Webhook = z.infer<typeof WebhookSchema>;

/** What the API and the console show of a webhook: everything but its secret. */
export type WebhookView = Omit<Webhook, 'secret'>;
export const viewOf = ({ secret: _secret, ...view }: Webhook): WebhookView => view;

export const DeliveryAttemptSchema = z.onFirstUse(() =>
  z.object({
    at: z.string(),
    eventId: z.string(),
    /** The receiver's HTTP status; absent when it never answered. */
    statusCode: z.optional(z.number()),
    durationMs: z.number(),
    /** Why there was no answer, or why the address was refused. */
    error: z.optional(z.string()),
  }),
);
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

export interface WebhookStore {
  putWebhook(webhook: Webhook): Promise<void>;
  getWebhook(clientId: string, webhookId: string): Promise<Webhook | undefined>;
  deleteWebhook(clientId: string, webhookId: string): Promise<void>;
  listWebhooks(clientId: string): Promise<Webhook[]>;
  recordAttempt(webhookId: string, attempt: DeliveryAttempt): Promise<void>;
  /** The newest first, at most DELIVERY_LOG_LENGTH. */
  listAttempts(webhookId: string): Promise<DeliveryAttempt[]>;
}

/** Where a webhook's test event waits to be delivered. */
export interface WebhookDeliveryQueue {
  enqueue(delivery: WebhookDelivery): Promise<void>;
}

/** One event on its way to one webhook: a message of the deliveries queue. */
export const WebhookDeliverySchema = z.onFirstUse(() =>
  z.object({
    clientId: z.string(),
    webhookId: z.string(),
    event: CallStatusChangedSchema,
  }),
);
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export interface WebhookPorts {
  readonly management: ManagementStore;
  readonly webhooks: WebhookStore;
  readonly deliveries: WebhookDeliveryQueue;
  readonly ids: IdSource;
  /**
   * The local stack: `http` too, and receivers on this machine or its network. Never in AWS, where only `https`
   * URLs are taken and none that points inside the network.
   */
  readonly allowHttp: boolean;
  /** Resolves a new webhook's host name, to refuse one that points inside at once. @default addresses only */
  readonly resolveHost?: ResolveHost;
}

/** The problem with a webhook URL as written, or undefined. Where it resolves to is checked at each delivery. */
export function webhookUrlProblem(url: string, allowHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL, e.g. https://crm.example.com/callnow';
  }
  if (url.length > 2048) return 'must be at most 2048 characters';
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:'))
    return 'must be an https URL';
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  return undefined;
}

export const WebhookCreateSchema = z.onFirstUse(() =>
  z.strictObject({
    url: z.string().check(z.minLength(1, 'url is required'), z.maxLength(4096)),
    /** Only the calls of this extension of the client; absent, all of them. */
    extensionId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  }),
);

export async function createWebhook(
  ports: WebhookPorts,
  principal: Principal,
  clientId: string,
  { url, extensionId }: z.infer<typeof WebhookCreateSchema>,
): Promise<{ readonly webhook: WebhookView; readonly secret: string }> {
  const client = await loadClient(ports.management, principal, clientId);
  if (extensionId !== undefined) {
    const extension = await ports.management.getExtension(extensionId);
    if (extension?.clientId !== client.clientId) {
      throw new ManagementError(
        'invalid',
        `extensionId is not an extension of ${client.name}`,
        'extensionId',
      );
    }
  }
  const problem =
    webhookUrlProblem(url, ports.allowHttp) ??
    (ports.allowHttp ? undefined : await webhookHostProblem(new URL(url), ports.resolveHost));
  if (problem) throw new ManagementError('invalid', `url ${problem}`, 'url');
  if ((await ports.webhooks.listWebhooks(client.clientId)).length >= MAX_WEBHOOKS_PER_CLIENT) {
    throw conflict(`a client has at most ${MAX_WEBHOOKS_PER_CLIENT} webhooks; delete one first`);
  }
  const webhook: Webhook = {
    webhookId: ports.ids.newId(),
    clientId: client.clientId,
    resellerId: client.resellerId,
    ...(extensionId === undefined ? {} : { extensionId }),
    url,
    secret: `whsec_${randomBytes(32).toString('base64url')}`,
    createdAt: ports.ids.now().toISOString(),
  };
  await ports.webhooks.putWebhook(webhook);
  return { webhook: viewOf(webhook), secret: webhook.secret };
}

export async function listClientWebhooks(
  ports: Pick<WebhookPorts, 'management' | 'webhooks'>,
  principal: Principal,
  clientId: string,
): Promise<WebhookView[]> {
  const client = await loadClient(ports.management, principal, clientId);
  return (await ports.webhooks.listWebhooks(client.clientId)).map(viewOf);
}

/** A webhook of a client the principal may see; 404 otherwise, as for a client it may not see. */
export async function loadWebhook(
  ports: Pick<WebhookPorts, 'management' | 'webhooks'>,
  principal: Principal,
  clientId: string,
  webhookId: string,
): Promise<Webhook> {
  const client = await loadClient(ports.management, principal, clientId);
  const webhook = await ports.webhooks.getWebhook(client.clientId, webhookId);
  if (!webhook) throw notFound('webhook');
  return webhook;
}

export async function deleteWebhook(
  ports: Pick<WebhookPorts, 'management' | 'webhooks'>,
  principal: Principal,
  clientId: string,
  webhookId: string,
): Promise<void> {
  const webhook = await loadWebhook(ports, principal, clientId, webhookId);
  await ports.webhooks.deleteWebhook(webhook.clientId, webhook.webhookId);
}

export async function webhookDeliveries(
  ports: Pick<WebhookPorts, 'management' | 'webhooks'>,
  principal: Principal,
  clientId: string,
  webhookId: string,
): Promise<DeliveryAttempt[]> {
  const webhook = await loadWebhook(ports, principal, clientId, webhookId);
  return ports.webhooks.listAttempts(webhook.webhookId);
}

/** Queues an event that looks like a real one, marked `test`, for this webhook alone. */
export async function sendTestEvent(
  ports: WebhookPorts,
  principal: Principal,
  clientId: string,
  webhookId: string,
): Promise<CallStatusChanged> {
  const webhook = await loadWebhook(ports, principal, clientId, webhookId);
  const at = ports.ids.now().toISOString();
  const requestId = `test-${ports.ids.newId()}`;
  const event: CallStatusChanged = {
    version: '1',
    eventId: `${requestId}:completed`,
    requestId,
    callNowId: 'test',
    extensionId: webhook.extensionId ?? 'test',
    siteId: 'test',
    clientId: webhook.clientId,
    resellerId: webhook.resellerId,
    state: 'completed',
    at,
    createdAt: at,
    visitor: { number: '+1********00', numberMasked: true, name: 'Test Visitor' },
    test: true,
  };
  await ports.deliveries.enqueue({ clientId: webhook.clientId, webhookId: webhook.webhookId, event });
  return event;
}

/** The webhooks an event goes to: those of the event's own client, and no other's, for all its calls or this one's extension. */
export async function webhooksFor(store: WebhookStore, event: CallStatusChanged): Promise<Webhook[]> {
  if (event.clientId === undefined) return [];
  return (await store.listWebhooks(event.clientId)).filter(
    (webhook) =>
      webhook.clientId === event.clientId &&
      (webhook.extensionId === undefined || webhook.extensionId === event.extensionId),
  );
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as the receiver checks it (README, "Webhooks"). */
export function signatureOf(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Seconds before the n-th retry (n from 1): 30 s doubling to at most an hour; 30 attempts span about a day. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempt - 1), 3600);
}
