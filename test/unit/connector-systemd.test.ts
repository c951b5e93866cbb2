// The shipped systemd unit against what the connector needs to stop gracefully and keep its journal.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RECEIVE_WAIT_SECONDS, DEFAULT_STOP_GRACE_SECONDS } from '../../edge-connector/src/config.ts';
import { BUNDLE_NAME } from '../../scripts/package-connector.ts';

const unit = readFileSync(
  new URL('../../edge-connector/systemd/callnow-connector.service', import.meta.url),
  'utf8',
);

function directive(name: string): string | undefined {
  return new RegExp(`^${name}=(.*)$`, 'm').exec(unit)?.[1];
}

describe('callnow-connector.service', () => {
  it('runs the packaged bundle under node itself, so SIGTERM reaches the connector', () => {
    expect(directive('ExecStart')).toBe(
      `/usr/bin/node --max-semi-space-size=1 --max-old-space-size=64 /usr/lib/callnow-connector/${BUNDLE_NAME} run`,
    );
    expect(directive('EnvironmentFile')).toBe('/etc/callnow/connector.env');
    expect(directive('KillSignal')).toBe('SIGTERM');
  });

  it('waits longer on stop than the open long polls and the call grace time together', () => {
    expect(Number(directive('TimeoutStopSec'))).toBeGreaterThan(
      DEFAULT_RECEIVE_WAIT_SECONDS + DEFAULT_STOP_GRACE_SECONDS,
    );
  });

  it('gives the journal a state directory that survives restarts, and does not restart on a bad setting', () => {
    expect(directive('StateDirectory')).toBe('callnow-connector');
    expect(directive('RestartPreventExitStatus')).toBe('2');
    expect(directive('Restart')).toBe('always');
  });
});
