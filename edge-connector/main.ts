// The connector's command line: `callnow-connector [run | doctor] [--env-file <file>]` (`--help` says more). Runs on
// the PBX host from the Debian package (bundled into one file) or from a checkout (`npm run connector`).
import {
  DEFAULT_EXTENSION_HINT_CONTEXT,
  DEFAULT_HEALTH_PORT,
  DEFAULT_MAX_CONCURRENT_CALLS,
  DEFAULT_PRESENCE_REFRESH_SECONDS,
  DEFAULT_RECEIVE_WAIT_SECONDS,
  DEFAULT_SAFETY_MARGIN_SECONDS,
  DEFAULT_STATE_DIR,
  DEFAULT_STOP_GRACE_SECONDS,
  DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  MAX_PRESENCE_REFRESH_SECONDS,
} from './src/config.ts';
import { runDoctor } from './src/doctor/doctor.ts';
import { applyEnvFile, EnvFileError } from './src/env-file.ts';
import { describeError } from './src/log.ts';
import { runConnector } from './src/run.ts';

const USAGE = `CallNow edge connector: takes call requests from the site's SQS queue and places them on Asterisk over AMI.

Usage: callnow-connector [run | doctor] [--env-file <file>]
  run       take requests and place calls until SIGINT/SIGTERM (the default)
  doctor    check the settings, Asterisk (AMI user, dialplan, hints, prompt sounds) and the queues without placing
            a call or taking a request; exit code 0 when every check passed, 1 otherwise
  --env-file <file>  read NAME=value settings from the file (variables already set win); the packaged command
                     reads /etc/callnow/connector.env
From a git checkout: npm run connector -- [run | doctor] [--env-file <file>]

Environment (an empty variable counts as unset):
  CALL_REQUESTS_QUEUE_URL     this site's call-requests queue (required)
  CALL_EVENTS_QUEUE_URL       the call-events queue (required)
  SITE_ID                     this site's id, e.g. hq (required)
  AMI_HOST, AMI_PORT          Asterisk manager interface (AMI_PORT defaults to 5038)
  AMI_USERNAME, AMI_SECRET    the AMI user from manager.conf (required)
  EXTENSION_CHANNEL_TEMPLATE  default PJSIP/{extension}
  VISITOR_DIAL_TEMPLATE       default PJSIP/{number}@trunk ({number} is +E.164, {digits} the same without +)
  CALLNOW_CONTEXT             default callnow
  OUTBOUND_CALLER_ID          the number visitors see (E.164, e.g. +12025550199) when a request names none;
                              unset: the dialplan's CALLNOW_OUTBOUND_CALLERID, else the extension's number
  EXTENSION_HINT_CONTEXT      context of the extensions' hint lines, default ${DEFAULT_EXTENSION_HINT_CONTEXT} (FreePBX)
  PRESENCE_EXTENSIONS         extensions whose presence is reported from the start, e.g. 101,102
                              (any extension a request names is added)
  PRESENCE_REFRESH_SECONDS    an unchanged presence is sent again this often (10-${MAX_PRESENCE_REFRESH_SECONDS}), default ${DEFAULT_PRESENCE_REFRESH_SECONDS}
  MAX_CONCURRENT_CALLS        calls set up and followed at once, default ${DEFAULT_MAX_CONCURRENT_CALLS}
  CALLNOW_STATE_DIR           where the request journal lives, default $STATE_DIRECTORY (systemd), else
                              ${DEFAULT_STATE_DIR}
  HEALTH_PORT                 /healthz and /metrics on 127.0.0.1, default ${DEFAULT_HEALTH_PORT}; 0 turns them off
  STOP_GRACE_SECONDS          on SIGTERM, how long calls in progress may report their outcome, default ${DEFAULT_STOP_GRACE_SECONDS}
  VISIBILITY_TIMEOUT_SECONDS  the call-requests queue's visibility timeout, default ${DEFAULT_VISIBILITY_TIMEOUT_SECONDS}
  CALL_SAFETY_MARGIN_SECONDS  added to each call's safety timer, default ${DEFAULT_SAFETY_MARGIN_SECONDS}
  RECEIVE_WAIT_SECONDS        one SQS long poll (1-20), default ${DEFAULT_RECEIVE_WAIT_SECONDS}; a stop waits for the open polls
  LOG_LEVEL                   debug, info, warn, error or silent; default info
  ASTERISK_SOUNDS_DIR         doctor only: where Asterisk's sounds are, default /var/lib/asterisk/sounds
  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SQS ... are read by the AWS SDK itself.

Logs are JSON lines on stderr. SIGINT or SIGTERM stops it: no new requests, calls in progress may finish, exit 0.
Exit code 2: a setting is wrong, or another connector uses the state directory. See /usr/share/callnow-connector/README.md.
`;

type Command = 'run' | 'doctor';

function parseArguments(
  args: readonly string[],
): { command: Command; envFile: string | undefined; help: boolean } | string {
  let command: Command | undefined;
  let envFile: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const argument = args[index] as string;
    if (argument === '--help' || argument === '-h') return { command: 'run', envFile: undefined, help: true };
    if (argument === '--env-file') {
      envFile = args[index + 1];
      if (!envFile) return '--env-file needs a file';
      index += 1;
    } else if (argument.startsWith('--env-file=')) {
      envFile = argument.slice('--env-file='.length);
    } else if ((argument === 'run' || argument === 'doctor') && command === undefined) {
      command = argument;
    } else {
      return `unknown argument ${JSON.stringify(argument)}`;
    }
  }
  return { command: command ?? 'run', envFile, help: false };
}

async function main(): Promise<number> {
  const parsed = parseArguments(process.argv.slice(2));
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.envFile) {
    try {
      applyEnvFile(parsed.envFile);
    } catch (error) {
      if (!(error instanceof EnvFileError)) throw error;
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: error.message })}\n`);
      return 2;
    }
  }
  if (parsed.command === 'doctor') {
    return runDoctor({ env: process.env, write: (line) => process.stdout.write(`${line}\n`) });
  }
  return runConnector(process.env);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: 'edge connector crashed', ...describeError(error) })}\n`,
    );
    process.exit(1);
  },
);
