// One PBX site: its call-requests queue pair and the identity its edge connector uses.

import { Duration } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS } from '../../contracts/queue-timing.ts';
import { callRequestsDeadLetterQueueName, callRequestsQueueName } from '../resources.ts';
import { EdgeConnectorIdentity } from './edge-connector-identity.ts';
import { QueueWithDeadLetterQueue } from './queue-with-dead-letter-queue.ts';

export interface CallNowSiteProps {
  /** A site id accepted by parseSiteIds. */
  readonly siteId: string;
  /** The queue the site's connector reports call progress to. */
  readonly callEventsQueue: sqs.IQueue;
}

export class CallNowSite extends Construct {
  public readonly siteId: string;
  /** `call.requested` messages for this site's PBX, with their dead-letter queue. */
  public readonly callRequests: QueueWithDeadLetterQueue;
  public readonly connector: EdgeConnectorIdentity;

  constructor(scope: Construct, id: string, props: CallNowSiteProps) {
    super(scope, id);
    this.siteId = props.siteId;
    this.callRequests = new QueueWithDeadLetterQueue(this, 'CallRequests', {
      queueName: callRequestsQueueName(props.siteId),
      deadLetterQueueName: callRequestsDeadLetterQueueName(props.siteId),
      visibilityTimeout: Duration.seconds(CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS),
    });
    this.connector = new EdgeConnectorIdentity(this, 'Connector', {
      siteId: props.siteId,
      callRequestsQueue: this.callRequests.queue,
      callEventsQueue: props.callEventsQueue,
    });
  }
}
