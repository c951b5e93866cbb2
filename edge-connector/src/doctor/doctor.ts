// `callnow-connector doctor`: reads the connector's settings and runs every check, printing ok / warn / fail with
// the fix in one line. Exit code 0 when nothing failed, 1 otherwise.
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAmiClient } from '../ami/client.ts';
import type { AmiClient } from '../ami/types.ts';
import { type ConnectorConfig, ConnectorConfigError, loadConnectorConfig } from '../config.ts';
import {
  type CheckResult,
  checkDialplan,
  checkEvents,
  checkHints,
  checkPermissions,
  checkPromptSounds,
  checkQueues,
  DEFAULT_SOUNDS_DIR,
} from './checks.ts';

const CONNECT_TIMEOUT_MS = 5000;

export interface DoctorOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly write: (line: string) => void;
  /** @default a client for the configured region and credentials */
  readonly sqs?: SQSClient;
}

const MARKS = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

function print(write: (line: string) => void, result: CheckResult): void {
  write(`${MARKS[result.status]}  ${result.check}: ${result.detail}`);
  if (result.fix) write(`      fix: ${result.fix}`);
}

async function amiChecks(
  ami: AmiClient,
  config: ConnectorConfig,
  env: NodeJS.ProcessEnv,
): Promise<CheckResult[]> {
  const settings = await ami.send({ Action: 'CoreSettings' });
  const version = settings.fields.asteriskversion;
  const login: CheckResult = {
    check: 'AMI login',
    status: 'ok',
    detail: `logged in to ${config.ami.host}:${config.ami.port} as ${config.ami.username}${version ? ` (Asterisk ${version})` : ''}`,
  };
  return [
    login,
    ...(await checkPermissions(ami)),
    await checkEvents(ami),
    await checkDialplan(ami, config.callnowContext),
    await checkHints(ami, config),
    await checkPromptSounds(ami, env.ASTERISK_SOUNDS_DIR || DEFAULT_SOUNDS_DIR),
  ];
}

export async function runDoctor({ env, write, sqs }: DoctorOptions): Promise<number> {
  let config: ConnectorConfig;
  try {
    config = loadConnectorConfig(env);
  } catch (error) {
    if (!(error instanceof ConnectorConfigError)) throw error;
    print(write, {
      check: 'settings',
      status: 'fail',
      detail: error.message,
      fix: `set ${error.variables.join(', ')} in /etc/callnow/connector.env (callnow-connector --help lists every setting)`,
    });
    return 1;
  }
  print(write, {
    check: 'settings',
    status: 'ok',
    detail: `site ${config.siteId}, AMI ${config.ami.host}:${config.ami.port}`,
  });

  const results: CheckResult[] = [];
  const ami = createAmiClient({
    ...config.ami,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    retry: () => null,
    loginRetry: () => null,
  });
  try {
    await ami.connect();
    results.push(...(await amiChecks(ami, config, env)));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    results.push({
      check: 'AMI login',
      status: 'fail',
      detail: why,
      fix: `check AMI_HOST, AMI_PORT, AMI_USERNAME and AMI_SECRET against /etc/asterisk/manager.conf (enabled = yes, the user's permit=)`,
    });
  } finally {
    await ami.close();
  }
  const client = sqs ?? new SQSClient({});
  try {
    results.push(...(await checkQueues(client, config)));
  } finally {
    if (!sqs) client.destroy();
  }
  for (const result of results) print(write, result);
  const failed = results.filter((result) => result.status === 'fail').length;
  const warned = results.filter((result) => result.status === 'warn').length;
  write(
    failed === 0
      ? `all ${results.length + 1} checks passed${warned ? ` (${warned} with a warning)` : ''}`
      : `${failed} of ${results.length + 1} checks failed`,
  );
  return failed === 0 ? 0 : 1;
}
