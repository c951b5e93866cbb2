// The cold-start floor of the public and management functions since they publish call events: the DynamoDB and SQS
// clients constructed, and the EventBridge client carried and loaded at the first event, as functions/lib/event-bus.ts
// does.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const sqs = new SQSClient({});
const eventBridge = () => import('@aws-sdk/client-eventbridge').then((sdk) => new sdk.EventBridgeClient({}));

export const handler = async () => ({
  statusCode: 200,
  body: String(Boolean(documents && sqs && eventBridge)),
});
