// CallNow's custom metrics, written to the log in CloudWatch embedded metric format (EMF): CloudWatch Logs turns
// each line into a data point of the `CallNow` namespace, so a metric costs no PutMetricData call and no latency.
//
// Hand-rolled rather than @aws-lambda-powertools/metrics: four metrics of one data point each fit in this file,
// where the library would add a dependency (and its commons package) to every bundle, and a flush step that every
// handler must remember; here each call writes its own line, so there is nothing to flush or lose.

import type { FailureReason } from '../../contracts/call-states.ts';
import type { RequestCallResult } from '../domain/call-requests.ts';

export const METRICS_NAMESPACE = 'CallNow';

/** The metric names, shared by the functions that emit them and the dashboard that graphs them. */
export const METRIC = {
  /** A visitor's call request was accepted and sent to its site's queue. Count, no dimension. */
  callRequested: 'CallRequested',
  /** A visitor's call request was refused. Count, dimension `reason` (one of CALL_REQUEST_REJECTIONS). */
  callRequestRejected: 'CallRequestRejected',
  /** A call request ended. Count, dimension `status` (`completed`, `failed`), and `reason` when it failed. */
  callFinished: 'CallFinished',
  /** From the request's creation to the PBX ringing the extension. Milliseconds, no dimension. */
  timeToRingMs: 'TimeToRingMs',
  /** A call event EventBridge did not take (after the SDK's retries). Count, no dimension. */
  callEventNotPublished: 'CallEventNotPublished',
  /** A webhook delivery attempt. Count, dimension `outcome` (`delivered`, `retry`, `refused`). */
  webhookDelivery: 'WebhookDelivery',
} as const;

export type CallRequestRejection = Exclude<RequestCallResult['kind'], 'accepted' | 'duplicate'>;

// A Record, so that a new way of refusing a request does not compile until it is listed here (and on the dashboard).
const REJECTIONS: Readonly<Record<CallRequestRejection, true>> = {
  not_available: true,
  outside_availability: true,
  owner_busy: true,
  captcha_failed: true,
  invalid_input: true,
  pbx_unreachable: true,
  number_not_allowed: true,
  number_busy: true,
  limited: true,
};

/** Every way requestCall can refuse a request: the values of CallRequestRejected's `reason`. */
export const CALL_REQUEST_REJECTIONS = Object.keys(REJECTIONS) as readonly CallRequestRejection[];

export type MetricUnit = 'Count' | 'Milliseconds';
export type MetricDimensions = Readonly<Record<string, string>>;

/** One EMF document: one data point of one metric, its dimensions as top-level members. */
export function metricDocument(
  name: string,
  unit: MetricUnit,
  value: number,
  dimensions: MetricDimensions,
  timestampMs: number,
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: [{ Name: name, Unit: unit }],
        },
      ],
    },
    ...dimensions,
    [name]: value,
  };
}

function emit(name: string, unit: MetricUnit, value: number, dimensions: MetricDimensions = {}): void {
  // Only CloudWatch Logs reads these lines; in the local stack and in tests they would be noise.
  if (!process.env.AWS_LAMBDA_FUNCTION_NAME) return;
  // Straight to stdout: Lambda's console.log prefixes each line with a timestamp and request id, and a line
  // that is not pure JSON is not read as EMF.
  process.stdout.write(`${JSON.stringify(metricDocument(name, unit, value, dimensions, Date.now()))}\n`);
}

export const metrics = {
  callRequested(): void {
    emit(METRIC.callRequested, 'Count', 1);
  },
  callRequestRejected(reason: CallRequestRejection): void {
    emit(METRIC.callRequestRejected, 'Count', 1, { reason });
  },
  callFinished(status: 'completed' | 'failed', reason?: FailureReason): void {
    emit(METRIC.callFinished, 'Count', 1, reason === undefined ? { status } : { status, reason });
  },
  callEventNotPublished(): void {
    emit(METRIC.callEventNotPublished, 'Count', 1);
  },
  webhookDelivery(outcome: 'delivered' | 'retry' | 'refused'): void {
    emit(METRIC.webhookDelivery, 'Count', 1, { outcome });
  },
  /** Clocks of the cloud and the PBX host differ a little; a negative time is recorded as 0. */
  timeToRing(milliseconds: number): void {
    emit(METRIC.timeToRingMs, 'Milliseconds', Math.max(0, milliseconds));
  },
};
