// Webhooks live in their client's partition (one query lists them, consistently); each webhook's delivery attempts
// in a partition of their own, newest last, read 50 at a time from the end. Attempts leave with their TTL; the log
// never relies on when.
import { randomBytes } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  DELIVERY_LOG_LENGTH,
  type DeliveryAttempt,
  DeliveryAttemptSchema,
  type Webhook,
  WebhookSchema,
  type WebhookStore,
} from '../domain/webhooks.ts';
import { TABLE_KEYS } from './records.ts';

const ATTEMPT_RETENTION_SECONDS = 30 * 86_400;

const webhookKey = (clientId: string, webhookId: string) => ({
  pk: `CLIENT#${clientId}#WEBHOOKS`,
  sk: `WEBHOOK#${webhookId}`,
});
const attemptsPk = (webhookId: string) => `WEBHOOK#${webhookId}#ATTEMPTS`;

/** Every partition this store uses, as IAM's `dynamodb:LeadingKeys` patterns: all the webhooks function may touch. */
export const WEBHOOK_PARTITION_PATTERNS = [webhookKey('*', '').pk, attemptsPk('*')] as const;

export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putWebhook(webhook: Webhook): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...webhookKey(webhook.clientId, webhook.webhookId), ...webhook },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getWebhook(clientId: string, webhookId: string): Promise<Webhook | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: webhookKey(clientId, webhookId),
        ConsistentRead: true,
      }),
    );
    return WebhookSchema.safeParse(Item).data;
  }

  async deleteWebhook(clientId: string, webhookId: string): Promise<void> {
    await this.documents.send(
      new DeleteCommand({ TableName: this.tableName, Key: webhookKey(clientId, webhookId) }),
    );
  }

  async listWebhooks(clientId: string): Promise<Webhook[]> {
    const { pk } = webhookKey(clientId, '');
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    );
    return Items.flatMap((item) => WebhookSchema.safeParse(item).data ?? []);
  }

  async recordAttempt(webhookId: string, attempt: DeliveryAttempt): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: attemptsPk(webhookId),
          sk: `${attempt.at}#${randomBytes(4).toString('hex')}`,
          ...attempt,
          [TABLE_KEYS.timeToLiveAttribute]:
            Math.floor(Date.parse(attempt.at) / 1000) + ATTEMPT_RETENTION_SECONDS,
        },
      }),
    );
  }

  async listAttempts(webhookId: string): Promise<DeliveryAttempt[]> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': attemptsPk(webhookId) },
        ScanIndexForward: false,
        Limit: DELIVERY_LOG_LENGTH,
      }),
    );
    return Items.flatMap((item) => DeliveryAttemptSchema.safeParse(item).data ?? []);
  }
}
