// Extension presence on the table: the newest report of each extension of a site, written only if newer.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type ExtensionPresenceRecord, ExtensionPresenceRecordSchema } from '../domain/model.ts';
import { keys } from './records.ts';

export async function putPresence(
  documents: DynamoDBDocumentClient,
  tableName: string,
  presence: ExtensionPresenceRecord,
): Promise<void> {
  try {
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.presence(presence.siteId, presence.extension), ...presence },
        ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': presence.at },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export async function getPresence(
  documents: DynamoDBDocumentClient,
  tableName: string,
  siteId: string,
  extension: string,
): Promise<ExtensionPresenceRecord | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: keys.presence(siteId, extension) }),
  );
  return ExtensionPresenceRecordSchema.safeParse(Item).data;
}
