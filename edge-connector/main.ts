// Runs the edge connector on the PBX host (`npm run connector`): real SQS and AMI clients, the request journal in
// the state directory, /healthz and /metrics on 127.0.0.1; SIGINT/SIGTERM stop it gracefully (exit 0).
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAmiClient } from './src/ami/client.ts';
import {
  ConnectorConfigError,
  DEFAULT_EXTENSION_HINT_CONTEXT,
  DEFAULT_HEALTH_PORT,
  DEFAULT_MAX_CONCURRENT_CALLS,
  DEFAULT_PRESENCE_REFRESH_SECONDS,
  DEFAULT_RECEIVE_WAIT_SECONDS,
  DEFAULT_SAFETY_MARGIN_SECONDS,
  DEFAULT_STATE_DIR,
  DEFAULT_STOP_GRACE_SECONDS,
  DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  loadConnectorConfig,
  MAX_PRESENCE_REFRESH_SECONDS,
} from './src/config.ts';
import { startConnector } from './src/connector.ts';
import { type HealthServer, startHealthServer } from './src/health-server.ts';
import { createJsonLogger, describeError } from './src/log.ts';
import { JournalError, openFileJournal, type RequestJournal } from './src/request-journal.ts';

const USAGE = `CallNow edge connector: takes call requests from the site's SQS queue and places them on Asterisk over AMI.

Usage: npm run connector        (or: node --import tsx edge-connector/main.ts)

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
  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SQS ... are read by the AWS SDK itself.

Logs are JSON lines on stderr. SIGINT or SIGTERM stops it: no new requests, calls in progress may finish, exit 0.
Exit code 2: a setting is wrong, or another connector uses the state directory. See edge-connector/README.md.
`;

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let config: ReturnType<typeof loadConnectorConfig>;
  try {
    config = loadConnectorConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConnectorConfigError)) throw error;
    createJsonLogger().error(error.message, { variables: error.variables });
    return 2;
  }
  const { ami: amiSettings, operations, ...runConfig } = config;
  if (!operations) throw new Error('loadConnectorConfig always returns the operations settings');
  const log = createJsonLogger({ level: operations.logLevel });

  let journal: RequestJournal;
  try {
    journal = await openFileJournal(operations.stateDir, {
      onProblem: (message, details) => log.warn(message, details),
    });
  } catch (error) {
    if (!(error instanceof JournalError)) throw error;
    log.error(`${error.message} (set CALLNOW_STATE_DIR to a directory the connector may write)`, {
      stateDir: operations.stateDir,
      ...describeError(error),
    });
    return 2;
  }

  const sqs = new SQSClient({});
  const ami = createAmiClient({ ...amiSettings, logger: log.child({ component: 'ami' }) });
  const connector = startConnector(
    runConfig,
    { sqs, ami, logger: log, journal },
    {
      maxConcurrentCalls: operations.maxConcurrentCalls,
      waitTimeSeconds: operations.receiveWaitSeconds,
      stopGraceMs: operations.stopGraceSeconds * 1000,
      visibilityTimeoutSeconds: operations.visibilityTimeoutSeconds,
      timing: { marginSeconds: operations.safetyMarginSeconds },
    },
  );

  let health: HealthServer | undefined;
  if (operations.healthPort !== undefined) {
    try {
      health = await startHealthServer({
        port: operations.healthPort,
        health: () => connector.health(),
        metrics: () => connector.metrics.render(),
      });
      log.info('health and metrics served', { url: health.url, paths: ['/healthz', '/metrics'] });
    } catch (error) {
      // Not worth stopping calls for: the connector works without it.
      log.error('cannot serve /healthz and /metrics (set HEALTH_PORT, or 0 to turn them off)', {
        port: operations.healthPort,
        ...describeError(error),
      });
    }
  }

  const exitCode = await new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        log.warn('second signal: exiting without waiting for calls in progress', { signal });
        process.exit(1);
      }
      log.info('stopping', { signal });
      resolve(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    ami.connect().catch((error: unknown) => {
      // Only when a retry strategy gives up or the client is closed: it retries on its own otherwise.
      if (ami.status !== 'closed') return;
      log.error('gave up connecting to Asterisk AMI', {
        host: amiSettings.host,
        port: amiSettings.port,
        ...describeError(error),
      });
      resolve(1);
    });
  });
  await connector.stop();
  await health?.close();
  await ami.close();
  await journal.close();
  sqs.destroy();
  return exitCode;
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
