// The one DynamoDB table (single-table design), with the keys, TTL and index the functions and the local stack use.

import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../functions/store/records.ts';
import { DEFAULT_TABLE_NAME } from '../resources.ts';

/** What the functions do with items: no streams, no table management, no transactions (dynalite has none). */
export const TABLE_DATA_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
] as const;

export interface CallNowTableProps {
  /**
   * Physical table name.
   * @default DEFAULT_TABLE_NAME from infra/resources.ts ('callnow')
   */
  readonly tableName?: string;
  /**
   * What CloudFormation does with the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN (the table holds every extension's settings)
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether DynamoDB refuses to delete the table, whoever asks.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

export class CallNowTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CallNowTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName ?? DEFAULT_TABLE_NAME,
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key shows encryption in the template and key use in CloudTrail, at no key fee, and
      // needs no KMS grant for the functions (DynamoDB uses the key on their behalf).
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.ownerIndex.name,
      partitionKey: { name: TABLE_KEYS.ownerIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.ownerIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /**
   * Item reads and writes on the table and its one index, named exactly: unlike `Table.grantReadWriteData`,
   * no `index/*` wildcard and no stream or DescribeTable actions.
   */
  public grantReadWriteData(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...TABLE_DATA_ACTIONS],
      resourceArns: [this.table.tableArn, `${this.table.tableArn}/index/${TABLE_KEYS.ownerIndex.name}`],
    });
  }
}
