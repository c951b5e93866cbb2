// The connector's logs: one JSON object a line, with the request id on every line about a call.

export type LogFields = Readonly<Record<string, unknown>>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ConnectorLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface JsonLoggerOptions {
  /** @default 'info' */
  readonly level?: LogLevel;
  /** @default one line to stderr */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

export function createJsonLogger(options: JsonLoggerOptions = {}): ConnectorLogger {
  const minimum = LEVEL_RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const log =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}): void => {
      if (LEVEL_RANK[level] < minimum) return;
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, msg: message, ...fields }));
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: ConnectorLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause = error.cause instanceof Error ? { cause: `${error.cause.name}: ${error.cause.message}` } : {};
  return { error: error.name, detail: error.message, ...cause };
}
