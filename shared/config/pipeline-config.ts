/**
 * The deploy-time configuration of the pipeline: one typed, validated document shared by the CDK stack and
 * the local runtime. Every field has a safe default; a bad value fails with a message naming the field.
 */
import * as z from 'zod';
import { BUNQ_PRODUCTION_BASE_URL, BUNQ_SANDBOX_BASE_URL } from '../bunq/api/client';
import { publicKeyFromPem } from '../bunq/api/crypto';
import { BUNQ_OAUTH_TOKEN_URL, BUNQ_SANDBOX_OAUTH_TOKEN_URL } from '../bunq/api/oauth';
import { RATE_LIMIT_SCOPES } from '../bunq/api/rate-gate';
import { DEFAULT_MAX_BODY_BYTES } from '../contract/limits';
import { CALLBACK_SIGNATURE_MODES } from '../pipeline/ingest/callback-signature';
import { parseCidr } from '../pipeline/ingest/cidr';
import { arnProblem } from '../routing/arn';
import { routesSchema } from '../routing/route-config';
import { monitoringConfigSchema } from './monitoring-config';

/**
 * bunq's documented production callback range (bunq's API docs, "Receiving callbacks"). It may change with
 * notice: configuration.
 */
export const BUNQ_PRODUCTION_CIDRS = ['185.40.108.0/22'] as const;
/** bunq's sandbox calls from changing AWS addresses, so the sandbox default is any source. */
export const ANY_SOURCE_CIDRS = ['0.0.0.0/0', '::/0'] as const;

export {
  DEFAULT_MAX_BODY_BYTES,
  QUEUE_METADATA_RESERVE_BYTES,
  SQS_MAX_MESSAGE_BYTES,
} from '../contract/limits';

const cidr = z.string().superRefine((value, ctx) => {
  try {
    parseCidr(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
  }
});

/** Memory of a Lambda function in MiB, within Lambda's limits. */
const memoryMb = (defaultMb: number) => z.number().int().min(128).max(10_240).default(defaultMb);

/** Minutes between two runs of a scheduled function (EventBridge Scheduler's `rate`, up to a day). */
const scheduleMinutes = () => z.number().int().min(1).max(1_440).default(5);

/** A scheduled function's timeout is below its interval, so two of its `runs` never overlap. */
function timeoutBelowSchedule(
  settings: { readonly timeoutSeconds: number; readonly scheduleMinutes: number },
  ctx: z.RefinementCtx,
  runs: string,
): void {
  if (settings.timeoutSeconds >= settings.scheduleMinutes * 60) {
    ctx.addIssue({
      code: 'custom',
      path: ['timeoutSeconds'],
      message: `must be less than scheduleMinutes in seconds (${settings.scheduleMinutes * 60}) so ${runs} never overlap`,
    });
  }
}

/** A DNS name as Route 53 and ACM take it: lower-case labels, no trailing dot, no wildcard. */
const domainName = z
  .string()
  .max(253)
  .regex(
    /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/,
    'use a lower-case DNS name such as "callbacks.example.com" (no wildcard, no trailing dot)',
  );

const customDomainSchema = z
  .object({
    /** The callback endpoint's hostname, e.g. `callbacks.example.com`. */
    domainName,
    /** An ACM certificate in the stack's region covering `domainName` (issued or imported by you). */
    certificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
        'use an ACM certificate ARN, e.g. arn:aws:acm:eu-west-1:123456789012:certificate/<id>',
      ),
    /**
     * The Route 53 public hosted zone to create the alias record in. Default: none; point a CNAME at the
     * `CustomDomainTarget` output yourself.
     */
    hostedZone: z
      .object({
        id: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'use a hosted zone id such as "Z0123456789ABCDEFGHIJ"'),
        /** The zone's name, e.g. `example.com`: `domainName` must be inside it. */
        name: domainName,
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((custom, ctx) => {
    const zone = custom.hostedZone;
    if (zone !== undefined && !`.${custom.domainName}`.endsWith(`.${zone.name}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['hostedZone', 'name'],
        message: `"${custom.domainName}" is not inside the zone "${zone.name}": name the zone that holds it`,
      });
    }
  });

export const pipelineConfigSchema = z
  .object({
    /** Which bunq environment calls this deployment; selects the default source ranges. */
    environment: z.enum(['sandbox', 'production']).default('sandbox'),
    /** The EventBridge `source` of every event. */
    eventSource: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"')
      .refine((s) => !s.startsWith('aws.'), 'the "aws." prefix is reserved by AWS')
      .default('bunq'),
    ingest: z
      .object({
        /** Source ranges allowed to call the endpoint. Default: bunq's production range, or any in sandbox. */
        allowedSourceCidrs: z
          .array(cidr)
          .min(1, 'list at least one range, e.g. "185.40.108.0/22"')
          .optional(),
        /** Largest accepted body in bytes; larger answers 413. */
        maxBodyBytes: z
          .number()
          .int()
          .min(1_024)
          .max(
            DEFAULT_MAX_BODY_BYTES,
            `must fit one SQS message with its metadata: at most ${DEFAULT_MAX_BODY_BYTES}`,
          )
          .default(DEFAULT_MAX_BODY_BYTES),
        /** How long an ingest instance caches the callback token before re-reading the secret. */
        tokenCacheSeconds: z.number().int().min(0).max(3_600).default(60),
        /** API Gateway throttling for the callback route. */
        throttleRateLimit: z.number().positive().default(200),
        throttleBurstLimit: z.number().int().positive().default(400),
        /**
         * Concurrent executions reserved for (and capping) the ingest function, so a flood that passes the
         * API's throttling cannot take the account's whole Lambda pool. Beyond it API Gateway answers 5xx and
         * bunq retries. `null` reserves nothing (accounts whose concurrency limit is too small to reserve).
         */
        reservedConcurrency: z.number().int().min(1).max(10_000).nullable().default(50),
        /**
         * `X-Bunq-Server-Signature` on callbacks: `off`, `log` (verify and count, never refuse) or `enforce`
         * (refuse a callback without a valid one). The key is `serverPublicKeyPem`, else the installation's
         * server public key in the failure poller's state secret.
         */
        callbackSignature: z
          .object({
            mode: z.enum(CALLBACK_SIGNATURE_MODES).default('log'),
            /** bunq's server public key (PEM), e.g. from your installation. Default: the poller's state. */
            serverPublicKeyPem: z
              .string()
              .superRefine((value, ctx) => {
                try {
                  publicKeyFromPem(value);
                } catch {
                  ctx.addIssue({
                    code: 'custom',
                    message:
                      'is not a PEM public key: paste bunq\'s server_public_key, "-----BEGIN PUBLIC KEY-----..."',
                  });
                }
              })
              .optional(),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    queue: z
      .object({
        /** Deliveries of one message before SQS moves it to the dead-letter queue. */
        maxReceiveCount: z.number().int().min(1).max(1_000).default(5),
        /** Seconds a received message stays hidden; must exceed the normalize function's timeout. */
        visibilityTimeoutSeconds: z.number().int().min(30).max(43_200).default(190),
        /** Days an unprocessed message (and a dead-lettered one) is kept. */
        retentionDays: z.number().int().min(1).max(14).default(14),
        /** Records handed to one normalize invocation. */
        batchSize: z.number().int().min(1).max(10_000).default(10),
        /**
         * Seconds Lambda gathers records before invoking the normalizer (or until the batch is full). The
         * longest extra delay an event can have; longer windows fill batches at low volume, which saves
         * SQS requests, normalize invocations and log lines (docs/COST.md).
         */
        maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(10),
        /**
         * Most normalize invocations the SQS event source runs at once (its maximum concurrency). Beyond it
         * messages wait on the queue, which is durable: the cost is latency (`CallbackQueueAge`), not loss.
         */
        maxConcurrency: z.number().int().min(2).max(1_000).default(10),
        /** Delay before the first redelivery of a record that failed transiently; doubles per failure. */
        retryBackoffBaseSeconds: z.number().int().min(0).max(43_200).default(10),
        /** Longest delay between redeliveries. */
        retryBackoffMaxSeconds: z.number().int().min(0).max(43_200).default(300),
      })
      .strict()
      .prefault({}),
    claimCheck: z
      .object({
        /** Days a claim-checked object (too large for an event) is kept; keep it at least as long as the archive. */
        expirationDays: z.number().int().min(1).max(3_650).default(30),
      })
      .strict()
      .prefault({}),
    dedupe: z
      .object({
        /** How long a published callback is remembered; covers bunq's retries and the failure poller. */
        ttlHours: z
          .number()
          .int()
          .min(24, 'at least 24 hours, to cover bunq retries and recovery')
          .default(72),
      })
      .strict()
      .prefault({}),
    eventBus: z
      .object({
        /** Name of the pipeline's bus. Default: generated by CloudFormation. */
        name: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,256}$/, 'use 1-256 letters, digits, ".", "_" or "-"')
          .refine((s) => s !== 'default', 'the default bus cannot be the pipeline bus')
          .optional(),
        /** Days the archive keeps events for replay; 0 keeps them indefinitely. */
        archiveRetentionDays: z.number().int().min(0).default(30),
        /**
         * A customer managed KMS key (key ARN) to encrypt the bus and its archive with. Default: EventBridge's
         * AWS owned key. The key policy must let `events.amazonaws.com` use it (see docs/SECURITY.md).
         */
        kmsKeyArn: z
          .string()
          .superRefine((value, ctx) => {
            const problem = arnProblem('kmsKey', value);
            if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
          })
          .optional(),
      })
      .strict()
      .prefault({}),
    functions: z
      .object({
        logRetentionDays: z
          .union([
            z.literal(1),
            z.literal(3),
            z.literal(5),
            z.literal(7),
            z.literal(14),
            z.literal(30),
            z.literal(60),
            z.literal(90),
            z.literal(180),
            z.literal(365),
          ])
          .default(30),
        // 512 MB (0.29 vCPU) halves the cold start of 256 MB for about 0.03 USD per million callbacks: docs/COST.md.
        ingestMemoryMb: memoryMb(512),
        normalizeMemoryMb: memoryMb(512),
        normalizeTimeoutSeconds: z.number().int().min(3).max(900).default(30),
      })
      .strict()
      .prefault({}),
    recovery: z
      .object({
        /**
         * Run the failure poller (retry-failures). Off by default: it needs a bunq API key, which you put in
         * its secret after the first deploy.
         */
        enabled: z.boolean().default(false),
        /** Minutes between two polls of bunq's failed callbacks. */
        scheduleMinutes: scheduleMinutes(),
        /** Retries per failed callback before the poller gives up on it (and counts RetriesExhausted). */
        maxAttempts: z.number().int().min(1).max(100).default(5),
        /** bunq API base URL including /v1. Default: production or sandbox, after `environment`. */
        bunqBaseUrl: z
          .string()
          .regex(
            /^https:\/\/[^\s/]+(\/[^\s]*)?\/v1$/,
            'use an https URL ending in /v1, e.g. https://api.bunq.com/v1',
          )
          .optional(),
        /** Days a failure's attempt record is kept after its last change. */
        attemptTtlDays: z.number().int().min(1).max(365).default(30),
        memoryMb: memoryMb(256),
        /** Longest time one poll may take; less than the schedule, so polls never overlap. */
        timeoutSeconds: z.number().int().min(10).max(900).default(120),
        /**
         * The reconciler (needs `enabled`): reads bunq's event listing and publishes the callbacks bunq never
         * sent and never reported (marked `recoveredBy: "reconciliation"`), and checks our filters for drift.
         */
        reconcile: z
          .object({
            /** Off by default; it shares the poller's bunq API key. */
            enabled: z.boolean().default(false),
            /** Minutes between two runs. */
            scheduleMinutes: scheduleMinutes(),
            /** Minutes after an event before it is settled: longer than bunq's six tries a minute apart. */
            graceMinutes: z.number().int().min(6).max(1_440).default(10),
            /** What `register` set up: the categories per scope (user level, or one monetary account). */
            filters: z
              .array(
                z
                  .object({
                    monetaryAccountId: z.number().int().positive().nullable().default(null),
                    categories: z.array(z.string().min(1)).min(1),
                  })
                  .strict(),
              )
              .default([]),
            /** Re-apply missing filters with register's read-merge-write (others' filters kept). */
            repairFilters: z.boolean().default(false),
            /** Longest time one run may take; less than the schedule. */
            timeoutSeconds: z.number().int().min(10).max(900).default(120),
          })
          .strict()
          .superRefine((reconcile, ctx) => {
            if (reconcile.enabled && reconcile.filters.length === 0) {
              ctx.addIssue({
                code: 'custom',
                path: ['filters'],
                message:
                  'name the categories register set up, e.g. [{"categories": ["MUTATION"]}], so the reconciler knows what to expect',
              });
            }
            timeoutBelowSchedule(reconcile, ctx, 'runs');
          })
          .prefault({}),
      })
      .strict()
      .superRefine((recovery, ctx) => timeoutBelowSchedule(recovery, ctx, 'polls'))
      .prefault({}),
    /**
     * A custom domain for the callback endpoint, with a certificate you control, so it can be pinned at bunq
     * (the default `execute-api` hostname serves a certificate AWS rotates without notice). Default: none.
     */
    customDomain: customDomainSchema.optional(),
    /**
     * Partner onboarding (off unless set): each provisioned user whose `PARTNER_USER_PROVISION` callback
     * shows it active with an accepted OAuth request gets our filters for `categories`, at its own callback
     * URL, and an entry in the fleet registry. The partner's OAuth client id and secret go in the secret the
     * stack creates (`OAuthClientSecretArn` output). See docs/PARTNERS.md.
     */
    partnerOnboarding: z
      .object({
        /** The categories to register for every provisioned user, e.g. ["MUTATION"]. */
        categories: z.array(z.string().min(1)).min(1, 'list at least one category, e.g. ["MUTATION"]'),
        /** bunq's OAuth token endpoint. Default: bunq's, after `environment`. */
        oauthTokenUrl: z
          .string()
          .regex(
            /^https:\/\/[^\s/]+(\/[^\s]*)?$/,
            'use an https URL, e.g. https://api.oauth.bunq.com/v1/token',
          )
          .optional(),
        /**
         * Whether bunq counts its rate limits per source `address` (what bunq documents) or per `session`,
         * for the CLI's `fleet` commands, which share one rate gate across users. Default: address.
         */
        rateLimitScope: z.enum(RATE_LIMIT_SCOPES).default('address'),
        /** Deliveries of one onboarding before it is parked on its dead-letter queue (and alarmed). */
        maxReceiveCount: z.number().int().min(1).max(100).default(5),
        memoryMb: memoryMb(256),
        /** Longest time one onboarding batch may take. */
        timeoutSeconds: z.number().int().min(10).max(900).default(60),
      })
      .strict()
      .optional(),
    /** Rules on the pipeline's bus, one per route, each to one team's target (see `shared/routing`). */
    routes: routesSchema,
    /** Alarms (to one SNS topic), their thresholds, and the dashboard. */
    monitoring: monitoringConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const minVisibility =
      config.functions.normalizeTimeoutSeconds * 6 + config.queue.maxBatchingWindowSeconds;
    if (config.queue.visibilityTimeoutSeconds < minVisibility) {
      ctx.addIssue({
        code: 'custom',
        path: ['queue', 'visibilityTimeoutSeconds'],
        message: `must be at least 6 times functions.normalizeTimeoutSeconds plus queue.maxBatchingWindowSeconds (${minVisibility}), as AWS recommends for SQS event sources`,
      });
    }
    if (config.queue.batchSize > 10 && config.queue.maxBatchingWindowSeconds < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['queue', 'maxBatchingWindowSeconds'],
        message: `must be at least 1 when queue.batchSize is over 10 (${config.queue.batchSize}): Lambda requires a window for such batches`,
      });
    }
    if (config.queue.retryBackoffMaxSeconds < config.queue.retryBackoffBaseSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['queue', 'retryBackoffMaxSeconds'],
        message: `must be at least queue.retryBackoffBaseSeconds (${config.queue.retryBackoffBaseSeconds})`,
      });
    }
    const signature = config.ingest.callbackSignature;
    if (
      signature.mode === 'enforce' &&
      signature.serverPublicKeyPem === undefined &&
      !config.recovery.enabled
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingest', 'callbackSignature', 'serverPublicKeyPem'],
        message:
          "enforce needs a key: set serverPublicKeyPem, or enable recovery so the installation's key is used",
      });
    }
    const archiveDays = config.eventBus.archiveRetentionDays;
    // A replayed event must still find its stored object. (0 is an indefinite archive: no expiry matches it.)
    if (archiveDays !== 0 && config.claimCheck.expirationDays < archiveDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['claimCheck', 'expirationDays'],
        message: `must be at least eventBus.archiveRetentionDays (${archiveDays}) so replayed events find their objects`,
      });
    }
  });

export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
type ParsedConfig = z.output<typeof pipelineConfigSchema>;

/** The validated configuration with every default resolved. */
export type PipelineConfig = ParsedConfig & {
  readonly ingest: ParsedConfig['ingest'] & { readonly allowedSourceCidrs: string[] };
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/**
 * Validates a configuration document. Throws a {@link ConfigError} that lists every problem, each as
 * `field.path: what is wrong`, with `source` (a file name) in the message.
 */
export function parsePipelineConfig(input: unknown, source = 'configuration'): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      return `${path}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid ${source}:\n  - ${issues.join('\n  - ')}`, issues);
  }
  const config = result.data;
  const allowedSourceCidrs = config.ingest.allowedSourceCidrs ?? [
    ...(config.environment === 'production' ? BUNQ_PRODUCTION_CIDRS : ANY_SOURCE_CIDRS),
  ];
  return { ...config, ingest: { ...config.ingest, allowedSourceCidrs } };
}

/** The bunq API the failure poller calls: `recovery.bunqBaseUrl`, else bunq's API for `environment`. */
export function recoveryBunqBaseUrl(config: PipelineConfig): string {
  return (
    config.recovery.bunqBaseUrl ??
    (config.environment === 'production' ? BUNQ_PRODUCTION_BASE_URL : BUNQ_SANDBOX_BASE_URL)
  );
}

/** The OAuth token endpoint of partner onboarding: configured, else bunq's for `environment`. */
export function oauthTokenUrl(config: PipelineConfig): string {
  return (
    config.partnerOnboarding?.oauthTokenUrl ??
    (config.environment === 'production' ? BUNQ_OAUTH_TOKEN_URL : BUNQ_SANDBOX_OAUTH_TOKEN_URL)
  );
}
