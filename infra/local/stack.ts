// The whole product on one machine: local DynamoDB and SQS, the same handlers behind a local HTTP server,
// the events consumer, and the edge connector talking AMI to a real Asterisk or to the built-in simulator.
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AmiSimulator, startAmiSimulator } from '../../edge-connector/simulator/ami-simulator.ts';
import type { ExtensionBehaviour } from '../../edge-connector/simulator/call-flow.ts';
import { createAmiClient } from '../../edge-connector/src/ami/client.ts';
import { AmiAuthenticationError, AmiConnectionClosedError } from '../../edge-connector/src/ami/errors.ts';
import { loadConnectorConfig } from '../../edge-connector/src/config.ts';
import { startConnector } from '../../edge-connector/src/connector.ts';
import { type ConnectorLogger, createJsonLogger } from '../../edge-connector/src/log.ts';
import { createCallEventsHandler } from '../../functions/call-events/consumer.ts';
import { createConsoleHandler } from '../../functions/console/routes.ts';
import { randomId } from '../../functions/domain/credentials.ts';
import type { PublicLimits } from '../../functions/domain/model.ts';
import { hashPassword, verifyPassword } from '../../functions/lib/passwords.ts';
import { createManagementHandler } from '../../functions/management/routes.ts';
import { createPublicHandler } from '../../functions/public/routes.ts';
import { DynamoManagementStore } from '../../functions/store/dynamo-management-store.ts';
import { DynamoSessionStore } from '../../functions/store/dynamo-session-store.ts';
import { DynamoCallNowStore, SERVER_SETTINGS_MAX_AGE_MS } from '../../functions/store/dynamo-store.ts';
import { DynamoWebhookStore } from '../../functions/store/dynamo-webhook-store.ts';
import { SqsCallRequestQueue } from '../../functions/store/sqs-queue.ts';
import { createWebhooksHandler, deliverAtOnce } from '../../functions/webhooks/deliveries.ts';
import { SqsWebhookQueues } from '../../functions/webhooks/sqs-queues.ts';
import {
  CONSOLE_ROUTE_KEYS,
  DEFAULT_TABLE_NAME,
  MANAGEMENT_ROUTE_KEYS,
  PUBLIC_ROUTE_KEYS,
} from '../resources.ts';
import { LOCAL_AWS } from './aws.ts';
import { ensureTable, startLocalDynamoDb } from './dynamodb.ts';
import { LocalEventBus } from './event-bus.ts';
import { startEventsPump } from './events-pump.ts';
import { startLocalHttpServer } from './http-server.ts';
import { DEMO_CALLNOW_ID, seedDemo } from './seed.ts';
import { startLocalSqs } from './sqs.ts';

export interface LocalStackOptions {
  /** HTTP port on 127.0.0.1. @default 0 (any free port) */
  readonly port?: number;
  /** @default 'hq' */
  readonly siteId?: string;
  /** AMI_HOST and the rest of the connector's variables; without AMI_HOST the built-in simulator is used. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Speeds the simulated PBX up (tests) or keeps it realistic (1, the demo). @default 1 */
  readonly simulatorTimeScale?: number;
  /** Phones of the simulated PBX besides its own (101 to 106), e.g. for extensions a test makes. */
  readonly simulatorExtensions?: Readonly<Record<string, ExtensionBehaviour>>;
  /** The connector's logger. @default JSON lines on stderr */
  readonly connectorLogger?: ConnectorLogger;
  /** The demo server's public page limits, e.g. looser for tests that call many times. @default the product's */
  readonly publicLimits?: PublicLimits;
  /** Called with each AWS client of the stack before first use, e.g. to add SDK middleware (the benchmark counts calls). */
  readonly instrumentAwsClient?: (client: DynamoDBClient | SQSClient) => void;
  /** Seconds before a failed webhook delivery's n-th retry (tests make it 0). @default 30 s doubling to an hour */
  readonly webhookRetryDelay?: (attempt: number) => number;
  /**
   * Whether this process also runs the webhooks function (in AWS it is a function of its own). The benchmark turns
   * it off, so that the consumer's calls are counted alone. @default true
   */
  readonly webhooks?: boolean;
}

export interface LocalStack {
  readonly url: string;
  readonly demoUrl: string;
  /** The console's login page is `${consoleUrl}/login`. */
  readonly consoleUrl: string;
  readonly admin: { readonly username: string; readonly password: string };
  /** Where the connector sends its AMI actions: the simulator's address, or the real Asterisk's. */
  readonly ami: { readonly host: string; readonly port: number; readonly simulated: boolean };
  /** The built-in PBX, when no real Asterisk is configured. */
  readonly simulator: AmiSimulator | undefined;
  readonly tableName: string;
  readonly documents: DynamoDBDocumentClient;
  /** The local stand-in of the call events' EventBridge bus, with what was put on it. */
  readonly events: LocalEventBus;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const siteId = options.siteId ?? 'hq';
  const env = options.env ?? process.env;
  const tableName = DEFAULT_TABLE_NAME;
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopPart of stops.reverse()) await stopPart().catch(() => {});
  };

  try {
    const dynamodb = await startLocalDynamoDb(env.DYNAMODB_ENDPOINT);
    stops.push(() => dynamodb.close());
    await ensureTable(dynamodb.endpoint, tableName);
    const sqsServer = await startLocalSqs([siteId]);
    stops.push(() => sqsServer.close());

    const dynamoClient = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamodb.endpoint });
    options.instrumentAwsClient?.(dynamoClient);
    const documents = DynamoDBDocumentClient.from(dynamoClient, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const sqs = new SQSClient({ ...LOCAL_AWS, endpoint: sqsServer.endpoint });
    options.instrumentAwsClient?.(sqs);
    stops.push(async () => {
      dynamoClient.destroy();
      sqs.destroy();
    });
    const admin = await seedDemo(documents, tableName, siteId, options.publicLimits);

    const store = new DynamoCallNowStore(documents, tableName, {
      serverSettingsMaxAgeMs: SERVER_SETTINGS_MAX_AGE_MS,
    });
    const queue = new SqsCallRequestQueue(sqs, sqsServer.callRequestsQueueUrls);
    const clock = { now: () => new Date() };
    const events = new LocalEventBus(sqs, sqsServer.webhookEventsQueueUrl);
    const webhooks = new DynamoWebhookStore(documents, tableName);
    const webhookQueues = new SqsWebhookQueues(sqs, sqsServer.webhookDeliveriesQueueUrl);
    const publicHandler = createPublicHandler({ store, queue, clock, newRequestId: randomUUID, events });
    const management = new DynamoManagementStore(documents, tableName, { siteIds: [siteId] });
    const passwords = { hash: hashPassword, verify: verifyPassword };
    const ids = { newId: randomId, newCallNowId: randomId, now: clock.now };
    const managementHandler = createManagementHandler({
      management,
      store,
      queue,
      clock,
      newRequestId: randomUUID,
      passwords,
      ids,
      events,
      // http and loopback receivers too: `npm start` is for trying it on this machine.
      webhooks: { store: webhooks, deliveries: webhookQueues, allowHttp: true },
    });
    const consoleHandler = createConsoleHandler({
      management,
      sessions: new DynamoSessionStore(documents, tableName),
      passwords,
      ids,
      clock,
      newSecret: () => randomBytes(32).toString('base64url'),
      webhooks: {
        store: webhooks,
        deliveries: deliverAtOnce({ webhooks, clock, post: { allowPrivateAddresses: true } }),
        allowHttp: true,
      },
    });
    const http = await startLocalHttpServer(
      [
        ...PUBLIC_ROUTE_KEYS.map((routeKey) => ({ routeKey, handler: publicHandler })),
        ...MANAGEMENT_ROUTE_KEYS.map((routeKey) => ({ routeKey, handler: managementHandler })),
        ...CONSOLE_ROUTE_KEYS.map((routeKey) => ({ routeKey, handler: consoleHandler })),
      ],
      options.port ?? 0,
    );
    stops.push(() => http.close());
    const pump = startEventsPump({
      sqs,
      queueUrl: sqsServer.callEventsQueueUrl,
      handler: createCallEventsHandler(store, events),
    });
    stops.push(() => pump.stop());
    const webhooksHandler = createWebhooksHandler({
      webhooks,
      queues: webhookQueues,
      clock,
      post: { allowPrivateAddresses: true },
      ...(options.webhookRetryDelay ? { retryDelay: options.webhookRetryDelay } : {}),
    });
    // One poller each, so that a receiver here gets a call's events in the order they happened (SQS in AWS does
    // not promise it: receivers order by `at`).
    if (options.webhooks ?? true) {
      for (const queueUrl of [sqsServer.webhookEventsQueueUrl, sqsServer.webhookDeliveriesQueueUrl]) {
        const webhooksPump = startEventsPump({ sqs, queueUrl, handler: webhooksHandler, pollers: 1 });
        stops.push(() => webhooksPump.stop());
      }
    }

    let simulator: AmiSimulator | undefined;
    if (!env.AMI_HOST) {
      simulator = await startAmiSimulator({
        timeScale: options.simulatorTimeScale ?? 1,
        ...(options.simulatorExtensions ? { extensions: options.simulatorExtensions } : {}),
      });
      const running = simulator;
      stops.push(() => running.close());
    }
    const connectorConfig = loadConnectorConfig({
      ...env,
      CALL_REQUESTS_QUEUE_URL: sqsServer.callRequestsQueueUrls[siteId],
      CALL_EVENTS_QUEUE_URL: sqsServer.callEventsQueueUrl,
      SITE_ID: siteId,
      ...(simulator
        ? {
            AMI_HOST: simulator.host,
            AMI_PORT: String(simulator.port),
            AMI_USERNAME: simulator.username,
            AMI_SECRET: simulator.secret,
          }
        : {}),
    });
    const { ami: amiSettings, ...runConfig } = connectorConfig;
    const logger = options.connectorLogger ?? createJsonLogger();
    const ami = createAmiClient({ ...amiSettings, logger });
    stops.push(() => ami.close());
    ami.connect().catch((error: unknown) => {
      if (error instanceof AmiConnectionClosedError) return; // stopped while connecting
      const advice = error instanceof AmiAuthenticationError ? '; check AMI_USERNAME and AMI_SECRET' : '';
      console.error(
        JSON.stringify({ level: 'error', msg: `AMI login failed${advice}`, error: String(error) }),
      );
    });
    const connector = startConnector(runConfig, { sqs, ami, logger });
    stops.push(() => connector.stop({ abortReceives: true }));

    return {
      url: http.url,
      demoUrl: `${http.url}/callnow/${DEMO_CALLNOW_ID}`,
      consoleUrl: `${http.url}/console`,
      admin,
      ami: { host: amiSettings.host, port: amiSettings.port, simulated: simulator !== undefined },
      simulator,
      tableName,
      documents,
      events,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
