// The settings file read by `callnow-connector --env-file`, as systemd reads the same file as EnvironmentFile=.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyEnvFile, EnvFileError, parseEnvFile } from '../../edge-connector/src/env-file.ts';
import { renderEnvFile } from '../../scripts/package-connector.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'callnow-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the connector settings file', () => {
  it('reads NAME=value lines, skipping comments and blank lines, with or without quotes', () => {
    expect(
      parseEnvFile(
        '# a comment\n\nSITE_ID=hq\nAMI_SECRET="s3cret # not a comment"\nexport LOG_LEVEL=\'debug\'\nEMPTY=\r\n',
      ),
    ).toEqual({ SITE_ID: 'hq', AMI_SECRET: 's3cret # not a comment', LOG_LEVEL: 'debug', EMPTY: '' });
  });

  it('names the line it cannot read', () => {
    expect(() => parseEnvFile('SITE_ID=hq\nnot a setting\n', '/etc/callnow/connector.env')).toThrow(
      '/etc/callnow/connector.env, line 2: expected NAME=value, found "not a setting"',
    );
  });

  it('fills only the settings the environment lacks (an empty one counts as lacking)', () => {
    const file = path.join(dir, 'connector.env');
    writeFileSync(file, 'SITE_ID=hq\nAMI_HOST=10.0.0.5\nAWS_REGION=eu-west-1\n');
    const env: NodeJS.ProcessEnv = { SITE_ID: 'branch', AMI_HOST: '' };
    applyEnvFile(file, env);
    expect(env).toEqual({ SITE_ID: 'branch', AMI_HOST: '10.0.0.5', AWS_REGION: 'eu-west-1' });
  });

  it('says how to read a file it may not read', () => {
    expect(() => applyEnvFile(path.join(dir, 'missing.env'), {})).toThrow(EnvFileError);
    expect(() => applyEnvFile(path.join(dir, 'missing.env'), {})).toThrow(
      /cannot read .*missing\.env \(ENOENT\)/,
    );
  });

  it('ships as a file that sets nothing until the administrator fills it in', () => {
    expect(parseEnvFile(renderEnvFile())).toEqual({});
  });
});
