// The connector's Prometheus metrics, written by hand in the text exposition format (version 0.0.4): a handful of
// counters, two gauges and one histogram do not need a metrics library and its default process collectors.

type Labels = Readonly<Record<string, string>>;

class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels, value: by });
  }

  value(labels: Labels = {}): number {
    return this.#values.get(labelText(labels))?.value ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.#values.size === 0) lines.push(`${this.name} 0`);
    for (const [key, entry] of this.#values) lines.push(`${this.name}${key} ${entry.value}`);
    return lines;
  }
}

class Histogram {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bucketsSeconds: readonly number[],
  ) {
    this.#counts = bucketsSeconds.map(() => 0);
  }

  observe(seconds: number): void {
    this.#sum += seconds;
    this.#count += 1;
    this.bucketsSeconds.forEach((bound, index) => {
      if (seconds <= bound) this.#counts[index] = (this.#counts[index] ?? 0) + 1;
    });
  }

  get count(): number {
    return this.#count;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.bucketsSeconds.forEach((bound, index) => {
      lines.push(`${this.name}_bucket{le="${bound}"} ${this.#counts[index] ?? 0}`);
    });
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`);
    lines.push(`${this.name}_sum ${this.#sum}`);
    lines.push(`${this.name}_count ${this.#count}`);
    return lines;
  }
}

export interface GaugeSource {
  readonly callsInProgress: number;
  readonly amiReady: boolean;
}

export class ConnectorMetrics {
  readonly messagesReceived = new Counter(
    'callnow_connector_messages_received_total',
    'Messages received from the call-requests queue, valid or not.',
  );
  readonly invalidMessages = new Counter(
    'callnow_connector_invalid_messages_total',
    'Messages left for the dead-letter queue (not JSON, wrong schema or version, another site).',
  );
  readonly redeliveriesIgnored = new Counter(
    'callnow_connector_redeliveries_ignored_total',
    'Requests received again after they were dialled or decided: deleted, not dialled.',
  );
  readonly originates = new Counter(
    'callnow_connector_originates_total',
    'Originate actions by outcome: accepted, refused, not_sent (retried later), unanswered (may have been queued).',
  );
  readonly finalStatuses = new Counter(
    'callnow_connector_final_status_total',
    'Requests that reached a final status, by status and reason.',
  );
  readonly amiReconnects = new Counter(
    'callnow_connector_ami_reconnects_total',
    'Times the AMI connection was ready again after it had been lost.',
  );
  readonly sqsErrors = new Counter('callnow_connector_sqs_errors_total', 'Failed SQS calls, by operation.');
  readonly presenceSent = new Counter(
    'callnow_connector_presence_sent_total',
    'extension.presence messages sent.',
  );
  readonly journalErrors = new Counter(
    'callnow_connector_journal_errors_total',
    'Failed writes to the request journal in the state directory.',
  );
  readonly callSetupSeconds = new Histogram(
    'callnow_connector_call_setup_seconds',
    'From receiving a request to Asterisk accepting its Originate.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  readonly #gauges: () => GaugeSource;

  constructor(gauges: () => GaugeSource) {
    this.#gauges = gauges;
  }

  /** The whole exposition, for `GET /metrics`. */
  render(): string {
    const gauges = this.#gauges();
    const lines = [
      ...this.messagesReceived.render(),
      ...this.invalidMessages.render(),
      ...this.redeliveriesIgnored.render(),
      ...this.originates.render(),
      ...this.finalStatuses.render(),
      ...this.amiReconnects.render(),
      ...this.sqsErrors.render(),
      ...this.presenceSent.render(),
      ...this.journalErrors.render(),
      ...this.callSetupSeconds.render(),
      '# HELP callnow_connector_calls_in_progress Calls being followed now.',
      '# TYPE callnow_connector_calls_in_progress gauge',
      `callnow_connector_calls_in_progress ${gauges.callsInProgress}`,
      '# HELP callnow_connector_ami_ready 1 while the AMI connection is ready, else 0.',
      '# TYPE callnow_connector_ami_ready gauge',
      `callnow_connector_ami_ready ${gauges.amiReady ? 1 : 0}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
