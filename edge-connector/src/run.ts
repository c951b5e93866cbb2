// `callnow-connector run`: real SQS and AMI clients, the request journal in the state directory, /healthz and
// /metrics on 127.0.0.1; SIGINT/SIGTERM stop it gracefully (exit 0).
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAmiClient } from './ami/client.ts';
import { ConnectorConfigError, loadConnectorConfig } from './config.ts';
import { startConnector } from './connector.ts';
import { type HealthServer, startHealthServer } from './health-server.ts';
import { createJsonLogger, describeError } from './log.ts';
import { JournalError, openFileJournal, type RequestJournal } from './request-journal.ts';

export async function runConnector(env: NodeJS.ProcessEnv): Promise<number> {
  let config: ReturnType<typeof loadConnectorConfig>;
  try {
    config = loadConnectorConfig(env);
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
