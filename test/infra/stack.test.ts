// Assertions on the synthesized CallNow template: what `cdk deploy` would create, checked without AWS.

import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { App, CfnElement, type IResolvable, Token, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALL_EVENTS_DEAD_LETTER_QUEUE_NAME,
  CALL_EVENTS_QUEUE_NAME,
  CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
  CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS,
  callRequestsDeadLetterQueueName,
  callRequestsQueueName,
  DEFAULT_TABLE_NAME,
  FUNCTION_ENV,
  MAX_RECEIVE_COUNT,
  PUBLIC_ROUTE_KEYS,
  TABLE_KEYS,
} from '../../infra/resources.ts';
import { buildCallNowApp } from '../../infra/stack/callnow-app.ts';
import { PROJECT_ROOT } from '../../infra/stack/callnow-function.ts';
import type { CallNowStack } from '../../infra/stack/callnow-stack.ts';

/** Two sites, to show that each site in the context gets its own queue pair and connector identity. */
const SITE_IDS = ['hq', 'branch-2'] as const;

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
  Principal?: unknown;
  Condition?: unknown;
}
interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface IamPolicyResource {
  Properties: { PolicyDocument: { Statement: PolicyStatement[] }; Users?: unknown[]; Roles?: unknown[] };
}
interface FunctionResource {
  Properties: { Environment: { Variables: Record<string, unknown> } };
}

let app: App;
let stack: CallNowStack;
let template: Template;

beforeAll(() => {
  // The feature flags of cdk.json, so the template is the one `npm run synth` produces.
  const cdkJson: { context: Record<string, unknown> } = JSON.parse(
    readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'),
  );
  app = new App({ context: { ...cdkJson.context, sites: [...SITE_IDS] } });
  stack = buildCallNowApp(app);
  // Real bundling with the local esbuild, and the app's validation plugins (cdk-nag, CloudFormation rules):
  // synthesis throws on an unacknowledged finding. Several seconds on a busy two-core machine, hence the timeout.
  template = Template.fromStack(stack);
}, 120_000);

afterAll(() => {
  if (app !== undefined) rmSync(app.outdir, { recursive: true, force: true });
});

/** The template's form of a token, e.g. { Ref: 'LogicalId' } or { 'Fn::GetAtt': ['LogicalId', 'Arn'] }. */
function cfn(value: string | IResolvable): unknown {
  return stack.resolve(value);
}

function site(siteId: string) {
  const found = stack.sites.get(siteId);
  if (found === undefined) throw new Error(`no site ${siteId} in the stack`);
  return found;
}

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

function iamPolicies(): Record<string, IamPolicyResource> {
  return template.findResources('AWS::IAM::Policy') as Record<string, IamPolicyResource>;
}

/** The statements of every AWS::IAM::Policy attached to the given user or role. */
function statementsOf(principal: unknown): PolicyStatement[] {
  return Object.values(iamPolicies())
    .filter((policy) =>
      [...(policy.Properties.Users ?? []), ...(policy.Properties.Roles ?? [])].some(
        (attached) => JSON.stringify(attached) === JSON.stringify(principal),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** Evaluates an Fn::Join of literals and Refs into a string, writing each Ref as `<Ref:LogicalId>`. */
function joinWithRefs(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join !== undefined) return join[1].map(joinWithRefs).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref !== undefined) return `<Ref:${ref}>`;
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
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
    template.resourceCountIs('AWS::SQS::Queue', 2 * SITE_IDS.length + 2);
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

  it('every queue is encrypted, refuses requests without TLS, and has or is a dead-letter queue', () => {
    const queues = template.findResources('AWS::SQS::Queue') as Record<string, CfnResource>;
    const queuePolicies = Object.values(
      template.findResources('AWS::SQS::QueuePolicy') as Record<string, CfnResource>,
    );
    const deadLetterTargets = Object.values(queues).map((queue) =>
      JSON.stringify(queue.Properties.RedrivePolicy),
    );
    for (const [logicalId, queue] of Object.entries(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled, logicalId).toBe(true);
      const policy = queuePolicies.find((candidate) =>
        JSON.stringify(candidate.Properties.Queues).includes(`"${logicalId}"`),
      );
      expect(policy?.Properties.PolicyDocument, `TLS-only policy of ${logicalId}`).toMatchObject({
        Statement: [
          {
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      });
      const isDeadLetterQueue = deadLetterTargets.some((target) => target?.includes(`"${logicalId}"`));
      expect(queue.Properties.RedrivePolicy !== undefined || isDeadLetterQueue, logicalId).toBe(true);
    }
  });
});

describe('the HTTP API', () => {
  it('routes exactly the public CallNow routes to the public function, with payload format 2.0', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 3);
    expect(PUBLIC_ROUTE_KEYS).toEqual([
      'GET /callnow/{callNowId}',
      'POST /callnow/{callNowId}/requests',
      'GET /callnow/{callNowId}/requests/{requestId}',
    ]);
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
      Properties: {
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: cfn(stack.publicFunction.function.functionArn),
        PayloadFormatVersion: '2.0',
      },
    });
    const integrationIds = Object.keys(integrations);
    expect(integrationIds).toHaveLength(1);
    for (const routeKey of PUBLIC_ROUTE_KEYS) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationIds[0] }]] },
      });
    }
  });

  it('throttles its default stage and writes JSON access logs to a log group with retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: {
        DestinationArn: cfn(stack.api.accessLogGroup.logGroupArn),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 30,
      LogGroupName: Match.absent(),
    });
  });
});

describe('the functions', () => {
  it('are exactly the public function and the call-events consumer, Node.js 24 on arm64, with log groups', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, CfnResource>;
    for (const [logicalId, fn] of Object.entries(functions)) {
      expect(fn.Properties, logicalId).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: expect.objectContaining({ Ref: expect.any(String) }) },
      });
    }
    for (const callNowFunction of [stack.publicFunction, stack.callEventsConsumer]) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        LoggingConfig: { LogGroup: cfn(callNowFunction.logGroup.logGroupName) },
        Role: cfn(callNowFunction.role.roleArn),
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'CallNow public pages and call requests',
      MemorySize: 512,
      Timeout: 10,
    });
  });

  it('give the public function the table name, each site call-requests queue URL and source maps', () => {
    const variables = functionResource(stack.publicFunction.function).Properties.Environment.Variables;
    expect(Object.keys(variables).sort()).toEqual(
      [FUNCTION_ENV.tableName, FUNCTION_ENV.callRequestsQueueUrls, 'NODE_OPTIONS'].sort(),
    );
    expect(variables[FUNCTION_ENV.tableName]).toEqual(cfn(stack.table.table.tableName));
    expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
    const queueUrls = JSON.parse(joinWithRefs(variables[FUNCTION_ENV.callRequestsQueueUrls]));
    expect(queueUrls).toEqual(
      Object.fromEntries(
        SITE_IDS.map((siteId) => [siteId, joinWithRefs(cfn(site(siteId).callRequests.queue.queueUrl))]),
      ),
    );
  });

  it('give the call-events consumer only the table name and source maps', () => {
    const variables = functionResource(stack.callEventsConsumer.function).Properties.Environment.Variables;
    expect(variables).toEqual({
      [FUNCTION_ENV.tableName]: cfn(stack.table.table.tableName),
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('feed the call-events queue to the consumer in batches that report partial failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: cfn(stack.callEvents.queue.queueArn),
      FunctionName: cfn(stack.callEventsConsumer.function.functionName),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('let the public function send to every site call-requests queue and nothing more on SQS', () => {
    const sqsStatements = statementsOf(cfn(stack.publicFunction.role.roleName)).filter((statement) =>
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
    ]);
    expect(sqsStatements[0]?.Resource).toHaveLength(SITE_IDS.length);
  });

  it('let both functions use items of the table and its index, named without wildcards', () => {
    for (const callNowFunction of [stack.publicFunction, stack.callEventsConsumer]) {
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

  it("allow exactly receive, delete and change visibility on the site's own queue, and send on call events", () => {
    for (const siteId of SITE_IDS) {
      const { connector, callRequests } = site(siteId);
      expect(statementsOf(cfn(connector.user.userName))).toEqual([
        {
          Sid: 'ReceiveOwnSiteCallRequests',
          Effect: 'Allow',
          Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage'],
          Resource: cfn(callRequests.queue.queueArn),
        },
        {
          Sid: 'SendCallEvents',
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: cfn(stack.callEvents.queue.queueArn),
        },
      ]);
    }
  });

  it('no IAM policy in the stack allows a wildcard action or resource', () => {
    for (const [logicalId, policy] of Object.entries(iamPolicies())) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        for (const action of asArray(statement.Action)) {
          expect(action, `${logicalId} action`).not.toContain('*');
        }
        expect(JSON.stringify(statement.Resource), `${logicalId} resource`).not.toContain('*');
      }
    }
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

  it('watch both functions for errors and throttles, and the API for 5xx answers', () => {
    for (const callNowFunction of [stack.publicFunction, stack.callEventsConsumer]) {
      alarmOn('Errors', cfn(callNowFunction.function.functionName), 1);
      alarmOn('Throttles', cfn(callNowFunction.function.functionName), 1);
    }
    alarmOn('5xx', cfn(stack.api.httpApi.apiId), 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1 + 2 * SITE_IDS.length + 4 + 1);
  });
});

describe('the outputs', () => {
  it('give the API URL, the call-events queue URL and, per site, the queue URLs and connector user name', () => {
    template.hasOutput('ApiUrl', { Value: cfn(stack.api.url) });
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

  it('are acknowledged only for the public routes having no authorizer, each with a reason', () => {
    const acknowledgments = app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            path: construct.node.path,
            id,
            reason,
          })),
        ),
    );
    expect(acknowledgments.map(({ path, id }) => `${path} ${id}`).sort()).toEqual(
      stack.api.publicRoutes.map((route) => `${route.node.path} Annotation::AwsSolutions-APIG4`).sort(),
    );
    for (const { reason } of acknowledgments) expect(reason.length).toBeGreaterThan(40);
  });
});

describe('the stack', () => {
  it('is environment-agnostic, so synthesis needs no AWS account or region', () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
  });
});
