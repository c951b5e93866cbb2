// The connector as a PBX administrator installs it: `npm run package:connector` builds the .deb; its files and control
// fields are read with dpkg-deb; the bundle, unpacked into a folder with no node_modules anywhere above it, places a
// call through the local SQS and the AMI simulator, and its `doctor` checks the simulated PBX.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AmiSimulator, startAmiSimulator } from '../../edge-connector/simulator/ami-simulator.ts';
import { localConnectorEnv } from '../../infra/local/connector-env.ts';
import { buildConnectorPackage } from '../../scripts/package-connector.ts';
import { CallEventsCollector, type LocalQueues, startLocalQueues } from '../support/connector-peers.ts';
import { callRequested } from '../support/fixtures.ts';

const BUNDLE = 'usr/lib/callnow-connector/callnow-connector.mjs';
const { version } = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8'),
) as {
  version: string;
};

let work: string;
let deb: string;
let unpacked: string;
let queues: LocalQueues;
let simulator: AmiSimulator;
let bareSimulator: AmiSimulator;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'callnow-package-'));
  deb = await buildConnectorPackage(path.join(work, 'dist'));
  unpacked = path.join(work, 'root');
  execFileSync('dpkg-deb', ['-x', deb, unpacked]);
  queues = await startLocalQueues([{ QueueName: 'requests-hq' }, { QueueName: 'events' }]);
  simulator = await startAmiSimulator({ timeScale: 0.02 });
  bareSimulator = await startAmiSimulator({ dialplan: '' });
  mkdirSync(path.join(work, 'sounds/en/digits'), { recursive: true });
  writeFileSync(path.join(work, 'sounds/en/vm-press.gsm'), '');
  writeFileSync(path.join(work, 'sounds/en/digits/0.gsm'), '');
}, 60_000);

afterAll(async () => {
  await Promise.all([simulator.close(), bareSimulator.close()]);
  await queues.close();
  rmSync(work, { recursive: true, force: true });
});

/** The settings file an administrator fills in, for a connector talking to `ami`. */
function envFile(ami: AmiSimulator, name: string): string {
  const env = localConnectorEnv({
    sqsEndpoint: queues.endpoint,
    callRequestsQueueUrl: queues.url('requests-hq'),
    callEventsQueueUrl: queues.url('events'),
    siteId: 'hq',
    ami,
    stateDir: mkdtempSync(path.join(work, 'state-')),
  });
  const file = path.join(work, name);
  const lines = Object.entries(env)
    .filter(([key]) => key !== 'PATH')
    .map(([key, value]) => `${key}=${value}`);
  writeFileSync(
    file,
    `# filled in by the test\n${lines.join('\n')}\nASTERISK_SOUNDS_DIR=${path.join(work, 'sounds')}\nRECEIVE_WAIT_SECONDS=1\n`,
  );
  return file;
}

/** The bundle run as /usr/bin/callnow-connector runs it, from the unpacked package, with PATH and nothing else. */
function runBundle(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(unpacked, BUNDLE), ...args],
      { cwd: unpacked, env: { PATH: process.env.PATH }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('the connector package', () => {
  it('holds the bundle, the command, the unit, the settings file and the dialplan, and says what it needs', () => {
    const files = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => !line.startsWith('d'))
      .map((line) => line.split(/\s+/).slice(5).join(' '))
      .filter(Boolean)
      .sort();
    expect(files).toEqual([
      './etc/callnow/connector.env',
      './lib/systemd/system/callnow-connector.service',
      './usr/bin/callnow-connector',
      './usr/lib/callnow-connector/callnow-connector.mjs',
      './usr/lib/callnow-connector/callnow-connector.mjs.LEGAL.txt',
      './usr/lib/callnow-connector/callnow-connector.mjs.map',
      './usr/share/callnow-connector/README.md',
      './usr/share/callnow-connector/asterisk-README.md',
      './usr/share/callnow-connector/extensions_callnow.conf',
    ]);
    const field = (name: string) => execFileSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).trim();
    expect(path.basename(deb)).toBe(`callnow-connector_${version}_all.deb`);
    expect(field('Package')).toBe('callnow-connector');
    expect(field('Version')).toBe(version);
    expect(field('Architecture')).toBe('all');
    expect(field('Depends')).toContain('nodejs (>= 20)');
    expect(execFileSync('dpkg-deb', ['-I', deb, 'conffiles'], { encoding: 'utf8' })).toBe(
      '/etc/callnow/connector.env\n',
    );
    const postinst = execFileSync('dpkg-deb', ['-I', deb, 'postinst'], { encoding: 'utf8' });
    expect(postinst).toContain('adduser --system --ingroup callnow');
    expect(postinst).toContain('install -d -o callnow -g callnow -m 0700 /var/lib/callnow-connector');
    expect(postinst).not.toMatch(/^\s*systemctl (enable|start)/m);
  });

  it('runs the bundle with node, not tsx, as the callnow user with the settings file', () => {
    const unit = readFileSync(path.join(unpacked, 'lib/systemd/system/callnow-connector.service'), 'utf8');
    expect(unit).toMatch(
      /^ExecStart=\/usr\/bin\/node (--[a-z-]+=\d+ )*\/usr\/lib\/callnow-connector\/callnow-connector.mjs run$/m,
    );
    expect(unit).toContain('EnvironmentFile=/etc/callnow/connector.env');
    expect(unit).toContain('User=callnow');
    expect(unit).not.toContain('tsx');
    const command = readFileSync(path.join(unpacked, 'usr/bin/callnow-connector'), 'utf8');
    expect(command).toContain('--env-file /etc/callnow/connector.env');
  });

  it('ships a settings file with every setting that --help lists, each commented out', async () => {
    const help = await runBundle(['--help']);
    expect(help.code).toBe(0);
    const settings = [...help.stdout.matchAll(/^ {2}([A-Z][A-Z0-9_]+)(?:, ([A-Z][A-Z0-9_]+))?\s/gm)].flatMap(
      ([, first, second]) => [first as string, ...(second ? [second] : [])],
    );
    expect(settings.length).toBeGreaterThan(15);
    const file = readFileSync(path.join(unpacked, 'etc/callnow/connector.env'), 'utf8');
    for (const name of settings) expect(file, name).toMatch(new RegExp(`^#${name}=`, 'm'));
    expect(file).not.toMatch(/^[A-Z]/m);
  });

  it('places a call from a folder without node_modules, through to completed', async () => {
    const events = new CallEventsCollector(queues.sqs, queues.url('events'));
    const connector: ChildProcess = spawn(
      process.execPath,
      [path.join(unpacked, BUNDLE), 'run', '--env-file', envFile(simulator, 'run.env')],
      { cwd: unpacked, env: { PATH: process.env.PATH }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    connector.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => connector.on('exit', resolve));
    try {
      const request = callRequested({
        siteId: 'hq',
        extension: { number: '101' },
        visitor: { phone: '+12025550100' },
      });
      await queues.sqs.send(
        new SendMessageCommand({ QueueUrl: queues.url('requests-hq'), MessageBody: JSON.stringify(request) }),
      );
      const giveUpAt = Date.now() + 15_000;
      while (!events.statusesOf(request.requestId).includes('completed') && Date.now() < giveUpAt) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(events.statusesOf(request.requestId), stderr).toEqual([
        'dialing_extension',
        'awaiting_confirmation',
        'dialing_visitor',
        'connected',
        'completed',
      ]);
    } finally {
      connector.kill('SIGTERM');
      await events.stop();
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"stopping"');
  }, 30_000);

  it('passes its doctor against the simulated PBX', async () => {
    const { code, stdout } = await runBundle(['doctor', '--env-file', envFile(simulator, 'doctor.env')]);
    expect(stdout).toMatch(/^ok {4}dialplan: \[callnow\] and its two helpers are the shipped dialplan$/m);
    expect(stdout).toMatch(/^ok {4}call-requests queue: answers at /m);
    expect(stdout.trim().split('\n').at(-1)).toBe('all 9 checks passed');
    expect(code).toBe(0);
  });

  it('fails its doctor against a PBX without the CallNow dialplan, naming the fix', async () => {
    const { code, stdout } = await runBundle(['doctor', '--env-file', envFile(bareSimulator, 'bare.env')]);
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL  dialplan: Asterisk has no [callnow] context: no call could be placed');
    expect(stdout).toContain(
      '      fix: copy /usr/share/callnow-connector/extensions_callnow.conf to /etc/asterisk/',
    );
  });
});
