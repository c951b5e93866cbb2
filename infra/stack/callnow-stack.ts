// The CallNow stack: the table, the queues, the functions, the HTTP API and the connectors' identities.

import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import {
  CALL_EVENTS_DEAD_LETTER_QUEUE_NAME,
  CALL_EVENTS_QUEUE_NAME,
  CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
  FUNCTION_ENV,
} from '../resources.ts';
import { CallNowAlarms } from './alarms.ts';
import { CallNowFunction } from './callnow-function.ts';
import { CallNowSite } from './callnow-site.ts';
import { CallNowHttpApi } from './http-api.ts';
import { QueueWithDeadLetterQueue } from './queue-with-dead-letter-queue.ts';
import { siteConstructName } from './sites.ts';
import { CallNowTable } from './table.ts';

/** Messages per consumer invocation: one invocation applies up to this many status updates. */
export const CALL_EVENTS_BATCH_SIZE = 10;

export interface CallNowStackProps extends StackProps {
  /** The PBX sites to serve, as returned by parseSiteIds: one queue pair and connector identity each. */
  readonly siteIds: readonly string[];
}

export class CallNowStack extends Stack {
  public readonly table: CallNowTable;
  public readonly callEvents: QueueWithDeadLetterQueue;
  /** Site id -> the site's queues and connector identity, in the order of the `sites` context. */
  public readonly sites: ReadonlyMap<string, CallNowSite>;
  /** Serves the public CallNow page and creates call requests. */
  public readonly publicFunction: CallNowFunction;
  /** Applies `call.status` and `extension.presence` messages from the call-events queue to the table. */
  public readonly callEventsConsumer: CallNowFunction;
  public readonly api: CallNowHttpApi;
  public readonly alarms: CallNowAlarms;

  constructor(scope: Construct, id: string, props: CallNowStackProps) {
    super(scope, id, props);
    this.table = new CallNowTable(this, 'Table');

    this.callEvents = new QueueWithDeadLetterQueue(this, 'CallEvents', {
      queueName: CALL_EVENTS_QUEUE_NAME,
      deadLetterQueueName: CALL_EVENTS_DEAD_LETTER_QUEUE_NAME,
      visibilityTimeout: Duration.seconds(CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS),
    });

    const sites = new Map<string, CallNowSite>();
    for (const siteId of props.siteIds) {
      sites.set(
        siteId,
        new CallNowSite(this, `Site${siteConstructName(siteId)}`, {
          siteId,
          callEventsQueue: this.callEvents.queue,
        }),
      );
    }
    this.sites = sites;

    const callRequestsQueueUrls = Object.fromEntries(
      [...sites].map(([siteId, site]) => [siteId, site.callRequests.queue.queueUrl]),
    );
    this.publicFunction = new CallNowFunction(this, 'PublicFunction', {
      entry: 'functions/public/handler.ts',
      description: 'CallNow public pages and call requests',
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: {
        [FUNCTION_ENV.tableName]: this.table.table.tableName,
        [FUNCTION_ENV.callRequestsQueueUrls]: this.toJsonString(callRequestsQueueUrls),
      },
    });
    this.table.grantReadWriteData(this.publicFunction.role);
    // Only SendMessage: grantSendMessages would add GetQueueAttributes and GetQueueUrl, which it never calls.
    this.publicFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendCallRequests',
        actions: ['sqs:SendMessage'],
        resources: [...sites.values()].map((site) => site.callRequests.queue.queueArn),
      }),
    );

    this.callEventsConsumer = new CallNowFunction(this, 'CallEventsConsumer', {
      entry: 'functions/call-events/handler.ts',
      description: 'CallNow call-events consumer',
      memorySize: 256,
      // A sixth of the queue's visibility timeout, as AWS advises for SQS event sources, so a batch that
      // times out is retried only after the invocation is surely over.
      timeout: Duration.seconds(CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS / 6),
      environment: {
        [FUNCTION_ENV.tableName]: this.table.table.tableName,
      },
    });
    this.table.grantReadWriteData(this.callEventsConsumer.role);
    this.callEventsConsumer.function.addEventSource(
      new SqsEventSource(this.callEvents.queue, {
        batchSize: CALL_EVENTS_BATCH_SIZE,
        reportBatchItemFailures: true,
      }),
    );

    this.api = new CallNowHttpApi(this, 'Api', { publicFunction: this.publicFunction.function });

    // Site construct ids (`SiteHq`) are alphanumeric, so they can name alarms and outputs.
    this.alarms = new CallNowAlarms(this, 'Alarms', {
      deadLetterQueues: {
        CallEvents: this.callEvents.deadLetterQueue,
        ...Object.fromEntries(
          [...sites.values()].map((site) => [site.node.id, site.callRequests.deadLetterQueue]),
        ),
      },
      callRequestsQueues: Object.fromEntries(
        [...sites.values()].map((site) => [site.node.id, site.callRequests.queue]),
      ),
      functions: {
        PublicFunction: this.publicFunction.function,
        CallEventsConsumer: this.callEventsConsumer.function,
      },
      apiStage: this.api.stage,
    });

    this.addOutputs();
  }

  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the HTTP API; the public page of CallNow ID <id> is <ApiUrl>callnow/<id>',
      value: this.api.url,
    });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'CallEventsQueueUrl', {
      description: 'CALL_EVENTS_QUEUE_URL for every edge connector',
      value: this.callEvents.queue.queueUrl,
    });
    new CfnOutput(this, 'CallEventsDeadLetterQueueUrl', { value: this.callEvents.deadLetterQueue.queueUrl });
    for (const [siteId, site] of this.sites) {
      new CfnOutput(this, `${site.node.id}CallRequestsQueueUrl`, {
        description: `CALL_REQUESTS_QUEUE_URL for the edge connector of site "${siteId}"`,
        value: site.callRequests.queue.queueUrl,
      });
      new CfnOutput(this, `${site.node.id}CallRequestsDeadLetterQueueUrl`, {
        value: site.callRequests.deadLetterQueue.queueUrl,
      });
      new CfnOutput(this, `${site.node.id}ConnectorUserName`, {
        description: `IAM user of the edge connector of site "${siteId}"; create its access key after deploying`,
        value: site.connector.user.userName,
      });
    }
  }
}
