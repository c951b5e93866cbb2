// CloudWatch alarms for what an operator must act on: dead letters, a silent connector, errors and throttles.

import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_RECEIVE_COUNT } from '../resources.ts';

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
   * @default Duration.seconds(60), half of a request's default lifetime (DESIGN.md: 120 s)
   */
  readonly callRequestMaxAge?: Duration;
}

/** Alarms without actions; `alarms` lets the stack add a notification target to each. */
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
    const maxAgeSeconds = (props.callRequestMaxAge ?? Duration.seconds(60)).toSeconds();
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
    this.alarms = alarms;
  }
}
