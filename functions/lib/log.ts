// One-line JSON logs, which CloudWatch Logs Insights can query. Never pass a visitor's number unmasked.

type Fields = Record<string, unknown>;
type Level = 'info' | 'warn' | 'error';

const RANK: Record<Level | 'silent', number> = { info: 0, warn: 1, error: 2, silent: 3 };
const configured = process.env.LOG_LEVEL?.toLowerCase();
const threshold = configured && configured in RANK ? RANK[configured as Level] : RANK.info;

function write(level: Level, msg: string, fields: Fields): void {
  if (RANK[level] < threshold) return;
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

export const log = {
  info: (msg: string, fields: Fields = {}) => write('info', msg, fields),
  warn: (msg: string, fields: Fields = {}) => write('warn', msg, fields),
  error: (msg: string, fields: Fields = {}) => write('error', msg, fields),
};

export function describeError(error: unknown): Fields {
  return error instanceof Error ? { error: error.name, detail: error.message } : { error: String(error) };
}
