// AWS clients, created once per container and shared by every request it serves.
import { SQSClient } from '@aws-sdk/client-sqs';

export { createDocumentClient } from './document-client.ts';

export function createSqsClient(): SQSClient {
  return new SQSClient({});
}
