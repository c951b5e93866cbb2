// The connector's Prometheus metrics (prom-client): its own counters, gauges and call-setup histogram, beside the
// process metrics every Node.js service exposes (event-loop lag, heap, handles, CPU, resident memory).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface GaugeSource {
  readonly callsInProgress: number;
  readonly amiReady: boolean;
}

export interface MetricsOptions {
  /** The process metrics (prom-client's defaults); tests that make many connectors leave them out. @default true */
  readonly processMetrics?: boolean;
}

export class ConnectorMetrics {
  readonly registry = new Registry();
  readonly messagesReceived = this.#counter(
    'callnow_connector_messages_received_total',
    'Messages received from the call-requests queue, valid or not.',
  );
  readonly invalidMessages = this.#counter(
    'callnow_connector_invalid_messages_total',
    'Messages left for the dead-letter queue (not JSON, wrong schema or version, another site).',
    ['reason'],
  );
  readonly redeliveriesIgnored = this.#counter(
    'callnow_connector_redeliveries_ignored_total',
    'Requests received again after they were dialled or decided: deleted, not dialled.',
  );
  readonly originates = this.#counter(
    'callnow_connector_originates_total',
    'Originate actions by outcome: accepted, refused, not_sent (retried later), unanswered (may have been queued).',
    ['outcome'],
  );
  readonly finalStatuses = this.#counter(
    'callnow_connector_final_status_total',
    'Requests that reached a final status, by status and reason.',
    ['status', 'reason'],
  );
  readonly amiReconnects = this.#counter(
    'callnow_connector_ami_reconnects_total',
    'Times the AMI connection was ready again after it had been lost.',
  );
  readonly sqsErrors = this.#counter(
    'callnow_connector_sqs_errors_total',
    'Failed SQS calls, by operation.',
    ['operation'],
  );
  readonly presenceSent = this.#counter(
    'callnow_connector_presence_sent_total',
    'extension.presence messages sent.',
  );
  readonly journalErrors = this.#counter(
    'callnow_connector_journal_errors_total',
    'Failed writes to the request journal in the state directory.',
  );
  readonly callSetupSeconds = new Histogram({
    name: 'callnow_connector_call_setup_seconds',
    help: 'From receiving a request to Asterisk accepting its Originate.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(gauges: () => GaugeSource, { processMetrics = true }: MetricsOptions = {}) {
    new Gauge({
      name: 'callnow_connector_calls_in_progress',
      help: 'Calls being followed now.',
      registers: [this.registry],
      collect() {
        this.set(gauges().callsInProgress);
      },
    });
    new Gauge({
      name: 'callnow_connector_ami_ready',
      help: '1 while the AMI connection is ready, else 0.',
      registers: [this.registry],
      collect() {
        this.set(gauges().amiReady ? 1 : 0);
      },
    });
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The whole exposition, for `GET /metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}

/** A counter's value for these labels (all of them, for a counter without labels). */
export async function counterValue(counter: Counter<string>, labels: Readonly<Record<string, string>> = {}) {
  const { values } = await counter.get();
  const wanted = Object.entries(labels);
  return values
    .filter((value) => wanted.every(([name, label]) => value.labels[name] === label))
    .reduce((sum, value) => sum + value.value, 0);
}
