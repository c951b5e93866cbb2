// How the AMI client is set up: where it connects, its timeouts, and how long it waits before trying again.
import type { AmiLogger } from './types.ts';

export interface AmiClientOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  /** @default 5000 */
  readonly actionTimeoutMs?: number;
  /** How long one attempt may take to be ready: TCP connect, Login answered and FullyBooted seen. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** Delay in ms before connection attempt `attempt` (1 = first retry), or null to give up. @default defaultRetryStrategy */
  readonly retry?: (attempt: number) => number | null;
  /**
   * Delay in ms before logging in again after Asterisk refused the credentials `attempt` times in a row, or null to
   * give up. Slow on purpose: a wrong secret is fixed by a person, and every refusal is a security event on the PBX.
   * @default defaultLoginRetryStrategy
   */
  readonly loginRetry?: (attempt: number) => number | null;
  /** @default a logger that drops everything */
  readonly logger?: AmiLogger;
}

export const DEFAULT_ACTION_TIMEOUT_MS = 5000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 10_000;
const FIRST_LOGIN_RETRY_DELAY_MS = 30_000;
const MAX_LOGIN_RETRY_DELAY_MS = 300_000;
export const LOGOFF_TIMEOUT_MS = 1000;
export const SOCKET_CLOSE_WAIT_MS = 1000;

/** Capped exponential backoff with jitter: 250 ms doubling to 10 s, each delay drawn from its upper half. */
export function defaultRetryStrategy(attempt: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceilingMs / 2 + (random() * ceilingMs) / 2);
}

/** After a refused login: 30 s doubling to 5 min, each delay drawn from its upper half; never gives up. */
export function defaultLoginRetryStrategy(attempt: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(
    MAX_LOGIN_RETRY_DELAY_MS,
    FIRST_LOGIN_RETRY_DELAY_MS * 2 ** Math.max(0, attempt - 1),
  );
  return Math.round(ceilingMs / 2 + (random() * ceilingMs) / 2);
}

export function isPositiveMs(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

function positiveMs(value: number, name: string): number {
  if (!isPositiveMs(value))
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}

/** The options with their defaults, checked once. */
export interface ResolvedClientOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  readonly actionTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly retry: (attempt: number) => number | null;
  readonly loginRetry: (attempt: number) => number | null;
}

export function resolveClientOptions(options: AmiClientOptions): ResolvedClientOptions {
  const { host, port, username, secret } = options;
  return {
    host,
    port,
    username,
    secret,
    actionTimeoutMs: positiveMs(options.actionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS, 'actionTimeoutMs'),
    connectTimeoutMs: positiveMs(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs'),
    retry: options.retry ?? ((attempt) => defaultRetryStrategy(attempt)),
    loginRetry: options.loginRetry ?? ((attempt) => defaultLoginRetryStrategy(attempt)),
  };
}
