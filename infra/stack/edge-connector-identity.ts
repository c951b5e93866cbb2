// The IAM identity an edge connector uses on its PBX host: its own site's call requests in, call events out.

import { Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Receive, delete and extend the visibility of its site's call requests. The batch APIs are authorized by the
 * same actions; queue URLs come from configuration, so no GetQueueUrl. GetQueueAttributes is for
 * `callnow-connector doctor`, which proves each queue answers without taking or sending a message.
 */
export const CONNECTOR_CALL_REQUESTS_ACTIONS = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
] as const;

/** Report call progress and extension presence (and, for the doctor, read the queue's attributes). */
export const CONNECTOR_CALL_EVENTS_ACTIONS = ['sqs:GetQueueAttributes', 'sqs:SendMessage'] as const;

export interface EdgeConnectorIdentityProps {
  /** The site whose PBX host runs this connector. */
  readonly siteId: string;
  /** The site's own call-requests queue, and no other site's. */
  readonly callRequestsQueue: sqs.IQueue;
  /** The queue every connector reports to. */
  readonly callEventsQueue: sqs.IQueue;
}

/**
 * An IAM user rather than a role: the connector runs on a PBX host outside AWS, where an access key the
 * operator creates after deploying (`aws iam create-access-key --user-name <output>`, never in the template)
 * works with the SDK's default credential chain and nothing else. Teams with a PKI can swap the user for a role
 * assumed through IAM Roles Anywhere in this construct alone.
 */
export class EdgeConnectorIdentity extends Construct {
  public readonly user: iam.User;
  /** The connector's only permissions, attached to the user and nothing else. */
  public readonly policy: iam.Policy;

  constructor(scope: Construct, id: string, props: EdgeConnectorIdentityProps) {
    super(scope, id);
    this.user = new iam.User(this, 'User', { path: '/callnow/' });
    Tags.of(this.user).add('callnow:site', props.siteId);
    this.policy = new iam.Policy(this, 'Policy', {
      users: [this.user],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReceiveOwnSiteCallRequests',
          actions: [...CONNECTOR_CALL_REQUESTS_ACTIONS],
          resources: [props.callRequestsQueue.queueArn],
        }),
        new iam.PolicyStatement({
          sid: 'SendCallEvents',
          actions: [...CONNECTOR_CALL_EVENTS_ACTIONS],
          resources: [props.callEventsQueue.queueArn],
        }),
      ],
    });
  }
}
