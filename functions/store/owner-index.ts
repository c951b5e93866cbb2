// Pages of the owner index (`byOwner`), with signed cursors: every list of the management API is one of these.
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type * as z from '../../contracts/zod.ts';
import type { Page, PageRequest } from '../domain/management-ports.ts';
import { decodeCursor, encodeCursor } from './cursors.ts';
import { TABLE_KEYS } from './records.ts';
import { readSigningKey } from './signing-key.ts';

export class OwnerIndex {
  #signingKey: Promise<Uint8Array> | undefined;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number,
  ) {}

  /** The items under `ownerPk` (whose sort key starts with `prefix`), a page at a time. */
  async page<T>(
    schema: z.ZodMiniType<T>,
    ownerPk: string,
    prefix: string | undefined,
    { limit, cursor }: PageRequest,
    {
      newestFirst = false,
      shown = () => true,
    }: {
      readonly newestFirst?: boolean;
      /** Items the page leaves out (a page may then hold fewer than `limit`). */
      readonly shown?: (item: Record<string, unknown>) => boolean;
    } = {},
  ): Promise<Page<T>> {
    const list = `${ownerPk}\n${prefix ?? ''}`;
    const startKey = cursor ? decodeCursor(await this.signingKey(), list, cursor, this.nowMs()) : undefined;
    const { ownerIndex } = TABLE_KEYS;
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: ownerIndex.name,
        KeyConditionExpression:
          prefix === undefined ? '#opk = :opk' : '#opk = :opk AND begins_with(#osk, :prefix)',
        ExpressionAttributeNames:
          prefix === undefined
            ? { '#opk': ownerIndex.partitionKey }
            : { '#opk': ownerIndex.partitionKey, '#osk': ownerIndex.sortKey },
        ExpressionAttributeValues:
          prefix === undefined ? { ':opk': ownerPk } : { ':opk': ownerPk, ':prefix': prefix },
        Limit: limit,
        ScanIndexForward: !newestFirst,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const items = (result.Items ?? []).filter(shown).map((item) => schema.parse(item));
    if (!result.LastEvaluatedKey) return { items };
    const nextCursor = encodeCursor(await this.signingKey(), list, result.LastEvaluatedKey, this.nowMs());
    return { items, nextCursor };
  }

  /** Read once per container; a failed read is tried again on the next list. */
  private signingKey(): Promise<Uint8Array> {
    this.#signingKey ??= readSigningKey(this.documents, this.tableName).catch((error: unknown) => {
      this.#signingKey = undefined;
      throw error;
    });
    return this.#signingKey;
  }
}
