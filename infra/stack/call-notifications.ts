// The call events' way out: the EventBridge bus the functions put them on (customers add their own rules), the
// rule that feeds the webhooks, and the webhooks function with its two queues.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { CALL_EVENT_SOURCE, CALL_STATUS_CHANGED } from '../../functions/domain/call-notifications.ts';
import { FUNCTION_ENV } from '../../functions/lib/config.ts';
import { WEBHOOK_PARTITION_PATTERNS } from '../../functions/store/dynamo-webhook-store.ts';
import {
  CALL_EVENT_BUS_NAME,
  WEBHOOK_DELIVERIES_QUEUE_NAME,
  WEBHOOK_DELIVERIES_RETENTION_SECONDS,
  WEBHOOK_DELIVERY_ATTEMPTS,
  WEBHOOK_EVENTS_QUEUE_NAME,
  WEBHOOK_QUEUES_VISIBILITY_TIMEOUT_SECONDS,
} from '../resources.ts';
import { CallNowFunction } from './callnow-function.ts';
import { QueueWithDeadLetterQueue } from './queue-with-dead-letter-queue.ts';
import type { CallNowTable } from './table.ts';

export interface CallNotificationsProps {
  readonly table: CallNowTable;
}

export class CallNotifications extends Construct {
  public readonly bus: events.EventBus;
  public readonly rule: events.Rule;
  public readonly webhookEvents: QueueWithDeadLetterQueue;
  public readonly webhookDeliveries: QueueWithDeadLetterQueue;
  public readonly webhooksFunction: CallNowFunction;

  constructor(scope: Construct, id: string, { table }: CallNotificationsProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: CALL_EVENT_BUS_NAME });

    const visibilityTimeout = Duration.seconds(WEBHOOK_QUEUES_VISIBILITY_TIMEOUT_SECONDS);
    this.webhookEvents = new QueueWithDeadLetterQueue(this, 'WebhookEvents', {
      queueName: WEBHOOK_EVENTS_QUEUE_NAME,
      deadLetterQueueName: `${WEBHOOK_EVENTS_QUEUE_NAME}-dlq`,
      visibilityTimeout,
    });
    this.webhookDeliveries = new QueueWithDeadLetterQueue(this, 'WebhookDeliveries', {
      queueName: WEBHOOK_DELIVERIES_QUEUE_NAME,
      deadLetterQueueName: `${WEBHOOK_DELIVERIES_QUEUE_NAME}-dlq`,
      visibilityTimeout,
      maxReceiveCount: WEBHOOK_DELIVERY_ATTEMPTS,
      retentionPeriod: Duration.seconds(WEBHOOK_DELIVERIES_RETENTION_SECONDS),
    });

    this.rule = new events.Rule(this, 'ToWebhooks', {
      eventBus: this.bus,
      description: 'Every call event, to the webhooks function',
      eventPattern: { source: [CALL_EVENT_SOURCE], detailType: [CALL_STATUS_CHANGED] },
      targets: [new targets.SqsQueue(this.webhookEvents.queue)],
    });

    this.webhooksFunction = new CallNowFunction(this, 'WebhooksFunction', {
      entry: 'functions/webhooks/handler.ts',
      description: 'CallNow webhooks: fan-out and signed deliveries',
      memorySize: 256,
      // A sixth of the queues' visibility timeout, as AWS advises for SQS event sources.
      timeout: Duration.seconds(WEBHOOK_QUEUES_VISIBILITY_TIMEOUT_SECONDS / 6),
      environment: {
        [FUNCTION_ENV.tableName]: table.table.tableName,
        [FUNCTION_ENV.webhookDeliveriesQueueUrl]: this.webhookDeliveries.queue.queueUrl,
      },
    });
    // It reads webhooks and writes their delivery log, and nothing else of the table: it is the one function that
    // talks to servers on the internet that anyone may name.
    this.webhooksFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WebhookItemsOnly',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        resources: [table.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...WEBHOOK_PARTITION_PATTERNS] },
        },
      }),
    );
    for (const queue of [this.webhookEvents.queue, this.webhookDeliveries.queue]) {
      this.webhooksFunction.function.addEventSource(
        new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }),
      );
    }
    this.grantQueueDeliveries(this.webhooksFunction, ['sqs:ChangeMessageVisibility', 'sqs:SendMessage']);
  }

  /** Lets a function put call events on the bus, and tells it the bus's name. */
  grantPublish(callNowFunction: CallNowFunction): void {
    callNowFunction.function.addEnvironment(FUNCTION_ENV.eventBusName, this.bus.eventBusName);
    callNowFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }),
    );
  }

  /** Lets a function queue webhook deliveries (the test button), and tells it where. */
  grantQueueDeliveries(
    callNowFunction: CallNowFunction,
    actions: readonly string[] = ['sqs:SendMessage'],
  ): void {
    callNowFunction.function.addEnvironment(
      FUNCTION_ENV.webhookDeliveriesQueueUrl,
      this.webhookDeliveries.queue.queueUrl,
    );
    callNowFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...actions], resources: [this.webhookDeliveries.queue.queueArn] }),
    );
  }
}
