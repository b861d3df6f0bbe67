/**
 * Partner onboarding: the fleet registry table, the onboarding queue (fed by the ingest with each
 * `PARTNER_USER_PROVISION` callback's job) with its dead-letter queue, the partner's OAuth client secret,
 * and the onboarding function consuming the queue. Only with `partnerOnboarding` in the configuration.
 */
import { ArnFormat, Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FLEET_TABLE_KEY, ONBOARD_ENV } from '../../shared/wiring/function-env';
import { type OnboardMetricName, SERVICE_NAMES } from '../../shared/wiring/metrics';
import { pipelineMetric } from './monitoring-metrics';
import { functionEntry, PipelineFunction } from './pipeline-function';

/** What the onboarding does with a provisioned user's credential secret (created on the OAuth exchange). */
export const FLEET_SECRET_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
] as const;
/** The onboarding's calls on the fleet table: read and write one user's entry. */
export const FLEET_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem'] as const;

export interface PartnerOnboardingProps {
  /** The categories to register for every provisioned user. */
  readonly categories: readonly string[];
  /** The callback token secret: the users' filters carry our current URL. */
  readonly tokenSecret: ISecret;
  /** The callback URL without the token, ending in `/callbacks/`. */
  readonly callbackBaseUrl: string;
  /** bunq API base URL including `/v1`. */
  readonly bunqBaseUrl: string;
  /** bunq's OAuth token endpoint. */
  readonly oauthTokenUrl: string;
  /** Deliveries of one onboarding job before it is parked on the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly memorySize: number;
  /** Longest time one batch (of at most 5 jobs) may take. */
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  /** @default Tracing.DISABLED */
  readonly tracing?: Tracing;
}

export class PartnerOnboarding extends Construct {
  /** The fleet registry: one item per provisioned user (partition key `userId`, a number). */
  public readonly table: Table;
  /** Where the ingest puts each provision callback's onboarding job. */
  public readonly queue: Queue;
  /** Jobs that failed `maxReceiveCount` times. */
  public readonly deadLetterQueue: Queue;
  /** The partner's OAuth client: `{"clientId": "...", "clientSecret": "..."}`, filled in by the operator. */
  public readonly oauthClientSecret: Secret;
  public readonly function: NodejsFunction;
  /** The name prefix of the provisioned users' credential secrets. */
  public readonly credentialSecretPrefix: string;

  constructor(scope: Construct, id: string, props: PartnerOnboardingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.credentialSecretPrefix = `${stack.stackName}/fleet/`;

    this.table = new Table(this, 'FleetTable', {
      partitionKey: { name: FLEET_TABLE_KEY, type: AttributeType.NUMBER },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Who we serve: a redeploy or a stack deletion must not forget it.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The OAuth code is single-use and short-lived: a day of retention is ample, even on the DLQ.
    const secure = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...secure,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      ...secure,
      retentionPeriod: Duration.days(1),
      visibilityTimeout: Duration.seconds(props.timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    // Empty values are not secrets; the operator's client credentials replace them outside CloudFormation.
    this.oauthClientSecret = new Secret(this, 'OAuthClient', {
      description:
        'The partner OAuth client of bunq-webhooks onboarding: put {"clientId":"<id>","clientSecret":"<secret>"} here',
      secretObjectValue: {
        clientId: SecretValue.unsafePlainText(''),
        clientSecret: SecretValue.unsafePlainText(''),
      },
    });

    const onboard = new PipelineFunction(this, 'Onboard', {
      entry: functionEntry('onboard'),
      description:
        'Onboards provisioned bunq users: OAuth exchange, filters at their callback URL, fleet registry',
      serviceName: SERVICE_NAMES.onboard,
      memorySize: props.memorySize,
      timeout: props.timeout,
      logRetention: props.logRetention,
      tracing: props.tracing,
      environment: {
        [ONBOARD_ENV.fleetTableName]: this.table.tableName,
        [ONBOARD_ENV.oauthClientSecretArn]: this.oauthClientSecret.secretArn,
        [ONBOARD_ENV.oauthTokenUrl]: props.oauthTokenUrl,
        [ONBOARD_ENV.bunqBaseUrl]: props.bunqBaseUrl,
        [ONBOARD_ENV.credentialSecretPrefix]: this.credentialSecretPrefix,
        [ONBOARD_ENV.tokenSecretArn]: props.tokenSecret.secretArn,
        [ONBOARD_ENV.callbackBaseUrl]: props.callbackBaseUrl,
        [ONBOARD_ENV.categories]: props.categories.join(','),
      },
    });
    this.function = onboard.function;
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 5,
        reportBatchItemFailures: true,
        // Each job opens a bunq session, which bunq limits per address: few at a time.
        maxConcurrency: 2,
      }),
    );
    this.table.grant(this.function, ...FLEET_TABLE_ACTIONS);
    this.oauthClientSecret.grantRead(this.function);
    props.tokenSecret.grantRead(this.function);
    onboard.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...FLEET_SECRET_ACTIONS],
        resources: [
          stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${this.credentialSecretPrefix}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }

  /** One of the function's metrics (namespace `BunqWebhooks`, dimension `service`), for alarms. */
  metric(name: OnboardMetricName, options: MetricOptions = {}): Metric {
    return pipelineMetric(SERVICE_NAMES.onboard, name, Duration.minutes(5)).with(options);
  }
}
