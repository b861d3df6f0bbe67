/**
 * The whole callback pipeline as one construct, for this project's stack and for partners who embed it in
 * their own CDK app:
 *
 * ```ts
 * const webhooks = new BunqWebhooks(this, 'BunqWebhooks', { config: { environment: 'production' } });
 * new Rule(this, 'Payments', { eventBus: webhooks.bus, eventPattern: { detailType: ['MUTATION'] }, targets });
 * ```
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Tracing } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  oauthTokenUrl,
  type PipelineConfig,
  type PipelineConfigInput,
  parsePipelineConfig,
  recoveryBunqBaseUrl,
} from '../../shared/config/pipeline-config';
import { CallbackQueue } from './callback-queue';
import { CallbackToken } from './callback-token';
import { ClaimCheckBucket } from './claim-check-bucket';
import { DedupeTable } from './dedupe-table';
import { PipelineEventBus } from './event-bus';
import { EventSchemas } from './event-schemas';
import { FailureRecovery } from './failure-recovery';
import { IngestApi } from './ingest-api';
import { Monitoring } from './monitoring';
import { acknowledgeNagFindings } from './nag-acknowledgments';
import { Normalizer } from './normalizer';
import { PartnerOnboarding } from './partner-onboarding';
import { retentionDays } from './pipeline-function';
import { Reconciler } from './reconciler';
import { Routing } from './routing';

export interface BunqWebhooksProps {
  /**
   * The pipeline configuration (see `shared/config/pipeline-config.ts`). It is validated here: an invalid
   * value throws a `ConfigError` naming the field, which fails `cdk synth`.
   * @default - every default: a sandbox deployment accepting callbacks from any source
   */
  readonly config?: PipelineConfigInput;
  /**
   * X-Ray tracing mode of the pipeline's functions.
   * @default Tracing.DISABLED
   */
  readonly tracing?: Tracing;
}

/**
 * bunq callbacks in, typed EventBridge events out: an HTTP API endpoint `POST /callbacks/{token}` whose ingest
 * function verifies and enqueues each callback on SQS, a normalizer that dedupes it in DynamoDB and publishes
 * it on an EventBridge bus with an archive, and a dead-letter queue for what cannot be published.
 */
export class BunqWebhooks extends Construct {
  /** The validated configuration with every default resolved. */
  public readonly config: PipelineConfig;
  /** The secret holding the callback token, `{"token": "..."}`. Its value is never output. */
  public readonly tokenSecret: Secret;
  /** The callbacks queue between the ingest and the normalizer. */
  public readonly queue: Queue;
  /** The dead-letter queue of {@link queue}, also where the normalizer parks permanent failures. */
  public readonly deadLetterQueue: Queue;
  /** The dedupe table. */
  public readonly table: Table;
  /** Objects too large for an event; grant consumers `grantRead` on it to use `resolveCallbackObject`. */
  public readonly claimCheckBucket: Bucket;
  /** The bus every callback is published on as one event. */
  public readonly bus: EventBus;
  /** The archive of every event on {@link bus}. */
  public readonly archive: Archive;
  /** The schema registry of the event catalog: one schema per detail-type, for code bindings. */
  public readonly eventSchemas: EventSchemas;
  /** The HTTP API bunq calls. */
  public readonly api: HttpApi;
  /** The throttled, access-logged `$default` stage of {@link api}. */
  public readonly stage: HttpStage;
  /** The ingest function behind `POST /callbacks/{token}`. */
  public readonly ingestFunction: NodejsFunction;
  /** The normalize function consuming {@link queue}. */
  public readonly normalizeFunction: NodejsFunction;
  /** The callback URL without the token: `https://<api>/callbacks/`. Register `<this><token>` with bunq. */
  public readonly callbackBaseUrl: string;
  /** The regional hostname the custom domain's CNAME points at; only with `customDomain`. */
  public readonly customDomainTarget: string | undefined;
  /** The failure poller (retry-failures function, schedule, bunq state secret); only with `recovery.enabled`. */
  public readonly failureRecovery: FailureRecovery | undefined;
  /** The reconciler (reconcile function, schedule); only with `recovery.enabled` and `recovery.reconcile.enabled`. */
  public readonly reconciler: Reconciler | undefined;
  /** Partner onboarding (fleet registry, onboarding queue and function); only with `partnerOnboarding`. */
  public readonly partnerOnboarding: PartnerOnboarding | undefined;
  /** The configured routes: a rule, target, retry policy and dead-letter queue each. */
  public readonly routing: Routing;
  /** Alarms (into one SNS topic) and the dashboard; only with `monitoring.enabled`. */
  public readonly monitoring: Monitoring | undefined;

  constructor(scope: Construct, id: string, props: BunqWebhooksProps = {}) {
    super(scope, id);

    const config = parsePipelineConfig(props.config, `configuration of ${this.node.path}`);
    this.config = config;
    const logRetention = retentionDays(config.functions.logRetentionDays);

    this.tokenSecret = new CallbackToken(this, 'CallbackToken').secret;

    const queues = new CallbackQueue(this, 'CallbackQueue', {
      maxReceiveCount: config.queue.maxReceiveCount,
      visibilityTimeout: Duration.seconds(config.queue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(config.queue.retentionDays),
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;

    this.table = new DedupeTable(this, 'DedupeTable').table;
    this.claimCheckBucket = new ClaimCheckBucket(this, 'ClaimCheck', {
      expiration: Duration.days(config.claimCheck.expirationDays),
    }).bucket;

    const eventBus = new PipelineEventBus(this, 'EventBus', {
      eventBusName: config.eventBus.name,
      archiveRetention:
        config.eventBus.archiveRetentionDays > 0
          ? Duration.days(config.eventBus.archiveRetentionDays)
          : undefined,
      kmsKey:
        config.eventBus.kmsKeyArn === undefined
          ? undefined
          : Key.fromKeyArn(this, 'EventBusKey', config.eventBus.kmsKeyArn),
    });
    this.bus = eventBus.bus;
    this.archive = eventBus.archive;
    this.eventSchemas = new EventSchemas(this, 'EventSchemas', { eventSource: config.eventSource });

    const ingest = new IngestApi(this, 'IngestApi', {
      queue: this.queue,
      tokenSecret: this.tokenSecret,
      allowedSourceCidrs: config.ingest.allowedSourceCidrs,
      maxBodyBytes: config.ingest.maxBodyBytes,
      tokenCacheTtl: Duration.seconds(config.ingest.tokenCacheSeconds),
      throttle: { rateLimit: config.ingest.throttleRateLimit, burstLimit: config.ingest.throttleBurstLimit },
      memorySize: config.functions.ingestMemoryMb,
      logRetention,
      tracing: props.tracing,
      reservedConcurrency: config.ingest.reservedConcurrency ?? undefined,
      callbackSignature: config.ingest.callbackSignature,
      customDomain: config.customDomain,
    });
    this.api = ingest.api;
    this.customDomainTarget = ingest.customDomainTarget;
    this.stage = ingest.stage;
    this.ingestFunction = ingest.function;
    this.callbackBaseUrl = ingest.callbackBaseUrl;

    this.normalizeFunction = new Normalizer(this, 'Normalizer', {
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      dedupeTable: this.table,
      dedupeTtl: Duration.hours(config.dedupe.ttlHours),
      eventBus: this.bus,
      eventSource: config.eventSource,
      batchSize: config.queue.batchSize,
      maxBatchingWindow: Duration.seconds(config.queue.maxBatchingWindowSeconds),
      maxConcurrency: config.queue.maxConcurrency,
      claimCheckBucket: this.claimCheckBucket,
      recordArrivals: config.recovery.enabled,
      retryBackoff: {
        base: Duration.seconds(config.queue.retryBackoffBaseSeconds),
        max: Duration.seconds(config.queue.retryBackoffMaxSeconds),
      },
      memorySize: config.functions.normalizeMemoryMb,
      timeout: Duration.seconds(config.functions.normalizeTimeoutSeconds),
      logRetention,
      tracing: props.tracing,
    }).function;

    this.failureRecovery = config.recovery.enabled
      ? new FailureRecovery(this, 'FailureRecovery', {
          table: this.table,
          interval: Duration.minutes(config.recovery.scheduleMinutes),
          maxAttempts: config.recovery.maxAttempts,
          bunqBaseUrl: recoveryBunqBaseUrl(config),
          certificateCheckHost: config.customDomain?.domainName,
          attemptTtl: Duration.days(config.recovery.attemptTtlDays),
          // With partner onboarding the poller runs as the partner and tells whose failure each one is.
          callbackBaseUrl: config.partnerOnboarding === undefined ? undefined : this.callbackBaseUrl,
          memorySize: config.recovery.memoryMb,
          timeout: Duration.seconds(config.recovery.timeoutSeconds),
          logRetention,
          tracing: props.tracing,
        })
      : undefined;

    if (this.failureRecovery !== undefined) ingest.useServerPublicKeyFrom(this.failureRecovery.stateSecret);
    const reconcile = config.recovery.reconcile;
    this.reconciler =
      this.failureRecovery !== undefined && reconcile.enabled
        ? new Reconciler(this, 'Reconciler', {
            table: this.table,
            queue: this.queue,
            stateSecret: this.failureRecovery.stateSecret,
            tokenSecret: this.tokenSecret,
            callbackBaseUrl: this.callbackBaseUrl,
            bunqBaseUrl: recoveryBunqBaseUrl(config),
            filters: reconcile.filters,
            interval: Duration.minutes(reconcile.scheduleMinutes),
            grace: Duration.minutes(reconcile.graceMinutes),
            attemptTtl: Duration.days(config.recovery.attemptTtlDays),
            repairFilters: reconcile.repairFilters,
            memorySize: config.recovery.memoryMb,
            timeout: Duration.seconds(reconcile.timeoutSeconds),
            logRetention,
            tracing: props.tracing,
          })
        : undefined;

    const partner = config.partnerOnboarding;
    this.partnerOnboarding =
      partner === undefined
        ? undefined
        : new PartnerOnboarding(this, 'PartnerOnboarding', {
            categories: partner.categories,
            tokenSecret: this.tokenSecret,
            callbackBaseUrl: this.callbackBaseUrl,
            bunqBaseUrl: recoveryBunqBaseUrl(config),
            oauthTokenUrl: oauthTokenUrl(config),
            maxReceiveCount: partner.maxReceiveCount,
            memorySize: partner.memoryMb,
            timeout: Duration.seconds(partner.timeoutSeconds),
            logRetention,
            tracing: props.tracing,
          });
    if (this.partnerOnboarding !== undefined) ingest.useOnboardingQueue(this.partnerOnboarding.queue);
    if (this.partnerOnboarding !== undefined && partner !== undefined) {
      this.reconciler?.reconcileFleet({
        table: this.partnerOnboarding.table,
        credentialSecretPrefix: this.partnerOnboarding.credentialSecretPrefix,
        rateLimitScope: partner.rateLimitScope,
      });
    }

    this.routing = new Routing(this, 'Routing', {
      bus: this.bus,
      busName: config.eventBus.name,
      eventSource: config.eventSource,
      routes: config.routes,
    });

    const { monitoring } = config;
    const recovery = this.failureRecovery;
    this.monitoring = monitoring.enabled
      ? new Monitoring(this, 'Monitoring', {
          thresholds: monitoring.thresholds,
          period: Duration.minutes(monitoring.periodMinutes),
          alarmEmails: monitoring.alarmEmails,
          dashboard: monitoring.dashboard,
          api: this.api,
          ingestFunction: this.ingestFunction,
          normalizeFunction: this.normalizeFunction,
          callbackQueue: this.queue,
          callbackDeadLetterQueue: this.deadLetterQueue,
          bus: this.bus,
          routes: this.routing.routes.map((route) => ({
            name: route.config.name,
            ruleName: route.ruleName,
            deadLetterQueue: route.deadLetterQueue,
          })),
          failureRecovery: recovery && {
            function: recovery.function,
            interval: Duration.minutes(config.recovery.scheduleMinutes),
            metric: (name) => recovery.metric(name),
            checksPinnedCertificate: config.customDomain !== undefined,
          },
          partnerOnboarding: this.partnerOnboarding && {
            function: this.partnerOnboarding.function,
            deadLetterQueue: this.partnerOnboarding.deadLetterQueue,
            metric: (name) => (this.partnerOnboarding as PartnerOnboarding).metric(name),
          },
          reconciler: this.reconciler && {
            interval: this.reconciler.interval,
            metric: (name) => (this.reconciler as Reconciler).metric(name),
          },
        })
      : undefined;

    acknowledgeNagFindings(this);
  }
}
