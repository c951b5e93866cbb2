// What the management API's handler is built from: Lambda, the local stack and tests each give their own.
import type { CallApiPorts } from '../domain/call-api.ts';
import type { IdSource } from '../domain/owner-tree.ts';
import type { PasswordHasher } from '../domain/server-settings.ts';
import type { ResolveHost } from '../domain/webhook-addresses.ts';
import type { WebhookDeliveryQueue, WebhookStore } from '../domain/webhooks.ts';
import type { EdgeOptions } from '../http/edge.ts';

export interface ManagementPorts extends CallApiPorts {
  readonly passwords: PasswordHasher;
  readonly ids: IdSource;
  /** Behind CloudFront (`waf`): the secret header that proves a request came through it. */
  readonly edge?: EdgeOptions;
  /** The clients' webhooks; absent, their routes answer 404. */
  readonly webhooks?: {
    readonly store: WebhookStore;
    readonly deliveries: WebhookDeliveryQueue;
    /** Only the local stack takes http URLs. */
    readonly allowHttp: boolean;
    readonly resolveHost?: ResolveHost;
  };
}
