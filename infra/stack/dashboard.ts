// The operators' CloudWatch dashboard: are visitors getting calls, is each site's connector alive, is anything
// failing. The CallNow metrics come from the functions' logs (functions/lib/metrics.ts), the rest from AWS.

import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FAILURE_REASONS } from '../../contracts/call-states.ts';
import { CALL_REQUEST_REJECTIONS, METRIC, METRICS_NAMESPACE } from '../../functions/lib/metrics.ts';

export interface CallNowDashboardProps {
  readonly dashboardName: string;
  /** Site id -> its call-requests queue. */
  readonly callRequestsQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Label -> dead-letter queue. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Label -> function. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly apiStage: apigwv2.IHttpStage;
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** Drawn on the queue-age graph: the age at which the ConnectorSilent alarms go off. */
  readonly callRequestMaxAge: Duration;
}

const WIDE = 12;
const THIRD = 8;
const HEIGHT = 6;

export class CallNowDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: CallNowDashboardProps) {
    super(scope, id);
    const perMinute = Duration.minutes(1);
    const perFiveMinutes = Duration.minutes(5);
    const callNow = (
      metricName: string,
      statistic: string,
      period: Duration,
      label: string,
      dimensions = {},
    ) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: dimensions,
        statistic,
        period,
        label,
      });

    const requests = new cloudwatch.GraphWidget({
      title: 'CallNow requests per minute',
      width: THIRD,
      height: HEIGHT,
      left: [callNow(METRIC.callRequested, 'Sum', perMinute, 'accepted')],
      right: CALL_REQUEST_REJECTIONS.map((reason) =>
        callNow(METRIC.callRequestRejected, 'Sum', perMinute, `refused: ${reason}`, { reason }),
      ),
      leftYAxis: { min: 0, showUnits: false },
      rightYAxis: { min: 0, showUnits: false },
    });
    const outcomes = new cloudwatch.GraphWidget({
      title: 'How calls ended (per 5 minutes)',
      width: THIRD,
      height: HEIGHT,
      stacked: true,
      left: [
        callNow(METRIC.callFinished, 'Sum', perFiveMinutes, 'completed', { status: 'completed' }),
        ...FAILURE_REASONS.map((reason) =>
          callNow(METRIC.callFinished, 'Sum', perFiveMinutes, `failed: ${reason}`, {
            status: 'failed',
            reason,
          }),
        ),
      ],
      leftYAxis: { min: 0, showUnits: false },
    });
    const timeToRing = new cloudwatch.GraphWidget({
      title: 'From request to extension ringing (ms)',
      width: THIRD,
      height: HEIGHT,
      left: ['p50', 'p90', 'Maximum'].map((statistic) =>
        callNow(METRIC.timeToRingMs, statistic, perFiveMinutes, statistic),
      ),
      leftYAxis: { min: 0, showUnits: false },
    });
    const notifications = new cloudwatch.GraphWidget({
      title: 'Call events: webhook deliveries, and events EventBridge did not take',
      width: THIRD,
      height: HEIGHT,
      left: [
        ...(['delivered', 'retry', 'refused'] as const).map((outcome) =>
          callNow(METRIC.webhookDelivery, 'Sum', perFiveMinutes, `webhook ${outcome}`, { outcome }),
        ),
        callNow(METRIC.callEventNotPublished, 'Sum', perFiveMinutes, 'event not published'),
      ],
      leftYAxis: { min: 0, showUnits: false },
    });

    const queueAge = new cloudwatch.GraphWidget({
      title: 'Oldest waiting call request per site (s): is the connector alive?',
      width: WIDE,
      height: HEIGHT,
      left: Object.entries(props.callRequestsQueues).map(([siteId, queue]) =>
        queue.metricApproximateAgeOfOldestMessage({ period: perMinute, statistic: 'Maximum', label: siteId }),
      ),
      leftAnnotations: [{ value: props.callRequestMaxAge.toSeconds(), label: 'alarm' }],
      leftYAxis: { min: 0, showUnits: false },
    });
    const deadLetters = new cloudwatch.GraphWidget({
      title: 'Messages in dead-letter queues',
      width: WIDE,
      height: HEIGHT,
      left: Object.entries(props.deadLetterQueues).map(([label, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({ period: perMinute, statistic: 'Maximum', label }),
      ),
      leftYAxis: { min: 0, showUnits: false },
    });

    const stage = props.apiStage;
    const apiAnswers = new cloudwatch.GraphWidget({
      title: 'API requests and errors per minute',
      width: WIDE,
      height: HEIGHT,
      left: [stage.metricCount({ period: perMinute, statistic: 'SampleCount', label: 'requests' })],
      right: [
        stage.metricClientError({ period: perMinute, label: '4xx' }),
        stage.metricServerError({ period: perMinute, label: '5xx' }),
      ],
      leftYAxis: { min: 0, showUnits: false },
      rightYAxis: { min: 0, showUnits: false },
    });
    const apiLatency = new cloudwatch.GraphWidget({
      title: 'API latency (ms)',
      width: WIDE,
      height: HEIGHT,
      left: [
        ...['p50', 'p90', 'p99'].map((statistic) =>
          stage.metricLatency({ period: perFiveMinutes, statistic, label: `latency ${statistic}` }),
        ),
        stage.metricIntegrationLatency({ period: perFiveMinutes, statistic: 'p90', label: 'function p90' }),
      ],
      leftYAxis: { min: 0, showUnits: false },
    });

    const functions = Object.entries(props.functions);
    const functionErrors = new cloudwatch.GraphWidget({
      title: 'Function errors and throttles (per 5 minutes)',
      width: WIDE,
      height: HEIGHT,
      left: functions.flatMap(([label, fn]) => [
        fn.metricErrors({ period: perFiveMinutes, statistic: 'Sum', label: `${label} errors` }),
        fn.metricThrottles({ period: perFiveMinutes, statistic: 'Sum', label: `${label} throttles` }),
      ]),
      leftYAxis: { min: 0, showUnits: false },
    });
    const functionDurations = new cloudwatch.GraphWidget({
      title: 'Function duration (ms)',
      width: WIDE,
      height: HEIGHT,
      left: functions.flatMap(([label, fn]) =>
        ['p50', 'p99'].map((statistic) =>
          fn.metricDuration({ period: perFiveMinutes, statistic, label: `${label} ${statistic}` }),
        ),
      ),
      leftYAxis: { min: 0, showUnits: false },
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: [
        [requests, outcomes, timeToRing],
        [queueAge, deadLetters, notifications],
        [apiAnswers, apiLatency],
        [functionErrors, functionDurations],
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            width: 2 * WIDE,
            height: HEIGHT,
            alarms: [...props.alarms],
          }),
        ],
      ],
    });
  }
}
