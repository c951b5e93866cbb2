// A Lambda function as CallNow runs them: bundled from TypeScript with the local esbuild (never Docker), the AWS
// SDK inside, Node.js 24 on arm64, its own log group and a role that can write only to that log group.

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  BUNDLE_ALIASES,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_TARGET,
  ESM_REQUIRE_BANNER,
} from './function-bundling.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;

export interface CallNowFunctionProps {
  /** The handler module, relative to the project root; it must export `handler`. */
  readonly entry: string;
  /** Shown in the Lambda console. */
  readonly description: string;
  /** Configuration the handler reads at start (see FUNCTION_ENV in functions/lib/config.ts). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * How long CloudWatch keeps the function's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Concurrent executions set aside for this function, which are also its ceiling. Lambda keeps 10 of the
   * account's quota unreserved, so any value fails to deploy in an account still at the new-account quota of 10.
   * @default undefined (unreserved: the function shares the account's pool)
   */
  readonly reservedConcurrentExecutions?: number;
}

export class EsbuildMissingError extends Error {
  constructor(options?: ErrorOptions) {
    super(
      'esbuild is not installed (run `npm ci`): CallNow bundles its functions with the local esbuild, and ' +
        'without it aws-cdk-lib would fall back to bundling in Docker.',
      options,
    );
    this.name = 'EsbuildMissingError';
  }
}

function assertLocalEsbuild(): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch (error) {
    throw new EsbuildMissingError({ cause: error });
  }
}

export class CallNowFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  /** The function's execution role: log writes only, until a grant adds more. */
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CallNowFunctionProps) {
    super(scope, id);
    assertLocalEsbuild();
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    // Instead of AWSLambdaBasicExecutionRole, which may create any log group and write to all of them.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: BUNDLE_TARGET,
        mainFields: [...BUNDLE_MAIN_FIELDS],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        // No source map: reading one (NODE_OPTIONS=--enable-source-maps) cost every cold start 20-30 ms, and the
        // functions log errors by name and message, never by stack.
        sourceMap: false,
        // The SDK versions package-lock.json pins, bundled and tree-shaken with the rest: a bundle loads about
        // 40 % faster than one that loads the runtime's copy, and does not change when the runtime's does.
        bundleAwsSDK: true,
        esbuildArgs: Object.fromEntries(
          Object.entries(BUNDLE_ALIASES).map(([module, stand]) => [`--alias:${module}`, stand]),
        ),
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
  }
}
