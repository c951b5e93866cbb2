// The cold-start floor of the console and call-events functions: a handler that only constructs the SDK client it uses (as
// functions/lib/clients.ts does) and nothing else.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

export const handler = async () => ({ batchItemFailures: [], ready: Boolean(documents) });
