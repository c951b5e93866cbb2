// The local stack as the benchmark runs it: the built-in AMI simulator, in-memory dynalite, a silent connector, and
// the stack's own AWS clients instrumented to count calls; plus the emulators' endpoints for bare SDK clients.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AmiSimulator } from '../../edge-connector/simulator/ami-simulator.ts';
import { silentLogger } from '../../edge-connector/src/log.ts';
import { LOOSE_PUBLIC_LIMITS } from '../../infra/local/seed.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { AwsCallCounter } from './aws-calls.ts';

export interface BenchStack {
  readonly stack: LocalStack;
  readonly simulator: AmiSimulator;
  readonly calls: AwsCallCounter;
  /** The emulators the stack uses, for bare SDK clients measuring the floor against the same servers. */
  readonly dynamoDbEndpoint: string;
  readonly sqsEndpoint: string;
  stop(): Promise<void>;
}

export class BenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchSetupError';
  }
}

async function endpointOf(client: DynamoDBClient | SQSClient | undefined, name: string): Promise<string> {
  const endpoint = await client?.config.endpoint?.();
  if (!endpoint) throw new BenchSetupError(`the local stack did not hand over its ${name} client`);
  return `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`;
}

export async function startBenchStack(simulatorTimeScale: number): Promise<BenchStack> {
  const calls = new AwsCallCounter();
  let dynamoClient: DynamoDBClient | undefined;
  let sqsClient: SQSClient | undefined;
  const stack = await startLocalStack({
    simulatorTimeScale,
    connectorLogger: silentLogger,
    publicLimits: LOOSE_PUBLIC_LIMITS,
    // Always the built-in simulator and in-memory dynalite, whatever the shell has set.
    env: { ...process.env, AMI_HOST: '', DYNAMODB_ENDPOINT: '' },
    // A function of its own in AWS: its DynamoDB calls are not the consumer's.
    webhooks: false,
    instrumentAwsClient: (client) => {
      calls.attach(client);
      if (client instanceof SQSClient) sqsClient = client;
      else dynamoClient = client;
    },
  });
  const untagHttp = calls.tagHttpRequests(Number(new URL(stack.url).port));
  try {
    const simulator = stack.simulator;
    if (!simulator) throw new BenchSetupError('the local stack started without its AMI simulator');
    return {
      stack,
      simulator,
      calls,
      dynamoDbEndpoint: await endpointOf(dynamoClient, 'DynamoDB'),
      sqsEndpoint: await endpointOf(sqsClient, 'SQS'),
      stop: async () => {
        untagHttp();
        await stack.stop();
      },
    };
  } catch (error) {
    untagHttp();
    await stack.stop();
    throw error;
  }
}
