// Helpers for the template tests: synthesizing an app as `cdk synth` does, and reading IAM out of the template.

import { readFileSync } from 'node:fs';
import { App, type IResolvable, type Stack, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../infra/stack/callnow-function.ts';

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
  Principal?: unknown;
  Condition?: unknown;
}
export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
}
interface IamPolicyResource {
  Properties: { PolicyDocument: { Statement: PolicyStatement[] }; Users?: unknown[]; Roles?: unknown[] };
}

/**
 * An app with the context of cdk.json (feature flags included) plus `context`, so a template is the one
 * `npm run synth` would produce. `bundle: false` skips esbuild, for tests that do not look at function code.
 */
export function testApp(context: Record<string, unknown>, { bundle = true } = {}): App {
  const cdkJson: { context: Record<string, unknown> } = JSON.parse(
    readFileSync(`${PROJECT_ROOT}/cdk.json`, 'utf8'),
  );
  return new App({
    context: { ...cdkJson.context, ...context, ...(bundle ? {} : { [BUNDLING_STACKS]: [] }) },
  });
}

/** What buildCallNowApp adds besides the stack: the AwsSolutions checks, so synthesis fails on a finding. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The template's form of a token, e.g. { Ref: 'LogicalId' } or { 'Fn::GetAtt': ['LogicalId', 'Arn'] }. */
export function cfn(stack: Stack, value: string | IResolvable): unknown {
  return stack.resolve(value);
}

export function iamPolicies(template: Template): Record<string, IamPolicyResource> {
  return template.findResources('AWS::IAM::Policy') as Record<string, IamPolicyResource>;
}

/** The statements of every AWS::IAM::Policy attached to the given user or role (in its template form). */
export function statementsOf(template: Template, principal: unknown): PolicyStatement[] {
  return Object.values(iamPolicies(template))
    .filter((policy) =>
      [...(policy.Properties.Users ?? []), ...(policy.Properties.Roles ?? [])].some(
        (attached) => JSON.stringify(attached) === JSON.stringify(principal),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** Every `*` in a statement's actions or resources, e.g. ['sqs:*'] or ['arn:aws:sqs:*:*:callnow-*']. */
export function wildcardsIn(statement: PolicyStatement): string[] {
  const resources = JSON.stringify(statement.Resource ?? null);
  return [
    ...asArray(statement.Action).filter((action) => action.includes('*')),
    ...(resources.includes('*') ? [resources] : []),
  ];
}

/** Evaluates an Fn::Join of literals and Refs into a string, writing each Ref as `<Ref:LogicalId>`. */
export function joinWithRefs(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join !== undefined) return join[1].map(joinWithRefs).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref !== undefined) return `<Ref:${ref}>`;
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}

/** Every cdk-nag acknowledgment in the app: where, which rule, and why. */
export function acknowledgments(app: App): { path: string; id: string; reason: string }[] {
  return app.node.findAll().flatMap((construct: IConstruct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^Annotation::/, ''),
          reason,
        })),
      ),
  );
}
