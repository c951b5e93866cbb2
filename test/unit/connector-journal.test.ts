// The request journal on disk (a temporary directory): what a restarted connector remembers, and what it may not lose.
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ClaimedRequest,
  createInMemoryJournal,
  JOURNAL_FILE_NAME,
  JournalLockedError,
  LOCK_FILE_NAME,
  openFileJournal,
  type RequestJournal,
} from '../../edge-connector/src/request-journal.ts';

let dir: string;
const open: RequestJournal[] = [];

async function journalIn(options: Parameters<typeof openFileJournal>[1] = {}): Promise<RequestJournal> {
  const journal = await openFileJournal(dir, options);
  open.push(journal);
  return journal;
}

async function reopen(journal: RequestJournal, options: Parameters<typeof openFileJournal>[1] = {}) {
  await journal.close();
  return journalIn(options);
}

function claimed(requestId: string, overrides: Partial<ClaimedRequest> = {}): ClaimedRequest {
  return {
    requestId,
    actionId: `callnow-${requestId}-1`,
    extensionNumber: '101',
    extensionChannel: 'PJSIP/101',
    confirm: true,
    ringSeconds: 30,
    expiresAt: new Date(Date.now() + 120_000).toISOString(),
    claimedAt: Date.now(),
    ...overrides,
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'callnow-journal-'));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((journal) => journal.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('the file journal', () => {
  it('has a claim on disk by the time claim() resolves, and says claimed at once', async () => {
    const journal = await journalIn();

    const written = journal.claim(claimed('req-1'));
    const stateBeforeDisk = journal.state('req-1');
    await written;
    const onDisk = await readFile(join(dir, JOURNAL_FILE_NAME), 'utf8');

    expect(stateBeforeDisk).toBe('claimed');
    expect(onDisk).toContain('"op":"claim"');
    expect(onDisk).toContain('"requestId":"req-1"');
  });

  it('remembers across a restart which calls were in flight, and where they had got to', async () => {
    let journal = await journalIn();
    await journal.claim(claimed('req-1', { confirm: false, ringSeconds: 20 }));
    journal.progress('req-1', { reported: 'dialing_visitor', channel: 'PJSIP/101-0000002a' });
    await journal.claim(claimed('req-2'));

    journal = await reopen(journal);

    expect(journal.state('req-1')).toBe('claimed');
    expect(journal.unfinished()).toEqual([
      expect.objectContaining({
        requestId: 'req-1',
        confirm: false,
        ringSeconds: 20,
        reported: 'dialing_visitor',
        channel: 'PJSIP/101-0000002a',
      }),
      expect.objectContaining({ requestId: 'req-2', reported: 'queued' }),
    ]);
  });

  it('lets a released request be dialled again after a restart (its Originate never left)', async () => {
    let journal = await journalIn();
    await journal.claim(claimed('req-1'));
    await journal.release('req-1');

    journal = await reopen(journal);

    expect(journal.state('req-1')).toBeUndefined();
    expect(journal.unfinished()).toEqual([]);
  });

  it('keeps a decided outcome, and whether the cloud has it, across a restart', async () => {
    let journal = await journalIn();
    await journal.claim(claimed('req-1'));
    await journal.decide('req-1', claimed('req-1').expiresAt, { status: 'failed', reason: 'visitor_busy' });
    await journal.decide('req-2', claimed('req-2').expiresAt, { status: 'completed' });
    journal.markReported('req-2');

    journal = await reopen(journal);

    expect(journal.state('req-1')).toBe('decided');
    expect(journal.unfinished()).toEqual([]);
    expect(journal.unreported()).toEqual([
      { requestId: 'req-1', outcome: { status: 'failed', reason: 'visitor_busy' }, reported: false },
    ]);
    expect(journal.decided('req-2')).toEqual({
      requestId: 'req-2',
      outcome: { status: 'completed' },
      reported: true,
    });
  });

  it('skips a line torn by a crash and keeps everything else', async () => {
    let journal = await journalIn();
    await journal.claim(claimed('req-1'));
    await journal.close();
    await appendFile(join(dir, JOURNAL_FILE_NAME), '{"op":"claim","requestId":"req-2","actio');
    const problems: string[] = [];

    journal = await journalIn({ onProblem: (message) => problems.push(message) });

    expect(journal.state('req-1')).toBe('claimed');
    expect(journal.state('req-2')).toBeUndefined();
    expect(problems).toEqual(['skipped an unreadable journal line']);
  });

  it('forgets decided requests an hour after they expired, when it compacts', async () => {
    let journal = await journalIn();
    const longExpired = new Date(Date.now() - 2 * 3600_000).toISOString();
    await journal.decide('old', longExpired, { status: 'completed' });
    journal.markReported('old');
    await journal.decide('recent', claimed('recent').expiresAt, { status: 'completed' });
    journal.markReported('recent');

    journal = await reopen(journal);

    expect(journal.state('old')).toBeUndefined();
    expect(journal.state('recent')).toBe('decided');
  });

  it('compacts a long file down to what it still holds, without losing a claim', async () => {
    let journal = await journalIn({ compactAfterLines: 50 });
    for (let index = 0; index < 60; index++) {
      const requestId = `req-${index}`;
      await journal.claim(claimed(requestId));
      journal.progress(requestId, { reported: 'dialing_extension' });
      if (index !== 7) await journal.release(requestId);
    }
    await journal.claim(claimed('last'));
    const sizeAfterCompaction = (await stat(join(dir, JOURNAL_FILE_NAME))).size;

    journal = await reopen(journal);

    expect(sizeAfterCompaction).toBeLessThan(60 * 3 * 100);
    expect(journal.unfinished().map((entry) => entry.requestId)).toEqual(['req-7', 'last']);
  });

  it('refuses a second connector on the same state directory while the first runs', async () => {
    await journalIn();

    const second = await openFileJournal(dir).catch((error: unknown) => error);

    expect(second).toBeInstanceOf(JournalLockedError);
    expect((second as Error).message).toContain(`pid ${process.pid}`);
  });

  it('takes over the lock of a connector that was killed', async () => {
    // A pid that cannot be running: above the kernel's maximum.
    await writeFile(join(dir, LOCK_FILE_NAME), '4194305\n');

    const journal = await journalIn();
    await journal.claim(claimed('req-1'));

    expect(journal.state('req-1')).toBe('claimed');
    expect((await readFile(join(dir, LOCK_FILE_NAME), 'utf8')).trim()).toBe(String(process.pid));
  });

  it('gives the lock back on close', async () => {
    const journal = await journalIn();

    await journal.close();

    await expect(stat(join(dir, LOCK_FILE_NAME))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the in-memory journal', () => {
  it('answers like the file journal, without a disk', async () => {
    const journal = createInMemoryJournal(2);
    await journal.claim(claimed('req-1'));
    journal.progress('req-1', { reported: 'connected' });
    await journal.decide('a', claimed('a').expiresAt, { status: 'completed' });
    await journal.decide('b', claimed('b').expiresAt, { status: 'completed' });
    await journal.decide('c', claimed('c').expiresAt, { status: 'completed' });

    expect(journal.unfinished()).toEqual([
      expect.objectContaining({ requestId: 'req-1', reported: 'connected' }),
    ]);
    // Bounded: the oldest decided id went.
    expect(['a', 'b', 'c'].map((id) => journal.state(id))).toEqual([undefined, 'decided', 'decided']);
  });
});
