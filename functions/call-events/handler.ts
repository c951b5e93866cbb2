// Lambda entry for the call-events queue consumer.

import { loadTableName } from '../lib/config.ts';
import { createDocumentClient } from '../lib/document-client.ts';
import { callEventsFromEnv } from '../lib/event-bus.ts';
import { dynamoCallEventsStore } from '../store/call-events-store.ts';
import { createCallEventsHandler } from './consumer.ts';

export const handler = createCallEventsHandler(
  dynamoCallEventsStore(createDocumentClient(), loadTableName(process.env)),
  callEventsFromEnv(process.env),
);
