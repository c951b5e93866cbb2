// The connector's logs: pino JSON lines, with the request id on every line about a call (a child logger per call).
import { pino } from 'pino';

export type LogFields = Readonly<Record<string, unknown>>;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ConnectorLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` (e.g. `{ requestId }`) to every line. */
  child(fields: LogFields): ConnectorLogger;
}

export interface JsonLoggerOptions {
  /** @default 'info' */
  readonly level?: LogLevel;
  /** @default one line to stderr, written synchronously (nothing is lost when the process exits) */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

/** `{"level":"info","time":"2026-11-26T17:42:26.652Z","requestId":"...","msg":"..."}` a line. */
export function createJsonLogger(options: JsonLoggerOptions = {}): ConnectorLogger {
  const now = options.now ?? Date.now;
  const write = options.write;
  const destination = write
    ? { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) }
    : pino.destination({ dest: 2, sync: true });
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: () => `,"time":"${new Date(now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(logger);
}

function wrap(logger: pino.Logger): ConnectorLogger {
  return {
    debug: (message, fields = {}) => logger.debug(fields, message),
    info: (message, fields = {}) => logger.info(fields, message),
    warn: (message, fields = {}) => logger.warn(fields, message),
    error: (message, fields = {}) => logger.error(fields, message),
    child: (fields) => wrap(logger.child(fields)),
  };
}

export const silentLogger: ConnectorLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause = error.cause instanceof Error ? { cause: `${error.cause.name}: ${error.cause.message}` } : {};
  return { error: error.name, detail: error.message, ...cause };
}
