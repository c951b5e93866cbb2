// The CallNow stack: the table, the queues, the functions, the HTTP API, the connectors' identities, and what
// operators watch (alarms, dashboard) and may add (alarm notifications, a custom domain, a WAF).

import { Aws, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { FUNCTION_ENV } from '../../functions/lib/config.ts';
import {
  CALL_EVENTS_DEAD_LETTER_QUEUE_NAME,
  CALL_EVENTS_QUEUE_NAME,
  CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
} from '../resources.ts';
import { CallNowAlarms, DEFAULT_CALL_REQUEST_MAX_AGE } from './alarms.ts';
import { CallNotifications } from './call-notifications.ts';
import { CallNowFunction } from './callnow-function.ts';
import { CallNowSite } from './callnow-site.ts';
import { CallNowDashboard } from './dashboard.ts';
import { CallNowFirewall } from './firewall.ts';
import { CallNowHttpApi } from './http-api.ts';
import { QueueWithDeadLetterQueue } from './queue-with-dead-letter-queue.ts';
import { type CallNowSettings, DEFAULT_CALL_REQUESTS_PER_SECOND } from './settings.ts';
import { siteConstructName } from './sites.ts';
import { CallNowTable } from './table.ts';

/** Messages per consumer invocation: one invocation applies up to this many status updates. */
export const CALL_EVENTS_BATCH_SIZE = 10;

export const MANAGEMENT_FUNCTION_ENTRY = 'functions/management/handler.ts';
export const CONSOLE_FUNCTION_ENTRY = 'functions/console/handler.ts';

export interface CallNowStackProps extends StackProps {
  /** The PBX sites to serve, as returned by parseSiteIds: one queue pair and connector identity each. */
  readonly siteIds: readonly string[];
  /**
   * The optional settings, as returned by parseSettings.
   * @default none of the options, and DEFAULT_CALL_REQUESTS_PER_SECOND
   */
  readonly settings?: CallNowSettings;
}

export class CallNowStack extends Stack {
  public readonly table: CallNowTable;
  public readonly callEvents: QueueWithDeadLetterQueue;
  /** Site id -> the site's queues and connector identity, in the order of the `sites` context. */
  public readonly sites: ReadonlyMap<string, CallNowSite>;
  /** Serves the public CallNow page and creates call requests. */
  public readonly publicFunction: CallNowFunction;
  /** Serves the management and Call API; its Call API also creates call requests. */
  public readonly managementFunction: CallNowFunction;
  /** Serves the console: the same rules as the management API, in a browser. */
  public readonly consoleFunction: CallNowFunction;
  /** Applies `call.status` and `extension.presence` messages from the call-events queue to the table. */
  public readonly callEventsConsumer: CallNowFunction;
  /** The call events' bus, and the webhooks that take them from it. */
  public readonly notifications: CallNotifications;
  public readonly api: CallNowHttpApi;
  /** CloudFront with AWS WAF in front of the API, when the `waf` setting is on. */
  public readonly firewall: CallNowFirewall | undefined;
  /** With `waf`: the header value CloudFront adds to every request, and the functions require. */
  public readonly originVerifySecret: secretsmanager.Secret | undefined;
  /** Where alarms notify, when `alarmEmail` or `alarmTopicArn` is set. */
  public readonly alarmTopic: sns.ITopic | undefined;
  public readonly alarms: CallNowAlarms;
  public readonly dashboard: CallNowDashboard;
  /** The base URL visitors and API clients use, ending with a slash. */
  public readonly publicUrl: string;

  constructor(scope: Construct, id: string, props: CallNowStackProps) {
    super(scope, id, props);
    const settings = props.settings ?? { callRequestsPerSecond: DEFAULT_CALL_REQUESTS_PER_SECOND };
    this.table = new CallNowTable(this, 'Table');

    this.callEvents = new QueueWithDeadLetterQueue(this, 'CallEvents', {
      queueName: CALL_EVENTS_QUEUE_NAME,
      deadLetterQueueName: CALL_EVENTS_DEAD_LETTER_QUEUE_NAME,
      visibilityTimeout: Duration.seconds(CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS),
    });

    const sites = new Map<string, CallNowSite>();
    for (const siteId of props.siteIds) {
      const site = new CallNowSite(this, `Site${siteConstructName(siteId)}`, {
        siteId,
        callEventsQueue: this.callEvents.queue,
      });
      sites.set(siteId, site);
    }
    this.sites = sites;

    const { waf, customDomain } = settings;
    // With the WAF on, the API takes requests only from the distribution, which proves itself with this header.
    this.originVerifySecret = waf ? this.createOriginVerifySecret() : undefined;

    const callRequestsQueueUrls = Object.fromEntries(
      [...sites].map(([siteId, site]) => [siteId, site.callRequests.queue.queueUrl]),
    );
    const callRequestsEnvironment = {
      [FUNCTION_ENV.tableName]: this.table.table.tableName,
      [FUNCTION_ENV.callRequestsQueueUrls]: this.toJsonString(callRequestsQueueUrls),
      ...(this.originVerifySecret
        ? { [FUNCTION_ENV.originVerifySecret]: this.originVerifySecret.secretValue.unsafeUnwrap() }
        : {}),
    };
    this.publicFunction = new CallNowFunction(this, 'PublicFunction', {
      entry: 'functions/public/handler.ts',
      description: 'CallNow public pages and call requests',
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: callRequestsEnvironment,
      // Optional: every accepted request makes a PBX ring a phone, so a ceiling on concurrent executions is a
      // ceiling on how fast strangers can make it do so, on top of API Gateway's route limit.
      ...(settings.publicReservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: settings.publicReservedConcurrency }),
    });
    this.table.grantReadWriteData(this.publicFunction.role);
    this.grantSendCallRequests(this.publicFunction);

    this.managementFunction = new CallNowFunction(this, 'ManagementFunction', {
      entry: MANAGEMENT_FUNCTION_ENTRY,
      description: 'CallNow management and Call API',
      // scrypt checks the admin password on each request (32 MiB and ~100 ms of a full vCPU); more memory buys
      // the CPU that keeps it quick. Admin and Call API requests are few, so the cost stays small.
      memorySize: 1024,
      timeout: Duration.seconds(10),
      environment: callRequestsEnvironment,
    });
    this.table.grantReadWriteData(this.managementFunction.role);
    this.grantSendCallRequests(this.managementFunction);

    this.consoleFunction = new CallNowFunction(this, 'ConsoleFunction', {
      entry: CONSOLE_FUNCTION_ENTRY,
      description: 'CallNow console',
      // scrypt at each login, as above.
      memorySize: 1024,
      timeout: Duration.seconds(10),
      environment: callRequestsEnvironment,
    });
    // Reads and writes the table only: the console places no calls.
    this.table.grantReadWriteData(this.consoleFunction.role);

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

    this.notifications = new CallNotifications(this, 'CallNotifications', { table: this.table });
    for (const publisher of [this.publicFunction, this.managementFunction, this.callEventsConsumer]) {
      this.notifications.grantPublish(publisher);
    }
    // The API's test button queues a delivery; the console's delivers it at once.
    this.notifications.grantQueueDeliveries(this.managementFunction);

    this.api = new CallNowHttpApi(this, 'Api', {
      publicFunction: this.publicFunction.function,
      managementFunction: this.managementFunction.function,
      consoleFunction: this.consoleFunction.function,
      callRequestsThrottle: {
        rateLimit: settings.callRequestsPerSecond,
        burstLimit: Math.max(1, Math.ceil(2 * settings.callRequestsPerSecond)),
      },
      // With the WAF on, CloudFront holds the domain and reaches the API on its execute-api name.
      ...(customDomain && !waf ? { customDomain } : {}),
    });
    this.firewall =
      waf && this.originVerifySecret
        ? new CallNowFirewall(this, 'Firewall', {
            apiEndpointHost: this.api.endpointHost,
            waf,
            originVerifySecret: this.originVerifySecret,
            ...(customDomain ? { customDomain } : {}),
          })
        : undefined;
    this.publicUrl = this.firewall?.url ?? this.api.url;

    this.alarmTopic = this.createAlarmTopic(settings);
    // Site construct ids (`SiteHq`) are alphanumeric, so they can name alarms and outputs.
    const deadLetterQueues = {
      CallEvents: this.callEvents.deadLetterQueue,
      WebhookEvents: this.notifications.webhookEvents.deadLetterQueue,
      WebhookDeliveries: this.notifications.webhookDeliveries.deadLetterQueue,
      ...Object.fromEntries(
        [...sites.values()].map((site) => [site.node.id, site.callRequests.deadLetterQueue]),
      ),
    };
    const functions = {
      PublicFunction: this.publicFunction.function,
      ManagementFunction: this.managementFunction.function,
      ConsoleFunction: this.consoleFunction.function,
      CallEventsConsumer: this.callEventsConsumer.function,
      WebhooksFunction: this.notifications.webhooksFunction.function,
    };
    this.alarms = new CallNowAlarms(this, 'Alarms', {
      deadLetterQueues,
      callRequestsQueues: Object.fromEntries(
        [...sites.values()].map((site) => [site.node.id, site.callRequests.queue]),
      ),
      functions,
      apiStage: this.api.stage,
      callRequestMaxAge: DEFAULT_CALL_REQUEST_MAX_AGE,
      ...(this.alarmTopic ? { notificationTopic: this.alarmTopic } : {}),
    });
    this.dashboard = new CallNowDashboard(this, 'Dashboard', {
      dashboardName: this.stackName,
      callRequestsQueues: Object.fromEntries(
        [...sites].map(([siteId, site]) => [siteId, site.callRequests.queue]),
      ),
      deadLetterQueues,
      functions,
      apiStage: this.api.stage,
      alarms: this.alarms.alarms,
      callRequestMaxAge: DEFAULT_CALL_REQUEST_MAX_AGE,
    });

    this.addOutputs();
  }

  private createOriginVerifySecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'OriginVerifySecret', {
      description:
        'CallNow: the header value CloudFront adds to every request, so that the API takes no other',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'CloudFront and the functions read this value when the stack deploys (a dynamic reference): a rotation ' +
        'would not reach them. Rotate it by deploying after `aws secretsmanager put-secret-value`.',
    });
    return secret;
  }

  /** Only SendMessage: grantSendMessages would add GetQueueAttributes and GetQueueUrl, which it never calls. */
  private grantSendCallRequests(callNowFunction: CallNowFunction): void {
    callNowFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendCallRequests',
        actions: ['sqs:SendMessage'],
        resources: [...this.sites.values()].map((site) => site.callRequests.queue.queueArn),
      }),
    );
  }

  private createAlarmTopic({ alarmNotifications }: CallNowSettings): sns.ITopic | undefined {
    if (alarmNotifications?.kind === 'topic') {
      return sns.Topic.fromTopicArn(this, 'AlarmTopic', alarmNotifications.topicArn);
    }
    if (alarmNotifications?.kind !== 'email') return undefined;
    // Unencrypted on purpose: CloudWatch cannot publish to a topic under the AWS managed SNS key, and alarm
    // messages (alarm name, metric, threshold) carry no visitor data that would justify a customer key.
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'CallNow alarms', enforceSSL: true });
    topic.addSubscription(new subscriptions.EmailSubscription(alarmNotifications.email));
    return topic;
  }

  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of CallNow; the public page of CallNow ID <id> is <ApiUrl>callnow/<id>',
      value: this.publicUrl,
    });
    if (this.api.domainName) {
      new CfnOutput(this, 'CustomDomainTarget', {
        description:
          'Point the custom domain here: a CNAME, or a Route 53 alias with CustomDomainHostedZoneId',
        value: this.api.domainName.regionalDomainName,
      });
      new CfnOutput(this, 'CustomDomainHostedZoneId', {
        description: 'The hosted zone of CustomDomainTarget, for a Route 53 alias record',
        value: this.api.domainName.regionalHostedZoneId,
      });
    }
    if (this.firewall) {
      new CfnOutput(this, 'DistributionDomainName', {
        description: 'The CloudFront distribution in front of the API; point a custom domain here (CNAME)',
        value: this.firewall.distribution.distributionDomainName,
      });
    }
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.stackName}`,
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
