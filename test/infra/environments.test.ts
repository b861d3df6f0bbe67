/** Configuration values reach the template: a production deployment with every tunable changed. */
import type { Template } from 'aws-cdk-lib/assertions';
import type { PipelineConfigInput } from '../../shared/config/pipeline-config';
import { INGEST_ENV, NORMALIZE_ENV } from '../../shared/wiring/function-env';
import { callbackQueueId, deadLetterQueueId, SYNTH_TIMEOUT_MS, synthStack } from './support/synth';

let template: Template;

beforeAll(() => {
  const config: PipelineConfigInput = {
    environment: 'production',
    eventSource: 'acme.bunq',
    ingest: { maxBodyBytes: 65_536, tokenCacheSeconds: 300, throttleRateLimit: 50, throttleBurstLimit: 100 },
    queue: { maxReceiveCount: 3, visibilityTimeoutSeconds: 370, retentionDays: 7, batchSize: 50 },
    dedupe: { ttlHours: 24 },
    eventBus: { name: 'acme-bunq-events', archiveRetentionDays: 0 },
    functions: {
      logRetentionDays: 90,
      ingestMemoryMb: 512,
      normalizeMemoryMb: 1024,
      normalizeTimeoutSeconds: 60,
    },
  };
  ({ template } = synthStack(config, { bundle: false }));
}, SYNTH_TIMEOUT_MS);

test('production accepts callbacks from bunq production range only', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: { [INGEST_ENV.allowedSourceCidrs]: '185.40.108.0/22' } },
  });
});

test('ingest settings reach the ingest function', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    MemorySize: 512,
    Environment: {
      Variables: { [INGEST_ENV.maxBodyBytes]: '65536', [INGEST_ENV.tokenCacheSeconds]: '300' },
    },
  });
});

test('throttling follows the configuration', () => {
  template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
    DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
  });
});

test('queue settings reach both queues', () => {
  const resources = template.toJSON().Resources;
  expect(resources[callbackQueueId(template)].Properties).toMatchObject({
    VisibilityTimeout: 370,
    MessageRetentionPeriod: 7 * 24 * 3600,
    RedrivePolicy: { maxReceiveCount: 3 },
  });
  expect(resources[deadLetterQueueId(template)].Properties).toMatchObject({
    MessageRetentionPeriod: 7 * 24 * 3600,
  });
});

test('batch size reaches the event source mapping', () => {
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    BatchSize: 50,
    MaximumBatchingWindowInSeconds: 10,
  });
});

test('normalize settings, event source and dedupe TTL reach the normalize function', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    MemorySize: 1024,
    Timeout: 60,
    Environment: {
      Variables: { [NORMALIZE_ENV.eventSource]: 'acme.bunq', [NORMALIZE_ENV.dedupeTtlSeconds]: '86400' },
    },
  });
});

test('the bus takes the configured name', () => {
  template.hasResourceProperties('AWS::Events::EventBus', { Name: 'acme-bunq-events' });
});

test('an archive retention of 0 days keeps events indefinitely', () => {
  const archive = Object.values(template.findResources('AWS::Events::Archive'))[0];
  // CloudFormation keeps events indefinitely when RetentionDays is 0 or absent.
  expect([0, undefined]).toContain(archive?.Properties.RetentionDays);
});

test('every log group keeps events for the configured days', () => {
  template.resourceCountIs('AWS::Logs::LogGroup', 3);
  template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
});
