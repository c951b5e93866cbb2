// What `callnow-connector doctor` checks, each on its own: AMI login and permissions, the events the connector
// needs, the CallNow dialplan, the presence hints, the confirmation prompt's sounds, and the two SQS queues. Nothing
// places a call or takes a request off the queue.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AmiClient, AmiEvent } from '../ami/types.ts';
import type { ConnectorConfig } from '../config.ts';
import { contextsOf, type DialplanPriority, firstDifference, parseDialplan } from './dialplan.ts';
import { SHIPPED_DIALPLAN } from './shipped-dialplan.generated.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** One line: what to do about a warn or a fail. */
  readonly fix?: string;
}

const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
const warn = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'warn',
  detail,
  fix,
});
const fail = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'fail',
  detail,
  fix,
});

const MANAGER_CONF = '/etc/asterisk/manager.conf';
const SHIPPED_FILE = '/usr/share/callnow-connector/extensions_callnow.conf';
export const DEFAULT_SOUNDS_DIR = '/var/lib/asterisk/sounds';
const DEFAULT_PROMPT = 'vm-press&digits/0';
const EVENT_WAIT_MS = 2000;

/** Actions the connector sends, and the write= class that allows each. */
const NEEDED_ACTIONS: ReadonlyArray<readonly [string, string]> = [
  ['Originate', 'originate'],
  ['ExtensionState', 'call'],
  ['Getvar', 'call'],
];

export async function checkPermissions(ami: AmiClient): Promise<CheckResult[]> {
  const list = await ami.send({ Action: 'ListCommands' });
  const missing = NEEDED_ACTIONS.filter(([action]) => list.fields[action.toLowerCase()] === undefined);
  const results = [
    missing.length === 0
      ? ok('AMI permissions', `the AMI user may send ${NEEDED_ACTIONS.map(([action]) => action).join(', ')}`)
      : fail(
          'AMI permissions',
          `the AMI user may not send ${missing.map(([action]) => action).join(', ')}`,
          `add ${[...new Set(missing.map(([, write]) => write))].join(',')} to its write= in ${MANAGER_CONF} (write = originate,call,reporting,user), then: asterisk -rx "manager reload"`,
        ),
  ];
  if (list.fields.showdialplan === undefined) {
    results.push(
      warn(
        'AMI permissions',
        'the AMI user may not send ShowDialPlan, so the dialplan cannot be checked',
        `add reporting to its write= in ${MANAGER_CONF}`,
      ),
    );
  }
  return results;
}

/** A UserEvent sent and heard back proves the `user` read class, which carries every CallNow dialplan event. */
export async function checkEvents(ami: AmiClient): Promise<CheckResult> {
  const marker = `doctor-${process.pid}-${Date.now()}`;
  const heard = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => done(false), EVENT_WAIT_MS);
    const stop = ami.onEvent((event: AmiEvent) => {
      if (event.name === 'UserEvent' && event.fields.callnowdoctor === marker) done(true);
    });
    function done(value: boolean) {
      clearTimeout(timer);
      stop();
      resolve(value);
    }
  });
  const sent = await ami.send({ Action: 'UserEvent', UserEvent: 'CallNowDoctor', CallNowDoctor: marker });
  if (sent.response !== 'Success') {
    return fail(
      'AMI events',
      `Asterisk refused a UserEvent: ${sent.message ?? sent.response}`,
      `add user to the AMI user's write= in ${MANAGER_CONF}`,
    );
  }
  return (await heard)
    ? ok('AMI events', "the AMI user hears the dialplan's UserEvents (read class user)")
    : fail(
        'AMI events',
        "a UserEvent sent was not heard back within 2 s: the dialplan's progress would never reach the connector",
        `give the AMI user read = system,call,user in ${MANAGER_CONF}, then: asterisk -rx "manager reload"`,
      );
}

/** ShowDialPlan of one context: its priorities, or undefined when Asterisk has no such context. */
async function installedContext(ami: AmiClient, context: string): Promise<DialplanPriority[] | undefined> {
  const actionId = `doctor-dialplan-${context}-${Date.now()}`;
  const priorities: DialplanPriority[] = [];
  const complete = new Promise<void>((resolve) => {
    const timer = setTimeout(finish, EVENT_WAIT_MS);
    const stop = ami.onEvent((event) => {
      if (event.fields.actionid !== actionId) return;
      if (event.name === 'ListDialplan') {
        const { extension = '', priority = '', application = '', appdata = '' } = event.fields;
        priorities.push({
          context,
          exten: extension,
          priority: Number(priority),
          application,
          appData: appdata,
        });
      }
      if (event.fields.eventlist?.toLowerCase() === 'complete') finish();
    });
    function finish() {
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
  const response = await ami.send({ Action: 'ShowDialPlan', Context: context }, { actionId });
  if (response.response !== 'Success') return undefined;
  await complete;
  return priorities.filter((priority) => Number.isFinite(priority.priority));
}

export async function checkDialplan(ami: AmiClient, callnowContext: string): Promise<CheckResult> {
  const shipped = parseDialplan(SHIPPED_DIALPLAN);
  const install = `copy ${SHIPPED_FILE} to /etc/asterisk/, add "#include extensions_callnow.conf" to extensions.conf, then: asterisk -rx "dialplan reload"`;
  for (const context of contextsOf(shipped)) {
    const name = context === 'callnow' ? callnowContext : context;
    const installed = await installedContext(ami, name);
    if (!installed)
      return fail('dialplan', `Asterisk has no [${name}] context: no call could be placed`, install);
    const renamed = shipped.map((priority) =>
      priority.context === context ? { ...priority, context: name } : priority,
    );
    const difference = firstDifference(renamed, installed, name);
    if (difference)
      return warn('dialplan', `the installed dialplan is not the shipped one: ${difference}`, install);
  }
  return ok('dialplan', `[${callnowContext}] and its two helpers are the shipped dialplan`);
}

export async function checkHints(ami: AmiClient, config: ConnectorConfig): Promise<CheckResult> {
  const context = config.extensionHintContext ?? 'ext-local';
  const extensions = config.presenceExtensions ?? [];
  if (extensions.length === 0) {
    return ok(
      'presence hints',
      'no PRESENCE_EXTENSIONS: presence is followed for the extensions requests name',
    );
  }
  const missing: string[] = [];
  for (const extension of extensions) {
    const state = await ami.send({ Action: 'ExtensionState', Exten: extension, Context: context });
    if (state.response !== 'Success' || state.fields.status === '-1' || !state.fields.hint)
      missing.push(extension);
  }
  return missing.length === 0
    ? ok('presence hints', `[${context}] has a hint for ${extensions.join(', ')}`)
    : warn(
        'presence hints',
        `[${context}] has no hint for ${missing.join(', ')}: "not while on the phone" cannot tell when they are busy`,
        `add "exten => <number>,hint,PJSIP/<number>" lines to [${context}], or set EXTENSION_HINT_CONTEXT to the context that has them`,
      );
}

/** Whether Asterisk could play `sound` (a name without its format, like `digits/0`): some file of it exists. */
function soundExists(soundsDir: string, sound: string, language: string): boolean {
  const candidates = path.isAbsolute(sound)
    ? [sound]
    : [path.join(soundsDir, language, sound), path.join(soundsDir, sound)];
  return candidates.some((candidate) => {
    const dir = path.dirname(candidate);
    const base = path.basename(candidate);
    return existsSync(dir) && readdirSync(dir).some((file) => file.startsWith(`${base}.`));
  });
}

export async function checkPromptSounds(
  ami: AmiClient,
  soundsDir: string,
  language = 'en',
): Promise<CheckResult> {
  const global = await ami.send({ Action: 'Getvar', Variable: 'CALLNOW_CONFIRM_PROMPT' });
  const prompt = (global.response === 'Success' && global.fields.value) || DEFAULT_PROMPT;
  if (!existsSync(soundsDir)) {
    return warn(
      'confirmation prompt',
      `cannot look for ${prompt}: ${soundsDir} is not on this host (is Asterisk on another one?)`,
      'run the doctor on the PBX host, or set ASTERISK_SOUNDS_DIR to where Asterisk keeps its sounds',
    );
  }
  const missing = prompt.split('&').filter((sound) => !soundExists(soundsDir, sound.trim(), language));
  return missing.length === 0
    ? ok('confirmation prompt', `${prompt} can be played (${soundsDir})`)
    : fail(
        'confirmation prompt',
        `${missing.join(', ')} not found under ${soundsDir}: calls with confirmation would end as pbx_misconfigured`,
        "install Asterisk's core sounds (e.g. apt install asterisk-core-sounds-en-gsm), or set CALLNOW_CONFIRM_PROMPT in [globals] to sounds that exist",
      );
}

export async function checkQueues(sqs: SQSClient, config: ConnectorConfig): Promise<CheckResult[]> {
  const queues: Array<readonly [string, string, string]> = [
    ['call-requests queue', config.callRequestsQueueUrl, 'CALL_REQUESTS_QUEUE_URL'],
    ['call-events queue', config.callEventsQueueUrl, 'CALL_EVENTS_QUEUE_URL'],
  ];
  return Promise.all(
    queues.map(async ([name, url, variable]) => {
      try {
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
        return ok(name, `answers at ${url}`);
      } catch (error) {
        const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        return fail(
          name,
          `cannot be reached: ${why}`,
          `check ${variable} and this site's AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION)`,
        );
      }
    }),
  );
}
