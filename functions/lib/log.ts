// One-line JSON logs, which CloudWatch Logs Insights can query. Never pass a visitor's number unmasked.

type Fields = Record<string, unknown>;

function write(level: 'info' | 'warn' | 'error', msg: string, fields: Fields): void {
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
