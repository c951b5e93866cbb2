// The cold-start floor of the call-events function: the DynamoDB client constructed, and the EventBridge client
// carried and loaded at the first event, as functions/lib/event-bus.ts does.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const eventBridge = () => import('@aws-sdk/client-eventbridge').then((sdk) => new sdk.EventBridgeClient({}));

export const handler = async () => ({ batchItemFailures: [], ready: Boolean(documents && eventBridge) });
