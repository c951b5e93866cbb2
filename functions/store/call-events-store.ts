// What the call-events consumer writes, and nothing more: its bundle loads neither the page's records nor their
// schemas.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallEventsStore } from '../domain/ports.ts';
import { CallRequestItems } from './call-request-items.ts';
import { DestinationHolds } from './destination-holds.ts';
import { putPresence } from './presence-items.ts';

export function dynamoCallEventsStore(documents: DynamoDBDocumentClient, tableName: string): CallEventsStore {
  const requests = new CallRequestItems(documents, tableName);
  const holds = new DestinationHolds(documents, tableName);
  return {
    advanceCallRequest: (change) => requests.advance(change),
    putExtensionPresence: (presence) => putPresence(documents, tableName, presence),
    releaseDestination: (phone, requestId, uncount) => holds.release(phone, requestId, uncount),
  };
}
