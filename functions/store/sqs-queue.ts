import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SiteQueueMessage } from '../../contracts/messages.ts';
import type { CallRequestQueue } from '../domain/ports.ts';

export class UnknownSiteError extends Error {
  constructor(siteId: string) {
    super(`no call-requests queue is configured for site ${siteId}`);
    this.name = 'UnknownSiteError';
  }
}

/** Sends call requests to the call-requests queue of the extension's PBX site. */
export class SqsCallRequestQueue implements CallRequestQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrlBySite: Readonly<Record<string, string>>,
  ) {}

  async send(message: SiteQueueMessage): Promise<void> {
    const queueUrl = this.queueUrlBySite[message.siteId];
    if (!queueUrl) throw new UnknownSiteError(message.siteId);
    await this.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
  }
}
