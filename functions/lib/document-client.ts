// The DynamoDB client alone, for the functions that send nothing to SQS: the Lambda bundles keep @aws-sdk/* external,
// and esbuild keeps an import of an external package whether or not it is used, so importing clients.ts would load
// the whole SQS client at every cold start of the call-events function.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Created once per container and shared by every request it serves. */
export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
