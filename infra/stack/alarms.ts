// CloudWatch alarms for what an operator must act on: dead letters, a silent connector, errors and throttles.
// README.md ("What each alarm means") says what to do about each.

import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_RECEIVE_COUNT } from '../resources.ts';

/** A call request waiting this long has no connector taking it: half a request's lifetime (DESIGN.md: 120 s). */
export const DEFAULT_CALL_REQUEST_MAX_AGE = Duration.seconds(60);

/** Record keys name the alarms' construct ids (alphanumeric). */
export interface CallNowAlarmsProps {
  /** Every dead-letter queue: a message there was received MAX_RECEIVE_COUNT times and never handled. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Each site's call-requests queue, which its connector empties within seconds while it is alive. */
  readonly callRequestsQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly apiStage: apigwv2.IHttpStage;
  /**
   * A call request older than this is waiting for a connector that does not take it.
   * @default DEFAULT_CALL_REQUEST_MAX_AGE
   */
  readonly callRequestMaxAge?: Duration;
  /**
   * Told when an alarm goes off and when it clears.
   * @default no notifications (the alarms show on the dashboard and in the console)
   */
  readonly notificationTopic?: sns.ITopic;
}

export class CallNowAlarms extends Construct {
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: CallNowAlarmsProps) {
    super(scope, id);
    const alarms: cloudwatch.Alarm[] = [];
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      alarms.push(
        new cloudwatch.Alarm(this, alarmId, {
          metric,
          threshold,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          // SQS publishes nothing for an idle queue, Lambda nothing for an idle function: all is well.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: description,
        }),
      );
    };
    const oneMinuteMax = { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM };
    const fiveMinuteSum = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}DeadLetters`,
        queue.metricApproximateNumberOfMessagesVisible(oneMinuteMax),
        1,
        `Messages in ${queue.queueName}: each was received ${MAX_RECEIVE_COUNT} times and never handled. Read ` +
          'them, fix the cause, then redrive or delete them.',
      );
    }
    const maxAgeSeconds = (props.callRequestMaxAge ?? DEFAULT_CALL_REQUEST_MAX_AGE).toSeconds();
    for (const [name, queue] of Object.entries(props.callRequestsQueues)) {
      alarm(
        `${name}ConnectorSilent`,
        queue.metricApproximateAgeOfOldestMessage(oneMinuteMax),
        maxAgeSeconds,
        `A call request on ${queue.queueName} has waited ${maxAgeSeconds} s: the site's edge connector is down, ` +
          'cannot reach SQS or the PBX, or lacks permission (visitors asking for a call now are not called); or ' +
          'a message it cannot read is on its way to the dead-letter queue.',
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(
        `${name}Errors`,
        fn.metricErrors(fiveMinuteSum),
        1,
        `${fn.functionName} failed: an unhandled error or a timeout. See its log group.`,
      );
      alarm(
        `${name}Throttles`,
        fn.metricThrottles(fiveMinuteSum),
        1,
        `${fn.functionName} was throttled: the account's Lambda concurrency is used up.`,
      );
    }
    alarm(
      'ApiServerErrors',
      props.apiStage.metricServerError(fiveMinuteSum),
      1,
      'The HTTP API answered 5xx: a function failed or timed out, or API Gateway could not reach it.',
    );
    if (props.notificationTopic) {
      const action = new SnsAction(props.notificationTopic);
      for (const each of alarms) {
        each.addAlarmAction(action);
        each.addOkAction(action);
      }
    }
    this.alarms = alarms;
  }
}
