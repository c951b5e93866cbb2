// The settings file systemd reads as EnvironmentFile= (/etc/callnow/connector.env), read the same way when the
// command is run by hand: NAME=value a line, `#` comments, optional quotes. A variable already set wins.
import { readFileSync } from 'node:fs';

export class EnvFileError extends Error {}

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

export function parseEnvFile(text: string, file = 'the env file'): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = LINE.exec(line);
    if (!match)
      throw new EnvFileError(
        `${file}, line ${index + 1}: expected NAME=value, found ${JSON.stringify(line)}`,
      );
    const [, name, rawValue] = match as unknown as [string, string, string];
    const quoted = /^(["'])(.*)\1$/.exec(rawValue);
    values[name] = quoted ? (quoted[2] as string) : rawValue;
  });
  return values;
}

/**
 * Adds the file's settings to `env` where it has none (an empty variable is none). In place, because the AWS SDK
 * reads its region and credentials from process.env itself.
 */
export function applyEnvFile(file: string, env: NodeJS.ProcessEnv = process.env): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EnvFileError(`cannot read ${file} (${code ?? 'error'}): run as root or as the callnow user`);
  }
  for (const [name, value] of Object.entries(parseEnvFile(text, file))) {
    if (!env[name]) env[name] = value;
  }
}
