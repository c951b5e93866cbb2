// Console sessions on DynamoDB: one item each, keyed by the SHA-256 of the session id; DynamoDB's TTL only tidies.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../../contracts/zod.ts';
import type { SessionRecord, SessionStore } from '../domain/sessions.ts';
import { keys, TABLE_KEYS } from './records.ts';
import { isConditionFailure, TableItems } from './table-items.ts';

const SessionRecordSchema = z.onFirstUse(() =>
  z.object({
    sessionKey: z.string(),
    username: z.string(),
    admin: z.boolean(),
    credential: z.string(),
    csrfToken: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
  }),
);

export class DynamoSessionStore implements SessionStore {
  readonly #items: TableItems;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.#items = new TableItems(documents, tableName);
  }

  async createSession(session: SessionRecord): Promise<void> {
    const ttl = Math.ceil(Date.parse(session.expiresAt) / 1000) + 3600;
    const created = await this.#items.putIf(
      { ...keys.session(session.sessionKey), ...session, [TABLE_KEYS.timeToLiveAttribute]: ttl },
      { ConditionExpression: 'attribute_not_exists(pk)' },
    );
    if (!created) throw new Error('a session id was drawn twice');
  }

  async getSession(sessionKey: string): Promise<SessionRecord | undefined> {
    const parsed = SessionRecordSchema.safeParse(await this.#items.get(keys.session(sessionKey)));
    return parsed.success ? parsed.data : undefined;
  }

  async touchSession(sessionKey: string, lastSeenAt: string): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.session(sessionKey),
          UpdateExpression: 'SET lastSeenAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND lastSeenAt < :at',
          ExpressionAttributeValues: { ':at': lastSeenAt },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async deleteSession(sessionKey: string): Promise<void> {
    await this.#items.deleteIf(keys.session(sessionKey));
  }
}
