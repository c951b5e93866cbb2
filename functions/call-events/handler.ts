// Lambda entry for the call-events queue consumer.

import { loadTableName } from '../lib/config.ts';
import { createDocumentClient } from '../lib/document-client.ts';
import { DynamoCallNowStore } from '../store/dynamo-store.ts';
import { createCallEventsHandler } from './consumer.ts';

export const handler = createCallEventsHandler(
  new DynamoCallNowStore(createDocumentClient(), loadTableName(process.env)),
);
