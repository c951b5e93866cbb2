// The cold-start floor of the public and management functions: a handler that only constructs the SDK clients they
// use (as functions/lib/clients.ts does) and nothing else.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const sqs = new SQSClient({});

export const handler = async () => ({ statusCode: 200, body: String(Boolean(documents && sqs)) });
