// Runs the edge connector on the PBX host (`npm run connector`): real SQS and AMI clients, stops on SIGINT/SIGTERM.
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAmiClient } from './src/ami/client.ts';
import { ConnectorConfigError, loadConnectorConfig } from './src/config.ts';
import { startConnector } from './src/connector.ts';
import { createJsonLogger, describeError } from './src/log.ts';

const USAGE = `CallNow edge connector: takes call requests from the site's SQS queue and places them on Asterisk over AMI.

Usage: npm run connector        (or: npx tsx edge-connector/main.ts)

Environment:
  CALL_REQUESTS_QUEUE_URL     this site's call-requests queue (required)
  CALL_EVENTS_QUEUE_URL       the call-events queue (required)
  SITE_ID                     this site's id, e.g. hq (required)
  AMI_HOST, AMI_PORT          Asterisk manager interface (AMI_PORT defaults to 5038)
  AMI_USERNAME, AMI_SECRET    the AMI user from manager.conf (required)
  EXTENSION_CHANNEL_TEMPLATE  default PJSIP/{extension}
  VISITOR_DIAL_TEMPLATE       default PJSIP/{number}@trunk ({number} is +E.164, {digits} the same without +)
  CALLNOW_CONTEXT             default callnow
  AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SQS ... are read by the AWS SDK itself.

Logs are JSON lines on stderr. SIGINT or SIGTERM stops it: no new requests, calls in progress may finish.
See edge-connector/README.md.
`;

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = createJsonLogger();
  let config: ReturnType<typeof loadConnectorConfig>;
  try {
    config = loadConnectorConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConnectorConfigError)) throw error;
    log.error(error.message, { variables: error.variables });
    return 2;
  }

  const sqs = new SQSClient({});
  const ami = createAmiClient({ ...config.ami, logger: log });
  const connector = startConnector(config, { sqs, ami, logger: log });

  let stopping = false;
  const exitCode = await new Promise<number>((resolve) => {
    const stopOn = (signal: NodeJS.Signals) =>
      process.once(signal, () => {
        log.info('stopping', { signal });
        resolve(0);
      });
    stopOn('SIGINT');
    stopOn('SIGTERM');
    // The AMI client retries lost connections by itself; `closed` means it gave up (e.g. a refused login):
    // exit non-zero so the service manager restarts the connector after its own delay.
    ami.onStatus((status) => {
      if (status === 'closed' && !stopping) resolve(1);
    });
    ami.connect().catch((error: unknown) => {
      log.error('cannot connect to Asterisk AMI', {
        host: config.ami.host,
        port: config.ami.port,
        ...describeError(error),
      });
      resolve(1);
    });
  });
  stopping = true;
  await connector.stop();
  await ami.close();
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
