// Entry point of the CDK app (cdk.json runs it): the CallNow stack for the sites in the `sites` context.

import { App } from 'aws-cdk-lib';
import { buildCallNowApp } from './stack/callnow-app.ts';
import { InvalidSitesContextError } from './stack/sites.ts';

const app = new App();
try {
  buildCallNowApp(app);
} catch (error) {
  if (!(error instanceof InvalidSitesContextError)) throw error;
  console.error(`CallNow: ${error.message}`);
  process.exit(1);
}
