/**
 * The CDK app: `npx cdk synth [-c config=<path>] [-c stackName=<name>]`.
 * Defaults: `config/sandbox.json`, stack `BunqWebhooks`. An invalid configuration fails synth listing each
 * invalid field, without a stack trace.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../shared/config/pipeline-config';
import { readAppSettings } from './app-settings';
import { BunqWebhooksStack } from './bunq-webhooks-stack';

const app = new App();
try {
  const { stackName, config } = readAppSettings(app.node);
  new BunqWebhooksStack(app, stackName, { config });
} catch (error) {
  if (!(error instanceof ConfigError)) {
    throw error;
  }
  console.error(`${error.name}: ${error.message}`);
  process.exitCode = 1;
}
