// What the handlers do when AWS itself fails, with the SDK clients mocked (no emulator can fail on cue).
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallRequested } from '../../contracts/messages.ts';
import { RequestExistsError } from '../../functions/domain/ports.ts';
import { createPublicHandler } from '../../functions/public/routes.ts';
import { DynamoCallNowStore } from '../../functions/store/dynamo-store.ts';
import { keys } from '../../functions/store/records.ts';
import { SqsCallRequestQueue, UnknownSiteError } from '../../functions/store/sqs-queue.ts';
import { apiEvent, lambdaContext, structured } from '../support/api-events.ts';
import { callableTarget } from '../support/fixtures.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamoMock = mockClient(documents);
const sqs = new SQSClient({ region: 'us-east-1' });
const sqsMock = mockClient(sqs);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/callnow-call-requests-hq';

function mockChain() {
  const target = callableTarget();
  dynamoMock.on(GetCommand, { Key: keys.callNowId('demo') }).resolves({
    Item: {
      ...keys.callNowId('demo'),
      callNowId: 'demo',
      extensionId: 'e101',
      clientId: 'c1',
      resellerId: 'r1',
    },
  });
  dynamoMock.on(BatchGetCommand).resolves({
    Responses: {
      table: [
        { ...keys.server(), ...target.server },
        { ...keys.reseller('r1'), ...target.reseller },
        { ...keys.client('c1'), ...target.client },
        { ...keys.extension('e101'), ...target.extension },
      ],
    },
  });
}

const post = () =>
  apiEvent('POST /callnow/{callNowId}/requests', {
    pathParameters: { callNowId: 'demo' },
    headers: { 'content-type': 'application/json' },
    body: '{"phoneNumber":"+12025550100"}',
  });

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  dynamoMock.reset();
  sqsMock.reset();
  vi.restoreAllMocks();
});

describe('POST with AWS failing', () => {
  const handler = createPublicHandler({
    store: new DynamoCallNowStore(documents, 'table'),
    queue: new SqsCallRequestQueue(sqs, { hq: QUEUE_URL }),
    clock: { now: () => new Date('2026-11-26T10:00:00.000Z') },
    newRequestId: () => 'req-1',
  });

  it('sends the request to the site queue after writing it queued', async () => {
    mockChain();
    dynamoMock.on(PutCommand).resolves({});
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });

    const response = structured(await handler(post(), lambdaContext));

    expect(response.statusCode).toBe(202);
    const put = dynamoMock
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.Item?.pk === keys.callRequest('req-1').pk);
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Item).toMatchObject({ status: 'queued', statusRank: 0 });
    const sent = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(QUEUE_URL);
    expect(JSON.parse(sent?.MessageBody ?? '') as CallRequested).toMatchObject({
      requestId: 'req-1',
      siteId: 'hq',
    });
  });

  it('answers 503 and marks the request failed when SendMessage fails', async () => {
    mockChain();
    dynamoMock.on(PutCommand).resolves({});
    dynamoMock.on(UpdateCommand).resolves({});
    sqsMock.on(SendMessageCommand).rejects(new Error('AWS.SimpleQueueService.NonExistentQueue'));

    const response = structured(await handler(post(), lambdaContext));

    expect(response.statusCode).toBe(503);
    const update = dynamoMock
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.Key?.pk === keys.callRequest('req-1').pk);
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':status': 'failed',
      ':reason': 'pbx_unavailable',
    });
  });

  it('answers a generic 500, and sends nothing, when DynamoDB throttles the write', async () => {
    mockChain();
    dynamoMock
      .on(PutCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));

    const response = structured(await handler(post(), lambdaContext));

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: { code: 'internal_error', message: 'something went wrong on our side; please try again' },
    });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

describe('DynamoCallNowStore', () => {
  const store = new DynamoCallNowStore(documents, 'table');

  it('turns a failed uniqueness condition into RequestExistsError', async () => {
    dynamoMock.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} }));
    const request = {
      requestId: 'r',
      callNowId: 'demo',
      extensionId: 'e',
      siteId: 'hq',
      status: 'queued' as const,
      visitorPhone: '+12025550100',
      createdAt: '2026-11-26T10:00:00.000Z',
      expiresAt: '2026-11-26T10:02:00.000Z',
      statusTimes: {},
    };
    await expect(store.createCallRequest(request, 30)).rejects.toBeInstanceOf(RequestExistsError);
  });

  it('retries the keys a BatchGetItem left unprocessed', async () => {
    const target = callableTarget();
    dynamoMock.on(GetCommand).resolves({
      Item: { callNowId: 'demo', extensionId: 'e101', clientId: 'c1', resellerId: 'r1' },
    });
    dynamoMock
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: {
          table: [
            { ...keys.server(), ...target.server },
            { ...keys.reseller('r1'), ...target.reseller },
          ],
        },
        UnprocessedKeys: { table: { Keys: [keys.client('c1'), keys.extension('e101')] } },
      })
      .resolvesOnce({
        Responses: {
          table: [
            { ...keys.client('c1'), ...target.client },
            { ...keys.extension('e101'), ...target.extension },
          ],
        },
      });
    expect(await store.getCallNowTarget('demo')).toEqual(target);
    expect(dynamoMock.commandCalls(BatchGetCommand)[1]?.args[0].input.RequestItems?.table?.Keys).toEqual([
      keys.client('c1'),
      keys.extension('e101'),
    ]);
  });
});

describe('SqsCallRequestQueue', () => {
  it('refuses a site it has no queue for', async () => {
    const queue = new SqsCallRequestQueue(sqs, { hq: QUEUE_URL });
    await expect(queue.send({ siteId: 'branch' } as CallRequested)).rejects.toBeInstanceOf(UnknownSiteError);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});
