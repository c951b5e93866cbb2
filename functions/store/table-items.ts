// Single-item reads and conditional writes on the one table, for the stores built on it.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

export type Key = { readonly pk: string; readonly sk: string };
export type Item = Record<string, unknown>;

export interface Condition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Item;
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

export class TableItems {
  constructor(
    readonly documents: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(key: Key): Promise<Item | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return Item;
  }

  /** Puts the item if the condition holds; answers false (writing nothing) if it does not. */
  async putIf(item: Item, condition: Condition): Promise<boolean> {
    try {
      await this.documents.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Deletes the item if the condition holds (or unconditionally); answers whether it did. */
  async deleteIf(key: Key, condition?: Condition): Promise<boolean> {
    try {
      await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: key, ...condition }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * A uniqueness item (a CallNow ID, an extension number) for an extension: written if free, already the
   * extension's, or held by `reclaimableFrom` (an orphan the caller checked).
   */
  async claimFor(key: Key, item: Item & { extensionId: string }, reclaimableFrom?: string) {
    const values: Item = { ':extension': item.extensionId };
    let condition = 'attribute_not_exists(pk) OR extensionId = :extension';
    if (reclaimableFrom !== undefined) {
      condition += ' OR extensionId = :orphan';
      values[':orphan'] = reclaimableFrom;
    }
    const claimed = await this.putIf(
      { ...key, ...item },
      { ConditionExpression: condition, ExpressionAttributeValues: values },
    );
    return claimed ? ('claimed' as const) : ('taken' as const);
  }

  /** Deletes a uniqueness item only if it is still the extension's. */
  async releaseFor(key: Key, extensionId: string): Promise<void> {
    await this.deleteIf(key, {
      ConditionExpression: 'extensionId = :extension',
      ExpressionAttributeValues: { ':extension': extensionId },
    });
  }
}
