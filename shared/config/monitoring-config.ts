/**
 * The `monitoring` section of the pipeline configuration: where alarms go, whether there is a dashboard, and
 * the threshold of every alarm. A threshold is "alarm when the value is above this" unless its doc says
 * otherwise; the defaults alarm on the first lost or stuck callback.
 */
import { z } from 'zod';

const count = (fallback: number) => z.number().int().min(0).default(fallback);

export const alarmThresholdsSchema = z
  .object({
    /** Failed callbacks bunq lists that are neither arrived nor given up (`FailedCallbacksOutstanding`). */
    failedCallbacksOutstanding: count(0),
    /** ...for this many minutes in a row before the backlog alarm fires. */
    failedCallbacksOutstandingMinutes: z.number().int().min(5).max(1_440).default(15),
    /** Failed callbacks the poller gave up on (`RetriesExhausted`) per period. */
    retriesExhausted: count(0),
    /** The poller-heartbeat alarm fires when this many polls in a row left no `PollerHeartbeat`. */
    pollerHeartbeatMissedPolls: z.number().int().min(1).max(10).default(2),
    /** The poll-errors alarm fires when this many polls in a row reported `PollErrors`. */
    pollErrorsConsecutivePolls: z.number().int().min(1).max(10).default(3),
    /** Age in seconds of the oldest message on the callbacks queue (normally a few seconds). */
    callbackQueueAgeSeconds: z.number().int().min(60).max(1_209_600).default(900),
    /** Messages on any dead-letter queue (the pipeline's and each route's). */
    deadLetterQueueMessages: count(0),
    /** Errors of any one function per period. */
    functionErrors: count(0),
    /** Throttled invocations of any one function per period. */
    functionThrottles: count(0),
    /** 5xx answers of the callback endpoint per period (503 = the queue refused a callback; bunq retries). */
    api5xx: count(0),
    /** Deliveries a route's rule failed for good (after its retry policy) per period. */
    ruleFailedInvocations: count(0),
    /** Callbacks the normalizer parked on the dead-letter queue (`DeadLettered`, every reason) per period. */
    deadLettered: count(0),
    /** Rejected callbacks (`CallbacksRejected`, every reason) per period: a spike means a token or range problem, or a scan. */
    rejectedCallbacks: count(20),
  })
  .strict();

export const monitoringConfigSchema = z
  .object({
    /** Create the alarms, their SNS topic and the dashboard. */
    enabled: z.boolean().default(true),
    /** E-mail addresses subscribed to the alarm topic (each confirms the subscription once). */
    alarmEmails: z.array(z.email('use an e-mail address, e.g. ops@example.com')).max(10).default([]),
    /** Create the CloudWatch dashboard. */
    dashboard: z.boolean().default(true),
    /** Period of the count alarms, in minutes. */
    periodMinutes: z
      .union([z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)])
      .default(5),
    thresholds: alarmThresholdsSchema.prefault({}),
  })
  .strict();

export type MonitoringConfig = z.output<typeof monitoringConfigSchema>;
export type AlarmThresholds = z.output<typeof alarmThresholdsSchema>;
