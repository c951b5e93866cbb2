// The deployment's signing key: made once, on first use, and kept in the table, so no secret is in a template.
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './records.ts';

export async function readSigningKey(
  documents: DynamoDBDocumentClient,
  tableName: string,
): Promise<Uint8Array> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: keys.formSigningKey() }));
  if (typeof Item?.key === 'string') return Buffer.from(Item.key, 'base64');
  const key = randomBytes(32);
  try {
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.formSigningKey(), key: key.toString('base64') },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return key;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Another container made it first: use theirs.
    return readSigningKey(documents, tableName);
  }
}
