// Helper processes of the benchmark (load generator, connector): TypeScript run by node with tsx, as the connector
// runs under systemd, spoken to over the IPC channel, each request answered or given up after a timeout.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { BenchTimeoutError } from './wait.ts';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

export interface TsChildOptions {
  /** Preloaded after tsx, before the script (node --import). */
  readonly preload?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** What happens to the child's stderr. @default 'inherit' */
  readonly stderr?: 'inherit' | 'pipe' | 'ignore';
}

/** Starts `node --import tsx <script>` from the project root with an IPC channel. */
export function spawnTsChild(script: string, options: TsChildOptions = {}): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', ...(options.preload ? ['--import', options.preload] : []), script],
    {
      cwd: PROJECT_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'inherit', options.stderr ?? 'inherit', 'ipc'],
    },
  );
}

export class ChildExitedError extends Error {
  constructor(what: string, code: number | null, signal: NodeJS.Signals | null) {
    super(`${what} exited (code ${code}, signal ${signal}) before answering`);
    this.name = 'ChildExitedError';
  }
}

/** Sends `message` and resolves with the first answer that `accept` takes; rejects on timeout or exit. */
export function ask<T>(
  child: ChildProcess,
  message: unknown,
  accept: (answer: unknown) => T | undefined,
  what: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (answer: unknown) => {
      const accepted = accept(answer);
      if (accepted === undefined) return;
      finish();
      resolve(accepted);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      finish();
      reject(new ChildExitedError(what, code, signal));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new BenchTimeoutError(what, timeoutMs));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message as Parameters<ChildProcess['send']>[0]);
  });
}

/** Ends a child we started: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
