// The environment that points an edge connector process (edge-connector/main.ts) at local peers: the local SQS
// queues of one site and an AMI endpoint such as the simulator. Tests and the benchmark run the connector so.
import { LOCAL_AWS } from './aws.ts';

export interface LocalConnectorPeers {
  readonly sqsEndpoint: string;
  readonly callRequestsQueueUrl: string;
  readonly callEventsQueueUrl: string;
  readonly siteId: string;
  readonly ami: {
    readonly host: string;
    readonly port: number;
    readonly username: string;
    readonly secret: string;
  };
  /** Where it keeps its request journal. */
  readonly stateDir: string;
}

export function localConnectorEnv(peers: LocalConnectorPeers): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: peers.sqsEndpoint,
    CALL_REQUESTS_QUEUE_URL: peers.callRequestsQueueUrl,
    CALL_EVENTS_QUEUE_URL: peers.callEventsQueueUrl,
    SITE_ID: peers.siteId,
    AMI_HOST: peers.ami.host,
    AMI_PORT: String(peers.ami.port),
    AMI_USERNAME: peers.ami.username,
    AMI_SECRET: peers.ami.secret,
    CALLNOW_STATE_DIR: peers.stateDir,
    HEALTH_PORT: '0',
  };
}
