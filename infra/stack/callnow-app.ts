// Builds the CallNow CDK app from its context; shared by infra/app.ts and the template tests.

import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CallNowStack } from './callnow-stack.ts';
import { parseSettings } from './settings.ts';
import { parseSiteIds } from './sites.ts';

export const STACK_ID = 'CallNow';

/**
 * Adds the CallNow stack for the sites and settings in the context, and the AwsSolutions checks of cdk-nag: an
 * unacknowledged finding fails synthesis. Throws an InvalidContextError when the context is wrong.
 */
export function buildCallNowApp(app: App): CallNowStack {
  const siteIds = parseSiteIds(app.node.tryGetContext('sites'));
  const settings = parseSettings((key) => app.node.tryGetContext(key));
  const stack = new CallNowStack(app, STACK_ID, {
    siteIds,
    settings,
    description: 'CallNow: public call-me-now pages for PBX extensions, with an edge connector per PBX site',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
