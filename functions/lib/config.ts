// The functions' configuration, read once per container; a missing or bad variable fails fast, by name.

import * as z from '../../contracts/zod.ts';

/** Environment variables the functions read; the stack and the local stack set them. */
export const FUNCTION_ENV = {
  tableName: 'TABLE_NAME',
  /** JSON object: site id -> that site's call-requests queue URL. */
  callRequestsQueueUrls: 'CALL_REQUESTS_QUEUE_URLS',
  /** With `waf` only: the secret header value CloudFront adds, which proves a request came through it. */
  originVerifySecret: 'ORIGIN_VERIFY_SECRET',
  /** The EventBridge bus the call events go to; unset: none are published. */
  eventBusName: 'EVENT_BUS_NAME',
  /** The queue a webhook's deliveries wait in (the webhooks function's own, and the test button's). */
  webhookDeliveriesQueueUrl: 'WEBHOOK_DELIVERIES_QUEUE_URL',
} as const;

export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

export interface FunctionConfig {
  readonly tableName: string;
  readonly callRequestsQueueUrls: Readonly<Record<string, string>>;
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`environment variable ${name} is required`);
  return value;
}

export function loadTableName(env: NodeJS.ProcessEnv): string {
  return requireEnv(env, FUNCTION_ENV.tableName);
}

/** Set by the stack only with `waf`: the value of the header CloudFront adds to every request it forwards. */
export function loadEdgeOptions(env: NodeJS.ProcessEnv): { originVerifySecret?: string } {
  const secret = env[FUNCTION_ENV.originVerifySecret];
  return secret ? { originVerifySecret: secret } : {};
}

export function loadQueueUrls(env: NodeJS.ProcessEnv): Readonly<Record<string, string>> {
  const name = FUNCTION_ENV.callRequestsQueueUrls;
  let json: unknown;
  try {
    json = JSON.parse(requireEnv(env, name));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`environment variable ${name} must be a JSON object of site id -> queue URL`, {
      cause: error,
    });
  }
  // Built here, not at module load: it is read once per container, and never by the call-events function.
  const parsed = z.record(z.string(), z.url()).safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`environment variable ${name} must be a JSON object of site id -> queue URL`);
  }
  return parsed.data;
}
