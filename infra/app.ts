// Entry point of the CDK app (cdk.json runs it): the CallNow stack for the sites and settings in the CDK context.

import { App } from 'aws-cdk-lib';
import { buildCallNowApp } from './stack/callnow-app.ts';
import { InvalidContextError } from './stack/settings.ts';

const app = new App();
try {
  buildCallNowApp(app);
} catch (error) {
  if (!(error instanceof InvalidContextError)) throw error;
  console.error(`CallNow: ${error.message}`);
  process.exit(1);
}
