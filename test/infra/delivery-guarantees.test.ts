/** Infra for the delivery guarantees: the claim-check bucket, backoff wiring and redrive outputs. */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { NORMALIZE_ENV } from '../../shared/wiring/function-env';
import {
  actionsOf,
  normalizeFunctionId,
  roleStatements,
  SYNTH_TIMEOUT_MS,
  synthStack,
} from './support/synth';

let template: Template;
beforeAll(() => {
  template = synthStack(
    {
      claimCheck: { expirationDays: 45 },
      queue: { retryBackoffBaseSeconds: 5, retryBackoffMaxSeconds: 120 },
    },
    { bundle: false },
  ).template;
}, SYNTH_TIMEOUT_MS);

describe('claim-check bucket', () => {
  it('is private, encrypted and owner-enforced', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('expires objects after the configured days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 45, Status: 'Enabled' })]),
      },
    });
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('is kept when the stack is deleted', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('normalize function', () => {
  it('knows the bucket, the queue to back off on and the backoff bounds', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [NORMALIZE_ENV.claimCheckBucket]: Match.anyValue(),
          [NORMALIZE_ENV.callbackQueueUrl]: Match.anyValue(),
          [NORMALIZE_ENV.retryBackoffBaseSeconds]: '5',
          [NORMALIZE_ENV.retryBackoffMaxSeconds]: '120',
        }),
      },
    });
  });

  it('may put objects under objects/ only, and read nothing from the bucket', () => {
    const statements = roleStatements(template, normalizeFunctionId(template));
    const s3 = statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('s3:')),
    );
    const actions = s3.flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['s3:PutObject']));
    expect(actions.filter((action) => /^s3:(Get|List|Delete)/.test(action))).toEqual([]);
    expect(JSON.stringify(s3.map((statement) => statement.Resource))).toContain('/objects/*');
  });

  it('may change the visibility of messages it received (backoff)', () => {
    const actions = roleStatements(template, normalizeFunctionId(template)).flatMap(actionsOf);
    expect(actions).toContain('sqs:ChangeMessageVisibility');
  });
});

describe('outputs for operators', () => {
  it('names the dead-letter queue ARN (for redrive) and the claim-check bucket', () => {
    template.hasOutput('DeadLetterQueueArn', { Value: Match.anyValue() });
    template.hasOutput('ClaimCheckBucketName', { Value: Match.anyValue() });
    template.hasOutput('EventArchiveArn', { Value: Match.anyValue() });
    template.hasOutput('SchemaRegistryName', { Value: Match.anyValue() });
  });
});

describe('log volume', () => {
  it('logs JSON without platform INFO lines (START/END/REPORT), application logs from INFO', () => {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Runtime: Match.stringLikeRegexp('^nodejs') },
    });
    expect(Object.keys(functions).length).toBeGreaterThanOrEqual(2);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.LoggingConfig).toMatchObject({
        LogFormat: 'JSON',
        SystemLogLevel: 'WARN',
        ApplicationLogLevel: 'INFO',
      });
    }
  });
});
