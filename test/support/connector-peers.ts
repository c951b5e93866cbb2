// What the connector's tests run against on loopback: local-aws-sqs with the queues they name, and a collector that
// takes what the connector sends to the call-events queue, as the cloud's consumer would.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { CallEventSchema, type CallStatus, type ExtensionPresence } from '../../contracts/messages.ts';
import type { AmiSimulator } from '../../edge-connector/simulator/ami-simulator.ts';

/** The account local-aws-sqs names its queues in. */
export const ACCOUNT_ID = '000000000000';

export interface LocalQueues {
  readonly sqs: SQSClient;
  readonly endpoint: string;
  url(queueName: string): string;
  close(): Promise<void>;
}

export async function startLocalQueues(
  queues: Array<{ QueueName: string; Attributes?: Record<string, string | number> }>,
): Promise<LocalQueues> {
  const server: Server = await createSqsServer({
    port: 0,
    hostname: '127.0.0.1',
    accountId: ACCOUNT_ID,
    queues,
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    sqs,
    endpoint,
    url: (queueName) => `${endpoint}/${ACCOUNT_ID}/${queueName}`,
    async close() {
      sqs.destroy();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** Reads every message on the call-events queue, with short polls, until stopped. */
export class CallEventsCollector {
  /** Every call.status so far, in arrival order. */
  readonly statuses: CallStatus[] = [];
  readonly presence: ExtensionPresence[] = [];
  #running = true;
  readonly #done: Promise<void>;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {
    this.#done = this.collect();
  }

  /** A request's statuses as `status` or `failed/<reason>`. */
  statusesOf(requestId: string): string[] {
    return this.statuses
      .filter((status) => status.requestId === requestId)
      .map((status) => (status.reason ? `${status.status}/${status.reason}` : status.status));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }

  private async collect(): Promise<void> {
    while (this.#running) {
      // A short poll: local-aws-sqs answers it within ~40 ms with whatever is there.
      const received = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      for (const message of received.Messages ?? []) {
        const event = CallEventSchema.parse(JSON.parse(message.Body ?? ''));
        if (event.type === 'call.status') this.statuses.push(event);
        else this.presence.push(event);
        await this.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
  }
}

/** The Originates the simulated PBX received for a request. */
export function originatesOf(simulator: AmiSimulator, requestId: string) {
  return simulator.actions.filter(
    (action) =>
      action.name === 'Originate' &&
      action.headers.some(
        ([name, value]) => name === 'Variable' && value === `CALLNOW_REQUEST_ID=${requestId}`,
      ),
  );
}
