// `callnow-connector doctor` against the AMI simulator set up as a PBX administrator might have left it, and the local
// SQS: each check says ok, warn or fail with its fix, nothing places a call or takes a request off the queue.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AmiSimulator,
  type AmiSimulatorOptions,
  startAmiSimulator,
} from '../../edge-connector/simulator/ami-simulator.ts';
import { runDoctor } from '../../edge-connector/src/doctor/doctor.ts';
import { localConnectorEnv } from '../../infra/local/connector-env.ts';
import { type LocalQueues, startLocalQueues } from '../support/connector-peers.ts';

const SHIPPED = path.join(import.meta.dirname, '../../edge-connector/asterisk/extensions_callnow.conf');

let queues: LocalQueues;
let soundsDir: string;
const simulators: AmiSimulator[] = [];

beforeAll(async () => {
  queues = await startLocalQueues([{ QueueName: 'requests-hq' }, { QueueName: 'events' }]);
  soundsDir = mkdtempSync(path.join(tmpdir(), 'callnow-sounds-'));
  mkdirSync(path.join(soundsDir, 'en/digits'), { recursive: true });
  writeFileSync(path.join(soundsDir, 'en/vm-press.gsm'), '');
  writeFileSync(path.join(soundsDir, 'en/digits/0.gsm'), '');
});

afterAll(async () => {
  await Promise.all(simulators.map((simulator) => simulator.close()));
  await queues.close();
  rmSync(soundsDir, { recursive: true, force: true });
});

async function doctor(
  simulatorOptions: AmiSimulatorOptions = {},
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; lines: string[]; output: string }> {
  const simulator = await startAmiSimulator(simulatorOptions);
  simulators.push(simulator);
  const lines: string[] = [];
  const code = await runDoctor({
    env: {
      ...localConnectorEnv({
        sqsEndpoint: queues.endpoint,
        callRequestsQueueUrl: queues.url('requests-hq'),
        callEventsQueueUrl: queues.url('events'),
        siteId: 'hq',
        ami: simulator,
        stateDir: '/nonexistent',
      }),
      ASTERISK_SOUNDS_DIR: soundsDir,
      ...env,
    },
    write: (line) => lines.push(line),
    sqs: queues.sqs,
  });
  return { code, lines, output: lines.join('\n') };
}

/** The line of one check, and the fix line under it when there is one. */
function checkLine(lines: string[], check: string): { line: string; fix: string | undefined } {
  const index = lines.findIndex((line) => line.slice(6).startsWith(`${check}:`));
  if (index < 0) throw new Error(`no "${check}" line in:\n${lines.join('\n')}`);
  const next = lines[index + 1];
  return { line: lines[index] as string, fix: next?.startsWith('      fix: ') ? next.slice(11) : undefined };
}

describe('callnow-connector doctor', () => {
  it('passes every check against a PBX set up as the README says, and leaves the queue alone', async () => {
    await queues.sqs.send(new SendMessageCommand({ QueueUrl: queues.url('requests-hq'), MessageBody: '{}' }));
    const { code, lines, output } = await doctor({}, { PRESENCE_EXTENSIONS: '101,102' });
    expect(code, output).toBe(0);
    for (const check of [
      'settings',
      'AMI login',
      'AMI permissions',
      'AMI events',
      'dialplan',
      'presence hints',
      'confirmation prompt',
      'call-requests queue',
      'call-events queue',
    ]) {
      expect(checkLine(lines, check).line, output).toMatch(/^ok {4}/);
    }
    expect(lines.at(-1)).toBe('all 9 checks passed');
    const { Attributes } = await queues.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues.url('requests-hq'),
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    expect(simulators.at(-1)?.actions.some((action) => action.name === 'Originate')).toBe(false);
  });

  it('fails, naming the file to install, when Asterisk has no CallNow context', async () => {
    const { code, lines } = await doctor({ dialplan: '' });
    expect(code).toBe(1);
    const { line, fix } = checkLine(lines, 'dialplan');
    expect(line).toBe('FAIL  dialplan: Asterisk has no [callnow] context: no call could be placed');
    expect(fix).toContain('copy /usr/share/callnow-connector/extensions_callnow.conf to /etc/asterisk/');
    expect(fix).toContain('dialplan reload');
    expect(lines.at(-1)).toBe('1 of 9 checks failed');
  });

  it('warns, naming the first difference, when the installed dialplan is an older or edited one', async () => {
    const edited = readFileSync(SHIPPED, 'utf8').replace(
      'Read(CALLNOW_DIGIT,,1,,1,10)',
      'Read(CALLNOW_DIGIT,,1,,1,5)',
    );
    const { code, lines } = await doctor({ dialplan: edited });
    expect(code).toBe(0);
    const { line, fix } = checkLine(lines, 'dialplan');
    expect(line).toMatch(
      /^WARN {2}dialplan: the installed dialplan is not the shipped one: .*Read\(CALLNOW_DIGIT,,1,,1,5\)/,
    );
    expect(fix).toContain('extensions_callnow.conf');
  });

  it('fails when the AMI user may not originate, naming the write class to add', async () => {
    const { code, lines } = await doctor({ writePermissions: ['call', 'reporting', 'user'] });
    expect(code).toBe(1);
    const { line, fix } = checkLine(lines, 'AMI permissions');
    expect(line).toBe('FAIL  AMI permissions: the AMI user may not send Originate');
    expect(fix).toMatch(/^add originate to its write= in \/etc\/asterisk\/manager.conf/);
  });

  it('fails when the AMI login is refused, naming the settings to check', async () => {
    const { code, lines } = await doctor({}, { AMI_SECRET: 'wrong' });
    expect(code).toBe(1);
    const { line, fix } = checkLine(lines, 'AMI login');
    expect(line).toMatch(/^FAIL {2}AMI login: /);
    expect(fix).toContain('AMI_SECRET');
  });

  it('warns about presence extensions without a hint', async () => {
    const { code, lines } = await doctor({}, { PRESENCE_EXTENSIONS: '101,999' });
    expect(code).toBe(0);
    expect(checkLine(lines, 'presence hints').line).toBe(
      'WARN  presence hints: [ext-local] has no hint for 999: "not while on the phone" cannot tell when they are busy',
    );
  });

  it('fails when the confirmation prompt cannot be played, naming the sounds to install', async () => {
    const { code, lines } = await doctor({ globals: { CALLNOW_CONFIRM_PROMPT: 'custom/press-zero' } });
    expect(code).toBe(1);
    const { line, fix } = checkLine(lines, 'confirmation prompt');
    expect(line).toContain('custom/press-zero not found under');
    expect(line).toContain('pbx_misconfigured');
    expect(fix).toContain('asterisk-core-sounds');
  });

  it('fails a queue it cannot reach, naming the setting', async () => {
    const { code, lines } = await doctor({}, { CALL_EVENTS_QUEUE_URL: queues.url('no-such-queue') });
    expect(code).toBe(1);
    expect(checkLine(lines, 'call-events queue').line).toMatch(
      /^FAIL {2}call-events queue: cannot be reached: /,
    );
    expect(checkLine(lines, 'call-events queue').fix).toContain('CALL_EVENTS_QUEUE_URL');
    expect(checkLine(lines, 'call-requests queue').line).toMatch(/^ok/);
  });

  it('fails on missing settings before connecting to anything', async () => {
    const { code, lines } = await doctor({}, { SITE_ID: '', AMI_USERNAME: '' });
    expect(code).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('set SITE_ID, AMI_USERNAME in /etc/callnow/connector.env');
  });
});
