// The floor of click -> Originate: the raw operations any correct implementation must do in sequence, with bare SDK
// clients and a bare AMI socket against the very emulators the stack runs on. One GetItem (the page's configuration),
// one conditional PutItem (the request), one SendMessage that a waiting long poll picks up, one AMI round trip.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { RawAmiConnection } from '../../edge-connector/simulator/raw-ami-client.ts';
import { headerValue } from '../../edge-connector/src/ami/protocol.ts';
import { keys } from '../../functions/store/records.ts';
import { LOCAL_AWS } from '../../infra/local/aws.ts';
import { BenchSetupError } from './bench-stack.ts';
import { delay, within } from './wait.ts';

export interface FloorSample {
  readonly getItemMs: number;
  readonly putItemMs: number;
  /** SendMessage until its own answer. */
  readonly sendMessageMs: number;
  /** SendMessage until the long poll that was already waiting returns the message: the part on the critical path. */
  readonly sendToWakeUpMs: number;
  readonly amiRoundTripMs: number;
  /** GetItem + PutItem + send-to-wake-up + AMI round trip, done one after the other. */
  readonly totalMs: number;
  /**
   * What issue 6's protections add to any correct implementation, measured apart from `totalMs`: one wave of
   * single-item conditional writes sent together, three counters (visitor, page, number) and the number's hold.
   */
  readonly limitWritesMs: number;
}

const keyOf = ({ pk, sk }: { pk: string; sk: string }) => ({ pk: { S: pk }, sk: { S: sk } });

export interface FloorTarget {
  readonly dynamoDbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tableName: string;
  /** The CallNow ID whose pointer item is read, as the page's configuration is. */
  readonly callNowId: string;
  readonly ami: { readonly port: number; readonly username: string; readonly secret: string };
}

/** Long enough for the ReceiveMessage to be parked on the server before the message is sent. */
const LONG_POLL_PARK_MS = 15;
/**
 * local-aws-sqs looks for messages every 10 ms from the start of each long poll, so a fixed park time would always
 * send at the same point of that cycle; a random extra makes the wake-up wait uniform, as the connector's is.
 */
const EMULATOR_POLL_INTERVAL_MS = 10;
const STEP_TIMEOUT_MS = 5000;

export class FloorProbe {
  private constructor(
    private readonly target: FloorTarget,
    private readonly dynamodb: DynamoDBClient,
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly ami: RawAmiConnection,
  ) {}

  static async open(target: FloorTarget): Promise<FloorProbe> {
    const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: target.dynamoDbEndpoint });
    const sqs = new SQSClient({ ...LOCAL_AWS, endpoint: target.sqsEndpoint });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `bench-floor-${Date.now()}` }));
    if (!QueueUrl) throw new BenchSetupError('local SQS created the floor queue without a URL');
    const ami = await RawAmiConnection.open(target.ami.port);
    const login = await ami.action([
      ['Action', 'Login'],
      ['Username', target.ami.username],
      ['Secret', target.ami.secret],
      // No events: the calls of the measured path must not reach this socket.
      ['Events', 'off'],
    ]);
    if (headerValue(login, 'Response') !== 'Success') {
      throw new BenchSetupError('the AMI simulator refused the floor probe login');
    }
    return new FloorProbe(target, dynamodb, sqs, QueueUrl, ami);
  }

  async measure(): Promise<FloorSample> {
    let wokeAt = Number.NaN;
    const receive = this.sqs
      .send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5 }),
      )
      .then((response) => {
        wokeAt = performance.now();
        return response;
      });
    await delay(LONG_POLL_PARK_MS + Math.random() * EMULATOR_POLL_INTERVAL_MS);

    const startedAt = performance.now();
    const pointer = keys.callNowId(this.target.callNowId);
    await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.target.tableName,
        Key: { pk: { S: pointer.pk }, sk: { S: pointer.sk } },
      }),
    );
    const gotAt = performance.now();
    const requestId = randomUUID();
    const request = keys.callRequest(`bench-floor-${requestId}`);
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: this.target.tableName,
        Item: {
          pk: { S: request.pk },
          sk: { S: request.sk },
          status: { S: 'queued' },
          visitorPhone: { S: '+12025550100' },
          createdAt: { S: new Date().toISOString() },
          ttl: { N: String(Math.floor(Date.now() / 1000) + 600) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    const putAt = performance.now();
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify({ requestId }) }),
    );
    const sentAt = performance.now();
    const received = await within(receive, 'the floor long poll waking up', STEP_TIMEOUT_MS);
    const amiStartedAt = performance.now();
    await this.ami.action([['Action', 'Ping']], STEP_TIMEOUT_MS);
    const amiRoundTripMs = performance.now() - amiStartedAt;

    const limitWritesStartedAt = performance.now();
    await Promise.all([
      ...['visitor', 'callnow', 'number'].map((subject) => {
        const counter = keys.counter(`bench-floor-${subject}-${requestId}`, 0);
        return this.dynamodb.send(
          new UpdateItemCommand({
            TableName: this.target.tableName,
            Key: { pk: { S: counter.pk }, sk: { S: counter.sk } },
            UpdateExpression: 'ADD hits :one',
            ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
            ExpressionAttributeValues: { ':one': { N: '1' }, ':limit': { N: '5' } },
          }),
        );
      }),
      this.dynamodb.send(
        new PutItemCommand({
          TableName: this.target.tableName,
          Item: { ...keyOf(keys.destinationHold(`+1202${requestId}`)), requestId: { S: requestId } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ]);
    const limitWritesMs = performance.now() - limitWritesStartedAt;

    const handle = received.Messages?.[0]?.ReceiptHandle;
    if (handle)
      await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: handle }));
    const sendToWakeUpMs = wokeAt - putAt;
    return {
      getItemMs: gotAt - startedAt,
      putItemMs: putAt - gotAt,
      sendMessageMs: sentAt - putAt,
      sendToWakeUpMs,
      amiRoundTripMs,
      totalMs: wokeAt - startedAt + amiRoundTripMs,
      limitWritesMs,
    };
  }

  async close(): Promise<void> {
    await this.ami.close();
    this.dynamodb.destroy();
    this.sqs.destroy();
  }
}
