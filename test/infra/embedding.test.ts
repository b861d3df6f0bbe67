/** Partners embed BunqWebhooks in their own app and stack, and compose it with their own resources. */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { BunqWebhooks } from '../../infra/constructs/bunq-webhooks';
import { SKIP_BUNDLING_CONTEXT, SYNTH_TIMEOUT_MS } from './support/synth';

let webhooks: BunqWebhooks;
let template: Template;

beforeAll(() => {
  // A partner's app: no cdk.json flags of ours, a concrete environment, a construct path of their choosing.
  // Bundling is skipped: the stack test bundles the same functions.
  const app = new App({ context: SKIP_BUNDLING_CONTEXT });
  const stack = new Stack(app, 'PartnerPaymentsStack', {
    env: { account: '111122223333', region: 'eu-central-1' },
  });
  webhooks = new BunqWebhooks(stack, 'Bunq', { config: { environment: 'production' } });
  new Rule(stack, 'Mutations', {
    eventBus: webhooks.bus,
    eventPattern: { source: ['bunq'], detailType: ['MUTATION'] },
    targets: [new SqsQueue(new Queue(stack, 'PaymentsInbox', { enforceSSL: true }))],
  });
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT_MS);

test('creates the whole pipeline inside a plain Stack', () => {
  template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
  template.resourceCountIs('AWS::Lambda::Function', 2);
  template.resourceCountIs('AWS::DynamoDB::Table', 1);
  template.resourceCountIs('AWS::Events::EventBus', 1);
  template.resourceCountIs('AWS::Events::Archive', 1);
  template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  // The pipeline's two queues and the partner's inbox.
  template.resourceCountIs('AWS::SQS::Queue', 3);
});

test('adds no outputs of its own: the embedding stack decides what to export', () => {
  expect(template.findOutputs('*')).toEqual({});
});

test('exposes the bus for the partner rules', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    EventBusName: { Ref: Match.stringLikeRegexp('^BunqEventBus') },
    EventPattern: { 'detail-type': ['MUTATION'] },
  });
});

test('exposes the resolved configuration', () => {
  expect(webhooks.config.ingest.allowedSourceCidrs).toEqual(['185.40.108.0/22']);
  expect(webhooks.config.eventSource).toBe('bunq');
});

test('rejects an invalid configuration in its props, naming the field', () => {
  const stack = new Stack(new App(), 'Invalid');
  expect(() => new BunqWebhooks(stack, 'Bunq', { config: { queue: { maxReceiveCount: 0 } } })).toThrow(
    /queue\.maxReceiveCount/,
  );
});

test('rejects an unknown configuration key, naming it', () => {
  const stack = new Stack(new App(), 'Unknown');
  const config = JSON.parse('{"ingest":{"allowedSourceCidr":["10.0.0.0/8"]}}');
  expect(() => new BunqWebhooks(stack, 'Bunq', { config })).toThrow(/allowedSourceCidr\b/);
});
