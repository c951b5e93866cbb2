// What the console function is built from: Lambda, the local stack and tests each give their own.

import type { ManagementStore } from '../domain/management-ports.ts';
import type { IdSource } from '../domain/owner-tree.ts';
import type { Clock } from '../domain/ports.ts';
import type { PasswordHasher } from '../domain/server-settings.ts';
import type { SessionStore } from '../domain/sessions.ts';
import type { ResolveHost } from '../domain/webhook-addresses.ts';
import type { WebhookDeliveryQueue, WebhookStore } from '../domain/webhooks.ts';
import type { EdgeOptions } from '../http/edge.ts';

export interface ConsolePorts {
  readonly management: ManagementStore;
  readonly sessions: SessionStore;
  readonly passwords: PasswordHasher;
  readonly ids: IdSource;
  readonly clock: Clock;
  /** 256 random bits, URL-safe: session ids and CSRF tokens. */
  readonly newSecret: () => string;
  /** Behind CloudFront (`waf`): the secret header that proves a request came through it. */
  readonly edge?: EdgeOptions;
  /** The clients' webhooks; absent, the console has no webhook screens. */
  readonly webhooks?: {
    readonly store: WebhookStore;
    readonly deliveries: WebhookDeliveryQueue;
    readonly allowHttp: boolean;
    readonly resolveHost?: ResolveHost;
  };
}
