// The local stack and the CDK stack build the same table and queues: both read infra/resources.ts, and here the
// local ones, created for real in dynalite and local-aws-sqs on loopback, are compared with the template's.

import { rmSync } from 'node:fs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../infra/local/aws.ts';
import { ensureTable, type LocalDynamoDb, startLocalDynamoDb } from '../../infra/local/dynamodb.ts';
import { type LocalSqs, startLocalSqs } from '../../infra/local/sqs.ts';
import { DEFAULT_TABLE_NAME } from '../../infra/resources.ts';
import { CallNowStack } from '../../infra/stack/callnow-stack.ts';
import type { CfnResource } from './support.ts';
import { testApp } from './support.ts';

const SITE_IDS = ['hq', 'branch-2'];
/** SQS keeps a message four days unless told otherwise; the template leaves the default implicit. */
const SQS_DEFAULT_RETENTION_SECONDS = 4 * 24 * 3600;

interface KeyElement {
  AttributeName?: string | undefined;
  KeyType?: string | undefined;
}

let app: App;
let stack: CallNowStack;
let template: Template;
let dynamodb: LocalDynamoDb;
let sqs: LocalSqs;

beforeAll(async () => {
  // Names and keys only: no bundling and no cdk-nag, which stack.test.ts already runs.
  app = testApp({}, { bundle: false });
  stack = new CallNowStack(app, 'CallNow', { siteIds: SITE_IDS });
  template = Template.fromStack(stack);
  dynamodb = await startLocalDynamoDb(undefined);
  await ensureTable(dynamodb.endpoint, DEFAULT_TABLE_NAME);
  sqs = await startLocalSqs(SITE_IDS);
}, 60_000);

afterAll(async () => {
  await sqs?.close();
  await dynamodb?.close();
  if (app !== undefined) rmSync(app.outdir, { recursive: true, force: true });
});

const byName = (elements: KeyElement[] | undefined) =>
  (elements ?? []).map(({ AttributeName, KeyType }) => ({ AttributeName, KeyType }));

describe('the local table', () => {
  it("has the CDK table's name, keys, attribute types and owner index", async () => {
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamodb.endpoint });
    const { Table: local } = await client.send(new DescribeTableCommand({ TableName: DEFAULT_TABLE_NAME }));
    client.destroy();
    const [cdk] = Object.values(
      template.findResources('AWS::DynamoDB::Table') as Record<string, CfnResource>,
    );
    const cdkTable = cdk?.Properties as {
      TableName: string;
      KeySchema: KeyElement[];
      AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
      GlobalSecondaryIndexes: {
        IndexName: string;
        KeySchema: KeyElement[];
        Projection: { ProjectionType: string };
      }[];
    };

    expect(local?.TableName).toBe(cdkTable.TableName);
    expect(byName(local?.KeySchema)).toEqual(byName(cdkTable.KeySchema));
    const sortByName = <T extends { AttributeName?: string | undefined }>(list: T[]) =>
      [...list].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));
    expect(
      sortByName(local?.AttributeDefinitions ?? []).map(({ AttributeName, AttributeType }) => ({
        AttributeName,
        AttributeType,
      })),
    ).toEqual(sortByName(cdkTable.AttributeDefinitions));
    expect(
      (local?.GlobalSecondaryIndexes ?? []).map((index) => ({
        IndexName: index.IndexName,
        KeySchema: byName(index.KeySchema),
        Projection: { ProjectionType: index.Projection?.ProjectionType },
      })),
    ).toEqual(
      cdkTable.GlobalSecondaryIndexes.map((index) => ({
        IndexName: index.IndexName,
        KeySchema: byName(index.KeySchema),
        Projection: { ProjectionType: index.Projection.ProjectionType },
      })),
    );
  });
});

describe('the local queues', () => {
  it("are the CDK stack's queues, with the same visibility timeouts, retention and redrive policies", async () => {
    const client = new SQSClient({ ...LOCAL_AWS, endpoint: sqs.endpoint });
    const queueNameOf = (arn: string) => arn.split(':').pop();
    const cdkQueues = Object.values(template.findResources('AWS::SQS::Queue') as Record<string, CfnResource>);
    const logicalNames = new Map(
      Object.entries(template.findResources('AWS::SQS::Queue') as Record<string, CfnResource>).map(
        ([logicalId, queue]) => [logicalId, queue.Properties.QueueName as string],
      ),
    );
    const cdkShape = cdkQueues.map(({ Properties: queue }) => {
      const redrive = queue.RedrivePolicy as {
        deadLetterTargetArn: { 'Fn::GetAtt': [string] };
        maxReceiveCount: number;
      };
      return {
        name: queue.QueueName,
        visibilityTimeoutSeconds: queue.VisibilityTimeout ?? 30,
        retentionSeconds: queue.MessageRetentionPeriod ?? SQS_DEFAULT_RETENTION_SECONDS,
        redrive: redrive
          ? {
              deadLetterQueue: logicalNames.get(redrive.deadLetterTargetArn['Fn::GetAtt'][0]),
              maxReceiveCount: redrive.maxReceiveCount,
            }
          : undefined,
      };
    });

    const localUrls = [
      ...Object.values(sqs.callRequestsQueueUrls),
      sqs.callEventsQueueUrl,
      sqs.webhookEventsQueueUrl,
      sqs.webhookDeliveriesQueueUrl,
      ...cdkShape
        .filter((queue) => queue.redrive === undefined)
        .map((queue) => `${sqs.endpoint}/000000000000/${queue.name}`),
    ];
    const localShape = await Promise.all(
      localUrls.map(async (queueUrl) => {
        const { Attributes = {} } = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
        );
        const redrive = Attributes.RedrivePolicy ? JSON.parse(Attributes.RedrivePolicy) : undefined;
        return {
          name: queueNameOf(Attributes.QueueArn ?? ''),
          visibilityTimeoutSeconds: Number(Attributes.VisibilityTimeout),
          retentionSeconds: Number(Attributes.MessageRetentionPeriod),
          redrive: redrive
            ? {
                deadLetterQueue: queueNameOf(redrive.deadLetterTargetArn),
                maxReceiveCount: Number(redrive.maxReceiveCount),
              }
            : undefined,
        };
      }),
    );
    client.destroy();

    const byQueueName = (a: { name: unknown }, b: { name: unknown }) =>
      String(a.name).localeCompare(String(b.name));
    expect(localShape.sort(byQueueName)).toEqual(cdkShape.sort(byQueueName));
    expect(localShape).toHaveLength(2 * SITE_IDS.length + 6);
  });
});
