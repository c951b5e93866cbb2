// The journal's errors, and the lock file that keeps a second connector away from a state directory.
import { constants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';

export class JournalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JournalError';
  }
}

/** Another connector (a live process) holds the state directory. */
export class JournalLockedError extends JournalError {
  constructor(
    readonly lockPath: string,
    readonly pid: number,
  ) {
    super(
      `another edge connector (pid ${pid}) is using ${lockPath}: run one connector per state directory ` +
        '(delete the lock file only if that process is not a connector)',
    );
    this.name = 'JournalLockedError';
  }
}

/** Lock files this process holds: its own pid in a lock file may also be a leftover from before a reboot. */
const locksHeld = new Set<string>();

export async function takeLock(lockPath: string): Promise<void> {
  if (locksHeld.has(lockPath)) throw new JournalLockedError(lockPath, process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      locksHeld.add(lockPath);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new JournalError(`cannot create the lock file ${lockPath}`, { cause: error });
      }
    }
    const pid = Number.parseInt((await readFile(lockPath, 'utf8').catch(() => '')).trim(), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new JournalLockedError(lockPath, pid);
    }
    // Left behind by a connector that was killed: take it over.
    await rm(lockPath, { force: true });
  }
  throw new JournalError(`cannot take the lock file ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Gives the lock up: the directory is free for the next connector. */
export async function releaseLock(lockPath: string): Promise<void> {
  locksHeld.delete(lockPath);
  await rm(lockPath, { force: true });
}
