// The `sites` context: which values the CDK app accepts, and the error an operator sees otherwise.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/stack/callnow-function.ts';
import { InvalidSitesContextError, parseSiteIds, siteConstructName } from '../../infra/stack/sites.ts';

const execFileAsync = promisify(execFile);

describe('parseSiteIds', () => {
  it('accepts the sites of cdk.json', () => {
    const cdkJson: { context: { sites: unknown } } = JSON.parse(
      readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'),
    );
    expect(parseSiteIds(cdkJson.context.sites)).toEqual(['hq']);
  });

  it('accepts a list of site ids and keeps its order', () => {
    expect(parseSiteIds(['hq', 'branch-1', '2nd-floor'])).toEqual(['hq', 'branch-1', '2nd-floor']);
  });

  it('accepts the strings `cdk -c sites=...` passes: comma-separated or a JSON list', () => {
    expect(parseSiteIds('hq, branch-1')).toEqual(['hq', 'branch-1']);
    expect(parseSiteIds('["hq","branch-1"]')).toEqual(['hq', 'branch-1']);
  });

  it('accepts a 32-character site id and refuses a 33-character one', () => {
    expect(parseSiteIds(['a'.repeat(32)])).toEqual(['a'.repeat(32)]);
    expect(() => parseSiteIds(['a'.repeat(33)])).toThrow(InvalidSitesContextError);
  });

  it.each([
    ['missing', undefined],
    ['empty list', []],
    ['empty string', ''],
    ['not a list', { hq: true }],
    ['invalid JSON', '["hq"'],
  ])('refuses a context that is no list of sites (%s)', (_case, value) => {
    expect(() => parseSiteIds(value)).toThrow(/Expected the "sites" context to be a list of site ids/);
  });

  it.each([
    ['upper case', 'HQ'],
    ['a leading hyphen', '-hq'],
    ['an underscore', 'branch_1'],
    ['a space', 'branch 1'],
    ['a dot', 'hq.example'],
    ['a number', 7],
  ])('refuses a site id with %s, naming it', (_case, siteId) => {
    expect(() => parseSiteIds(['hq', siteId])).toThrow(
      `Invalid site id ${JSON.stringify(siteId)} in the "sites" context`,
    );
  });

  it('refuses a site listed twice', () => {
    expect(() => parseSiteIds(['hq', 'hq'])).toThrow('Site id "hq" appears twice in the "sites" context.');
  });

  it('refuses two site ids that would share CloudFormation names', () => {
    expect(() => parseSiteIds(['branch-1', 'branch1'])).toThrow(
      'Site ids "branch-1" and "branch1" would share CloudFormation names (Branch1); rename one.',
    );
  });
});

describe('siteConstructName', () => {
  it('turns a site id into an alphanumeric name for construct ids and outputs', () => {
    expect(siteConstructName('hq')).toBe('Hq');
    expect(siteConstructName('branch-2')).toBe('Branch2');
    expect(siteConstructName('2nd-floor')).toBe('2ndFloor');
  });
});

describe('infra/app.ts', () => {
  it('exits with a clear message, and no stack trace, when the sites context is wrong', async () => {
    const failure = await execFileAsync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ sites: ['hq', 'Branch_2'] }) },
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr?.trim()).toBe(
      'CallNow: Invalid site id "Branch_2" in the "sites" context: a site id is 1 to 32 characters, ' +
        'lower-case letters, digits and hyphens, starting with a letter or a digit (e.g. "hq", "branch-1").',
    );
  });
});
