// Assertions on the synthesized CallNow template: what `cdk deploy` would create, checked without AWS.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type App, CfnElement, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FAILURE_REASONS } from '../../contracts/call-states.ts';
import { CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS } from '../../contracts/queue-timing.ts';
import { CALL_EVENT_SOURCE, CALL_STATUS_CHANGED } from '../../functions/domain/call-notifications.ts';
import { FUNCTION_ENV } from '../../functions/lib/config.ts';
import { CALL_REQUEST_REJECTIONS, METRIC, METRICS_NAMESPACE, metrics } from '../../functions/lib/metrics.ts';
import { TABLE_KEYS } from '../../functions/store/records.ts';
import {
  CALL_EVENT_BUS_NAME,
  CALL_EVENTS_DEAD_LETTER_QUEUE_NAME,
  CALL_EVENTS_QUEUE_NAME,
  CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
  CONSOLE_ROUTE_KEYS,
  callRequestsDeadLetterQueueName,
  callRequestsQueueName,
  DEFAULT_TABLE_NAME,
  MANAGEMENT_ROUTE_KEYS,
  MAX_RECEIVE_COUNT,
  PUBLIC_ROUTE_KEYS,
  WEBHOOK_DELIVERIES_QUEUE_NAME,
  WEBHOOK_DELIVERY_ATTEMPTS,
} from '../../infra/resources.ts';
import { buildCallNowApp } from '../../infra/stack/callnow-app.ts';
import type { CallNowStack } from '../../infra/stack/callnow-stack.ts';
import {
  CONNECTOR_CALL_EVENTS_ACTIONS,
  CONNECTOR_CALL_REQUESTS_ACTIONS,
} from '../../infra/stack/edge-connector-identity.ts';
import { CALL_REQUEST_ROUTE_KEY } from '../../infra/stack/http-api.ts';
import { DEFAULT_CALL_REQUESTS_PER_SECOND } from '../../infra/stack/settings.ts';
import {
  acknowledgments,
  asArray,
  type CfnResource,
  iamPolicies,
  joinWithRefs,
  type PolicyStatement,
  cfn as resolveIn,
  statementsOf as statementsIn,
  testApp,
  wildcardsIn,
} from './support.ts';

/** Two sites, to show that each site in the context gets its own queue pair and connector identity. */
const SITE_IDS = ['hq', 'branch-2'] as const;

interface FunctionResource {
  Properties: { Environment: { Variables: Record<string, unknown> } } & Record<string, unknown>;
}

let app: App;
let stack: CallNowStack;
let template: Template;
let synthSeconds: number;

beforeAll(() => {
  // Only the sites differ from cdk.json: this is the template `npm run synth` produces, options off.
  app = testApp({ sites: [...SITE_IDS] });
  const started = performance.now();
  stack = buildCallNowApp(app);
  // Real bundling with the local esbuild, and the app's validation plugins (cdk-nag, CloudFormation rules):
  // synthesis throws on an unacknowledged finding. Several seconds on a busy two-core machine, hence the timeout.
  template = Template.fromStack(stack);
  synthSeconds = (performance.now() - started) / 1000;
}, 120_000);

afterAll(() => {
  if (app !== undefined) rmSync(app.outdir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const cfn = (value: Parameters<typeof resolveIn>[1]) => resolveIn(stack, value);
const statementsOf = (principal: unknown) => statementsIn(template, principal);

function site(siteId: string) {
  const found = stack.sites.get(siteId);
  if (found === undefined) throw new Error(`no site ${siteId} in the stack`);
  return found;
}

function logicalIdOf(construct: IConstruct): string {
  const element = construct.node.defaultChild;
  if (!CfnElement.isCfnElement(element))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return stack.getLogicalId(element);
}

function functionResource(construct: IConstruct): FunctionResource {
  return template.toJSON().Resources[logicalIdOf(construct)] as FunctionResource;
}

const ROUTE_COUNT = PUBLIC_ROUTE_KEYS.length + MANAGEMENT_ROUTE_KEYS.length + CONSOLE_ROUTE_KEYS.length;
const callNowFunctions = () => [
  stack.publicFunction,
  stack.managementFunction,
  stack.consoleFunction,
  stack.callEventsConsumer,
  stack.notifications.webhooksFunction,
];

describe('the stack', () => {
  it('holds exactly these resources for two sites with every option off', () => {
    const counts: Record<string, number> = {};
    for (const resource of Object.values(template.toJSON().Resources as Record<string, CfnResource>)) {
      if (resource.Type !== 'AWS::CDK::Metadata') counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
    }
    const sites = SITE_IDS.length;
    expect(counts).toEqual({
      'AWS::DynamoDB::Table': 1,
      // A call-requests queue and its DLQ per site; the call-events, webhook-events and webhook-deliveries queues
      // and their DLQs; a TLS-only policy each.
      'AWS::SQS::Queue': 2 * sites + 6,
      'AWS::SQS::QueuePolicy': 2 * sites + 6,
      // Public, management, console, call-events and webhooks functions: a role, a policy and a log group each.
      'AWS::Lambda::Function': 5,
      'AWS::IAM::Role': 5,
      'AWS::Logs::LogGroup': 5 + 1, // and the API's access log
      'AWS::Lambda::EventSourceMapping': 3,
      'AWS::IAM::User': sites,
      'AWS::IAM::Policy': 5 + sites, // the functions' and the connectors'
      // The call events' bus, and the rule that takes them to the webhooks.
      'AWS::Events::EventBus': 1,
      'AWS::Events::Rule': 1,
      'AWS::ApiGatewayV2::Api': 1,
      'AWS::ApiGatewayV2::Stage': 1,
      'AWS::ApiGatewayV2::Integration': 3,
      'AWS::ApiGatewayV2::Route': ROUTE_COUNT,
      'AWS::Lambda::Permission': ROUTE_COUNT,
      // Per DLQ one, per site one (connector silent), per function two (errors, throttles), one on API 5xx.
      'AWS::CloudWatch::Alarm': sites + 3 + sites + 5 * 2 + 1,
      'AWS::CloudWatch::Dashboard': 1,
    });
  });

  it('is environment-agnostic, so synthesis needs no AWS account or region', () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
  });

  it('synthesizes, bundling four functions and running cdk-nag, in well under a minute', () => {
    expect(synthSeconds).toBeLessThan(60);
  });
});

describe('the table', () => {
  it('is one on-demand table with the keys, TTL attribute and owner index of infra/resources.ts', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: DEFAULT_TABLE_NAME,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: TABLE_KEYS.timeToLiveAttribute, Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: TABLE_KEYS.ownerIndex.name,
          KeySchema: [
            { AttributeName: TABLE_KEYS.ownerIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE_KEYS.ownerIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('survives mistakes: point-in-time recovery, encryption, deletion protection and a retain policy', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('the queues', () => {
  it('are one call-requests pair per site of the context and one call-events pair', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2 * SITE_IDS.length + 6);
    expect([...stack.sites.keys()]).toEqual(SITE_IDS);
    for (const siteId of SITE_IDS) {
      template.hasResourceProperties('AWS::SQS::Queue', { QueueName: callRequestsQueueName(siteId) });
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: callRequestsDeadLetterQueueName(siteId),
      });
    }
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: CALL_EVENTS_QUEUE_NAME });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: CALL_EVENTS_DEAD_LETTER_QUEUE_NAME });
  });

  it("redrive each site's call requests to that site's dead-letter queue", () => {
    for (const siteId of SITE_IDS) {
      const { callRequests } = site(siteId);
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: callRequestsQueueName(siteId),
        VisibilityTimeout: CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS,
        RedrivePolicy: {
          deadLetterTargetArn: cfn(callRequests.deadLetterQueue.queueArn),
          maxReceiveCount: MAX_RECEIVE_COUNT,
        },
      });
    }
  });

  it('redrive call events to their dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: CALL_EVENTS_QUEUE_NAME,
      VisibilityTimeout: CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
      RedrivePolicy: {
        deadLetterTargetArn: cfn(stack.callEvents.deadLetterQueue.queueArn),
        maxReceiveCount: MAX_RECEIVE_COUNT,
      },
    });
  });

  it('every queue is encrypted and TLS-only; every queue but the dead-letter queues redrives to one', () => {
    const queues = template.findResources('AWS::SQS::Queue') as Record<string, CfnResource>;
    const queuePolicies = Object.values(
      template.findResources('AWS::SQS::QueuePolicy') as Record<string, CfnResource>,
    );
    const redriveTargets = Object.values(queues).flatMap((queue) => {
      const redrive = queue.Properties.RedrivePolicy as { deadLetterTargetArn: unknown } | undefined;
      return redrive ? [JSON.stringify(redrive.deadLetterTargetArn)] : [];
    });
    const deadLetterQueueIds = Object.keys(queues).filter((logicalId) =>
      redriveTargets.some((target) => target.includes(`"${logicalId}"`)),
    );
    expect(deadLetterQueueIds).toHaveLength(SITE_IDS.length + 3);
    for (const [logicalId, queue] of Object.entries(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled, logicalId).toBe(true);
      const policy = queuePolicies.find((candidate) =>
        JSON.stringify(candidate.Properties.Queues).includes(`"${logicalId}"`),
      );
      expect(policy?.Properties.PolicyDocument, `TLS-only policy of ${logicalId}`).toMatchObject({
        Statement: expect.arrayContaining([
          {
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: expect.anything(),
          },
        ]),
      });
      const isDeadLetterQueue = deadLetterQueueIds.includes(logicalId);
      expect(queue.Properties.RedrivePolicy === undefined, `${logicalId} redrive`).toBe(isDeadLetterQueue);
      if (isDeadLetterQueue) expect(queue.Properties.MessageRetentionPeriod, logicalId).toBe(14 * 24 * 3600);
    }
  });
});

describe('the HTTP API', () => {
  function integrationFor(fn: IConstruct & { functionArn: string }): string {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
      Properties: {
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: cfn(fn.functionArn),
        PayloadFormatVersion: '2.0',
      },
    });
    const ids = Object.keys(integrations);
    expect(ids).toHaveLength(1);
    return ids[0] ?? '';
  }

  it('routes the public CallNow routes to the public function, with payload format 2.0', () => {
    expect(PUBLIC_ROUTE_KEYS).toEqual([
      'GET /callnow/{callNowId}',
      'POST /callnow/{callNowId}/requests',
      'GET /callnow/{callNowId}/requests/{requestId}',
      'DELETE /callnow/{callNowId}/requests/{requestId}',
      'POST /callnow/{callNowId}/requests/{requestId}/cancel',
      'GET /callnow/{callNowId}/captcha',
      'GET /callnow/{callNowId}/widget.js',
      'OPTIONS /callnow/{callNowId}/requests',
      'OPTIONS /callnow/{callNowId}/requests/{requestId}',
    ]);
    const integrationId = integrationFor(stack.publicFunction.function);
    for (const routeKey of PUBLIC_ROUTE_KEYS) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'NONE',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
      });
    }
  });

  it('routes /api/v1/... to the management function, with payload format 2.0 and no API Gateway authorizer', () => {
    expect(MANAGEMENT_ROUTE_KEYS).toEqual(['ANY /api/v1/{proxy+}']);
    const integrationId = integrationFor(stack.managementFunction.function);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /api/v1/{proxy+}',
      AuthorizationType: 'NONE',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
    });
  });

  it('routes /console and every page under it to the console function, which authenticates in itself', () => {
    expect(CONSOLE_ROUTE_KEYS).toEqual(['ANY /console', 'ANY /console/{proxy+}']);
    const integrationId = integrationFor(stack.consoleFunction.function);
    for (const routeKey of CONSOLE_ROUTE_KEYS) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'NONE',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
      });
    }
  });

  it('throttles the stage, and call requests, the management API and the console below it, once their routes exist', () => {
    const stages = template.findResources('AWS::ApiGatewayV2::Stage') as Record<string, CfnResource>;
    const [stage] = Object.values(stages);
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      RouteSettings: {
        [CALL_REQUEST_ROUTE_KEY]: {
          ThrottlingRateLimit: DEFAULT_CALL_REQUESTS_PER_SECOND,
          ThrottlingBurstLimit: 2 * DEFAULT_CALL_REQUESTS_PER_SECOND,
        },
        'ANY /api/v1/{proxy+}': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
        'ANY /console': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
        'ANY /console/{proxy+}': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      },
    });
    const routeIds = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(stage?.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('writes JSON access logs to a log group with retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: {
        DestinationArn: cfn(stack.api.accessLogGroup.logGroupArn),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
    const format = JSON.parse(
      template.findResources('AWS::ApiGatewayV2::Stage')[logicalIdOf(stack.api.stage)]?.Properties
        .AccessLogSettings.Format,
    );
    expect(Object.values(format)).toEqual(
      expect.arrayContaining(['$context.identity.sourceIp', '$context.routeKey', '$context.status']),
    );
    const logGroups = template.findResources('AWS::Logs::LogGroup') as Record<string, CfnResource>;
    for (const [logicalId, logGroup] of Object.entries(logGroups)) {
      expect(logGroup.Properties, logicalId).toMatchObject({ RetentionInDays: 30 });
      expect(logGroup.Properties.LogGroupName, logicalId).toBeUndefined();
    }
  });

  it('has no custom domain unless one is set', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(stack.publicUrl).toBe(stack.api.stage.url);
  });
});

describe('the functions', () => {
  it('are the public, management, console, call-events and webhooks functions, Node.js 24 on arm64, with their own log groups', () => {
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, CfnResource>;
    expect(Object.keys(functions)).toHaveLength(5);
    for (const [logicalId, fn] of Object.entries(functions)) {
      expect(fn.Properties, logicalId).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: expect.objectContaining({ Ref: expect.any(String) }) },
      });
    }
    for (const callNowFunction of callNowFunctions()) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        LoggingConfig: { LogGroup: cfn(callNowFunction.logGroup.logGroupName) },
        Role: cfn(callNowFunction.role.roleArn),
      });
    }
  });

  it('ship each function as one file with the AWS SDK inside, nothing beside it, loading no web streams', () => {
    for (const callNowFunction of callNowFunctions()) {
      const code = functionResource(callNowFunction.function).Properties.Code as { S3Key: string };
      const asset = path.join(app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      expect(readdirSync(asset), callNowFunction.node.path).toEqual(['index.mjs']);
      const bundle = readFileSync(path.join(asset, 'index.mjs'), 'utf8');
      const imported = [...bundle.matchAll(/(?:^|[;}])\s*import\s*(?:[\w$*{},\s]+from\s*)?"([^"]+)"/gm)].map(
        (match) => match[1],
      );
      expect(
        imported.filter((name) => !name?.startsWith('node:')),
        callNowFunction.node.path,
      ).toEqual([]);
      expect(imported, callNowFunction.node.path).not.toContain('node:stream/web');
    }
  });

  it('size memory and timeout to their work, and reserve no concurrency unless told to', () => {
    const sizes = callNowFunctions().map((callNowFunction) => {
      const { MemorySize, Timeout, ReservedConcurrentExecutions } = functionResource(
        callNowFunction.function,
      ).Properties;
      return { MemorySize, Timeout, ReservedConcurrentExecutions };
    });
    expect(sizes).toEqual([
      { MemorySize: 512, Timeout: 10, ReservedConcurrentExecutions: undefined },
      // scrypt password checks want CPU, which comes with memory: the API's on each request, the console's at login.
      { MemorySize: 1024, Timeout: 10, ReservedConcurrentExecutions: undefined },
      { MemorySize: 1024, Timeout: 10, ReservedConcurrentExecutions: undefined },
      // A sixth of the call-events visibility timeout.
      {
        MemorySize: 256,
        Timeout: CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS / 6,
        ReservedConcurrentExecutions: undefined,
      },
      // Webhook deliveries wait up to 5 s each on the customer's server.
      { MemorySize: 256, Timeout: 30, ReservedConcurrentExecutions: undefined },
    ]);
  });

  it('give the public and management functions the table name, each site queue URL and the event bus', () => {
    for (const callNowFunction of [stack.publicFunction, stack.managementFunction]) {
      const variables = functionResource(callNowFunction.function).Properties.Environment.Variables;
      expect(Object.keys(variables).sort()).toEqual(
        [
          FUNCTION_ENV.tableName,
          FUNCTION_ENV.callRequestsQueueUrls,
          FUNCTION_ENV.eventBusName,
          ...(callNowFunction === stack.managementFunction ? [FUNCTION_ENV.webhookDeliveriesQueueUrl] : []),
        ].sort(),
      );
      expect(variables[FUNCTION_ENV.eventBusName]).toEqual(cfn(stack.notifications.bus.eventBusName));
      expect(variables[FUNCTION_ENV.tableName]).toEqual(cfn(stack.table.table.tableName));
      const queueUrls = JSON.parse(joinWithRefs(variables[FUNCTION_ENV.callRequestsQueueUrls]));
      expect(queueUrls).toEqual(
        Object.fromEntries(
          SITE_IDS.map((siteId) => [siteId, joinWithRefs(cfn(site(siteId).callRequests.queue.queueUrl))]),
        ),
      );
    }
  });

  it('give the call-events consumer only the table name and the event bus', () => {
    const variables = functionResource(stack.callEventsConsumer.function).Properties.Environment.Variables;
    expect(variables).toEqual({
      [FUNCTION_ENV.tableName]: cfn(stack.table.table.tableName),
      [FUNCTION_ENV.eventBusName]: cfn(stack.notifications.bus.eventBusName),
    });
  });

  it('feed the call-events queue to the consumer in batches that report partial failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: cfn(stack.callEvents.queue.queueArn),
      FunctionName: cfn(stack.callEventsConsumer.function.functionName),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('let the public and management functions send to every site queue, and nothing more on SQS', () => {
    const webhookTest = {
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: cfn(stack.notifications.webhookDeliveries.queue.queueArn),
    };
    for (const callNowFunction of [stack.publicFunction, stack.managementFunction]) {
      const sqsStatements = statementsOf(cfn(callNowFunction.role.roleName)).filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('sqs:')),
      );
      expect(sqsStatements).toEqual([
        {
          Sid: 'SendCallRequests',
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: expect.arrayContaining(
            SITE_IDS.map((siteId) => cfn(site(siteId).callRequests.queue.queueArn)),
          ),
        },
        // The webhook test button queues one delivery.
        ...(callNowFunction === stack.managementFunction ? [webhookTest] : []),
      ]);
      expect(sqsStatements[0]?.Resource).toHaveLength(SITE_IDS.length);
    }
  });

  it('let the functions that announce calls put events on the call bus only, and nothing else on EventBridge', () => {
    const publishers = [stack.publicFunction, stack.managementFunction, stack.callEventsConsumer];
    for (const callNowFunction of callNowFunctions()) {
      const eventStatements = statementsOf(cfn(callNowFunction.role.roleName)).filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('events:')),
      );
      expect(eventStatements, callNowFunction.node.path).toEqual(
        publishers.includes(callNowFunction)
          ? [
              {
                Effect: 'Allow',
                Action: 'events:PutEvents',
                Resource: cfn(stack.notifications.bus.eventBusArn),
              },
            ]
          : [],
      );
    }
  });

  it('take every call event off the bus to the webhook-events queue, and feed both webhook queues to the function', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: CALL_EVENT_BUS_NAME });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: cfn(stack.notifications.bus.eventBusName),
      EventPattern: { source: [CALL_EVENT_SOURCE], 'detail-type': [CALL_STATUS_CHANGED] },
      Targets: [Match.objectLike({ Arn: cfn(stack.notifications.webhookEvents.queue.queueArn) })],
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': cfn(stack.notifications.rule.ruleArn) } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: WEBHOOK_DELIVERIES_QUEUE_NAME,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: WEBHOOK_DELIVERY_ATTEMPTS }),
    });
    for (const queue of [
      stack.notifications.webhookEvents.queue,
      stack.notifications.webhookDeliveries.queue,
    ]) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: cfn(queue.queueArn),
        FunctionName: cfn(stack.notifications.webhooksFunction.function.functionName),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
    const webhookSqs = statementsOf(cfn(stack.notifications.webhooksFunction.role.roleName))
      .filter((statement) => asArray(statement.Action).some((action) => action.startsWith('sqs:')))
      .filter((statement) => !asArray(statement.Action).includes('sqs:ReceiveMessage'));
    expect(webhookSqs).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:ChangeMessageVisibility', 'sqs:SendMessage'],
        Resource: cfn(stack.notifications.webhookDeliveries.queue.queueArn),
      },
    ]);
  });

  it('let the consumer receive from and delete on the call-events queue only', () => {
    const sqsStatements = statementsOf(cfn(stack.callEventsConsumer.role.roleName)).filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('sqs:')),
    );
    expect(sqsStatements.map((statement) => statement.Resource)).toEqual([
      cfn(stack.callEvents.queue.queueArn),
    ]);
  });

  it('let every function but the webhooks one use items of the table and its index, named without wildcards', () => {
    for (const callNowFunction of callNowFunctions()) {
      if (callNowFunction === stack.notifications.webhooksFunction) continue;
      const dynamoStatements = statementsOf(cfn(callNowFunction.role.roleName)).filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
      );
      expect(dynamoStatements).toHaveLength(1);
      expect(dynamoStatements[0]?.Resource).toEqual([
        cfn(stack.table.table.tableArn),
        { 'Fn::Join': ['', [cfn(stack.table.table.tableArn), `/index/${TABLE_KEYS.ownerIndex.name}`]] },
      ]);
      expect(asArray(dynamoStatements[0]?.Action ?? [])).toEqual(
        expect.arrayContaining([
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
        ]),
      );
    }
  });

  it('let the webhooks function read webhooks and write their delivery log, and no other item of the table', () => {
    const dynamoStatements = statementsOf(cfn(stack.notifications.webhooksFunction.role.roleName)).filter(
      (statement) => asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
    );
    expect(dynamoStatements).toEqual([
      {
        Sid: 'WebhookItemsOnly',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Resource: cfn(stack.table.table.tableArn),
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CLIENT#*#WEBHOOKS', 'WEBHOOK#*#ATTEMPTS'] },
        },
      },
    ]);
  });

  it('run as roles without AWS managed policies', () => {
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });
});

describe("the edge connectors' identities", () => {
  it('are one IAM user per site, with no access key in the template', () => {
    template.resourceCountIs('AWS::IAM::User', SITE_IDS.length);
    template.resourceCountIs('AWS::IAM::AccessKey', 0);
    template.allResourcesProperties('AWS::IAM::User', {
      ManagedPolicyArns: Match.absent(),
      Groups: Match.absent(),
      Policies: Match.absent(),
    });
  });

  it('hold no secret: no credential, key material or password anywhere in the template', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}|BEGIN [A-Z ]*PRIVATE KEY|scrypt\$|adminPasswordHash/);
    // The form signing key and the admin password live in the table, made at run time.
    for (const resource of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const variables = (resource as FunctionResource).Properties.Environment.Variables;
      expect(Object.keys(variables).filter((name) => /SECRET|PASSWORD|TOKEN|KEY/i.test(name))).toEqual([]);
    }
  });

  it("allow exactly receive, delete and change visibility on the site's own queue, and send on call events", () => {
    expect(CONNECTOR_CALL_REQUESTS_ACTIONS).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ]);
    expect(CONNECTOR_CALL_EVENTS_ACTIONS).toEqual(['sqs:GetQueueAttributes', 'sqs:SendMessage']);
    for (const siteId of SITE_IDS) {
      const { connector, callRequests } = site(siteId);
      expect(statementsOf(cfn(connector.user.userName))).toEqual([
        {
          Sid: 'ReceiveOwnSiteCallRequests',
          Effect: 'Allow',
          Action: [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:ReceiveMessage',
          ],
          Resource: cfn(callRequests.queue.queueArn),
        },
        {
          Sid: 'SendCallEvents',
          Effect: 'Allow',
          Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
          Resource: cfn(stack.callEvents.queue.queueArn),
        },
      ]);
    }
  });

  it('have policies with no wildcard action or resource, and neither has any IAM policy in the stack', () => {
    const connectorPolicyIds = SITE_IDS.map((siteId) => logicalIdOf(site(siteId).connector.policy));
    const policies = iamPolicies(template);
    expect(Object.keys(policies)).toEqual(expect.arrayContaining(connectorPolicyIds));
    for (const [logicalId, policy] of Object.entries(policies)) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        expect(wildcardsIn(statement), logicalId).toEqual([]);
      }
    }
  });

  it('(the wildcard check itself) catches a wildcard in an action, in a resource, or inside an ARN', () => {
    const allowed: PolicyStatement = {
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: { Ref: 'Queue' },
    };
    expect(wildcardsIn(allowed)).toEqual([]);
    expect(wildcardsIn({ ...allowed, Action: ['sqs:ReceiveMessage', 'sqs:*'] })).toEqual(['sqs:*']);
    expect(wildcardsIn({ ...allowed, Action: 'sqs:Get*' })).toEqual(['sqs:Get*']);
    expect(wildcardsIn({ ...allowed, Resource: '*' })).toHaveLength(1);
    expect(
      wildcardsIn({
        ...allowed,
        Resource: [{ Ref: 'Queue' }, 'arn:aws:sqs:us-east-1:123456789012:callnow-*'],
      }),
    ).toHaveLength(1);
  });
});

describe('the alarms', () => {
  function alarmOn(metricName: string, dimensionValue: unknown, threshold: number): void {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: metricName,
      Dimensions: Match.arrayWith([Match.objectLike({ Value: dimensionValue })]),
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  }

  it('watch every dead-letter queue for a single message', () => {
    alarmOn('ApproximateNumberOfMessagesVisible', cfn(stack.callEvents.deadLetterQueue.queueName), 1);
    const { webhookEvents, webhookDeliveries } = stack.notifications;
    for (const { deadLetterQueue } of [webhookEvents, webhookDeliveries]) {
      alarmOn('ApproximateNumberOfMessagesVisible', cfn(deadLetterQueue.queueName), 1);
    }
    for (const siteId of SITE_IDS) {
      alarmOn(
        'ApproximateNumberOfMessagesVisible',
        cfn(site(siteId).callRequests.deadLetterQueue.queueName),
        1,
      );
    }
  });

  it("watch each site's call requests for one older than a minute: its connector is not taking them", () => {
    for (const siteId of SITE_IDS) {
      alarmOn('ApproximateAgeOfOldestMessage', cfn(site(siteId).callRequests.queue.queueName), 60);
    }
  });

  it('watch every function for errors and throttles, and the API for 5xx answers', () => {
    for (const callNowFunction of callNowFunctions()) {
      alarmOn('Errors', cfn(callNowFunction.function.functionName), 1);
      alarmOn('Throttles', cfn(callNowFunction.function.functionName), 1);
    }
    alarmOn('5xx', cfn(stack.api.httpApi.apiId), 1);
  });

  it('notify no one unless alarmEmail or alarmTopicArn is set, and say what went wrong', () => {
    expect(stack.alarmTopic).toBeUndefined();
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm') as Record<string, CfnResource>,
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(String(JSON.stringify(alarm.Properties.AlarmDescription)).length).toBeGreaterThan(60);
    }
  });
});

/** A dashboard body is a Fn::Join of JSON text and tokens; the tokens become `<Ref:X>` or `<X.Attribute>`. */
interface DashboardWidget {
  properties: { title?: string; metrics?: unknown[][]; alarms?: unknown[] };
}

function dashboardBody(): { widgets: DashboardWidget[] } {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (dashboard === undefined) throw new Error('no dashboard in the template');
  const [, parts] = dashboard.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const { Ref, 'Fn::GetAtt': getAtt } = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      return Ref !== undefined ? `<Ref:${Ref}>` : `<${getAtt?.join('.')}>`;
    })
    .join('');
  return JSON.parse(text);
}

/** Each graphed metric as `namespace metricName dim=value ...` (dimensions sorted), as EMF and AWS define it. */
function graphedMetrics(): string[] {
  return dashboardBody().widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).map((metric) => {
      const [namespace, name, ...rest] = metric.filter((part) => typeof part === 'string') as string[];
      const dimensions: string[] = [];
      for (let i = 0; i + 1 < rest.length; i += 2) dimensions.push(`${rest[i]}=${rest[i + 1]}`);
      return [namespace, name, ...dimensions.sort()].join(' ');
    }),
  );
}

describe('the dashboard', () => {
  it('graphs every CallNow metric exactly as the functions emit it, and no other', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'test');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    metrics.callRequested();
    for (const reason of CALL_REQUEST_REJECTIONS) metrics.callRequestRejected(reason);
    metrics.callFinished('completed');
    for (const reason of FAILURE_REASONS) metrics.callFinished('failed', reason);
    metrics.timeToRing(1200);
    metrics.callEventNotPublished();
    for (const outcome of ['delivered', 'retry', 'refused'] as const) metrics.webhookDelivery(outcome);
    vi.restoreAllMocks();

    const emitted = new Set(
      lines.map((line) => {
        const document = JSON.parse(line);
        const [directive] = document._aws.CloudWatchMetrics;
        const dimensions = (directive.Dimensions[0] as string[]).map((key) => `${key}=${document[key]}`);
        return [directive.Namespace, directive.Metrics[0].Name, ...dimensions.sort()].join(' ');
      }),
    );
    const graphed = new Set(graphedMetrics().filter((metric) => metric.startsWith(`${METRICS_NAMESPACE} `)));
    expect(graphed).toEqual(emitted);
    expect(emitted.size).toBe(1 + CALL_REQUEST_REJECTIONS.length + 1 + FAILURE_REASONS.length + 1 + 1 + 3);
    expect([...graphed].map((metric) => metric.split(' ')[1])).toEqual(
      expect.arrayContaining(Object.values(METRIC)),
    );
  });

  it("graphs each site's oldest waiting request, every dead-letter queue, the API and every function", () => {
    const graphed = graphedMetrics();
    const queueName = (queue: { queueName: string }) => {
      const [logicalId] = (cfn(queue.queueName) as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      return `<${logicalId}.QueueName>`;
    };
    for (const siteId of SITE_IDS) {
      const { callRequests } = site(siteId);
      expect(graphed).toContain(
        `AWS/SQS ApproximateAgeOfOldestMessage QueueName=${queueName(callRequests.queue)}`,
      );
      expect(graphed).toContain(
        `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${queueName(callRequests.deadLetterQueue)}`,
      );
    }
    expect(graphed).toContain(
      `AWS/SQS ApproximateNumberOfMessagesVisible QueueName=${queueName(stack.callEvents.deadLetterQueue)}`,
    );
    const apiId = `<Ref:${logicalIdOf(stack.api.httpApi)}>`;
    for (const metricName of ['Count', '4xx', '5xx', 'Latency', 'IntegrationLatency']) {
      expect(graphed).toContain(`AWS/ApiGateway ${metricName} ApiId=${apiId} Stage=$default`);
    }
    for (const callNowFunction of callNowFunctions()) {
      const functionName = `<Ref:${logicalIdOf(callNowFunction.function)}>`;
      for (const metricName of ['Errors', 'Throttles', 'Duration']) {
        expect(graphed).toContain(`AWS/Lambda ${metricName} FunctionName=${functionName}`);
      }
    }
  });

  it('shows the state of every alarm', () => {
    const alarmWidget = dashboardBody().widgets.find((widget) => widget.properties.title === 'Alarms');
    expect(alarmWidget?.properties.alarms).toHaveLength(stack.alarms.alarms.length);
  });
});

describe('the outputs', () => {
  it('give the API URL, the dashboard, the call-events queue URL and, per site, queue URLs and connector user', () => {
    template.hasOutput('ApiUrl', { Value: cfn(stack.api.url) });
    template.hasOutput('DashboardUrl', { Value: Match.anyValue() });
    template.hasOutput('TableName', { Value: cfn(stack.table.table.tableName) });
    template.hasOutput('CallEventsQueueUrl', { Value: cfn(stack.callEvents.queue.queueUrl) });
    template.hasOutput('CallEventsDeadLetterQueueUrl', {
      Value: cfn(stack.callEvents.deadLetterQueue.queueUrl),
    });
    const perSite = { hq: 'SiteHq', 'branch-2': 'SiteBranch2' };
    for (const siteId of SITE_IDS) {
      const { callRequests, connector } = site(siteId);
      template.hasOutput(`${perSite[siteId]}CallRequestsQueueUrl`, {
        Value: cfn(callRequests.queue.queueUrl),
      });
      template.hasOutput(`${perSite[siteId]}CallRequestsDeadLetterQueueUrl`, {
        Value: cfn(callRequests.deadLetterQueue.queueUrl),
      });
      template.hasOutput(`${perSite[siteId]}ConnectorUserName`, { Value: cfn(connector.user.userName) });
    }
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  it('find nothing that is not acknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations).toEqual([]);
  });

  it('are acknowledged only for the routes that have no API Gateway authorizer, each with a reason', () => {
    const found = acknowledgments(app);
    expect(found.map(({ path, id }) => `${path} ${id}`).sort()).toEqual(
      [...stack.api.publicRoutes, ...stack.api.managementRoutes, ...stack.api.consoleRoutes]
        .map((route) => `${route.node.path} AwsSolutions-APIG4`)
        .sort(),
    );
    for (const { reason } of found) expect(reason.length).toBeGreaterThan(100);
  });
});
