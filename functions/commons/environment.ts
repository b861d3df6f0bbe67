/**
 * Each function's settings and resources, read once from the environment the CDK stack sets (names in
 * `shared/wiring/function-env.ts`). A missing or malformed variable throws at cold start with its name.
 * zod/mini: this module is in every bundle, the ingest's too; mini tree-shakes to a few KB (zod: ~450 KB).
 */
import * as z from 'zod/mini';
import {
  CALLBACK_SIGNATURE_MODES,
  type CallbackSignatureMode,
} from '../../shared/pipeline/ingest/callback-signature';
import {
  INGEST_ENV,
  NORMALIZE_ENV,
  RECONCILE_ENV,
  RETRY_FAILURES_ENV,
} from '../../shared/wiring/function-env';
import type { IngestSettings } from '../compose/ingest';
import type { NormalizeSettings } from '../compose/normalize';
import type { ReconcileSettings } from '../compose/reconcile';
import type { RetryFailuresSettings } from '../compose/retry-failures';
import { listEnv, optionalBaseUrlEnv, optionalEnv, requireEnv, requireIntEnv } from './env';

type Env = NodeJS.ProcessEnv;

export function ingestEnvironment(env: Env = process.env) {
  const settings: IngestSettings = {
    allowedSourceCidrs: listEnv(INGEST_ENV.allowedSourceCidrs, env),
    maxBodyBytes: requireIntEnv(INGEST_ENV.maxBodyBytes, env),
    callbackSignature: signatureSettings(env),
  };
  return {
    settings,
    /** The poller's state secret, read for the server public key; only when no key is configured. */
    signatureKeyStateSecretArn: optionalEnv(INGEST_ENV.signatureKeyStateSecretArn, env),
    queueUrl: requireEnv(INGEST_ENV.queueUrl, env),
    /** The onboarding queue; only with partner onboarding. */
    onboardingQueueUrl: optionalEnv(INGEST_ENV.onboardingQueueUrl, env),
    tokenSecretArn: requireEnv(INGEST_ENV.tokenSecretArn, env),
    tokenCacheSeconds: requireIntEnv(INGEST_ENV.tokenCacheSeconds, env),
  };
}

function signatureSettings(env: Env): NonNullable<IngestSettings['callbackSignature']> {
  const mode = optionalEnv(INGEST_ENV.callbackSignatureMode, env) ?? 'off';
  if (!(CALLBACK_SIGNATURE_MODES as readonly string[]).includes(mode)) {
    throw new Error(`${INGEST_ENV.callbackSignatureMode} is "${mode}"; use off, log or enforce.`);
  }
  const serverPublicKeyPem = optionalEnv(INGEST_ENV.serverPublicKeyPem, env);
  return {
    mode: mode as CallbackSignatureMode,
    ...(serverPublicKeyPem === undefined ? {} : { serverPublicKeyPem }),
  };
}

export function normalizeEnvironment(env: Env = process.env) {
  const settings: NormalizeSettings = {
    eventSource: requireEnv(NORMALIZE_ENV.eventSource, env),
    dedupeTtlSeconds: requireIntEnv(NORMALIZE_ENV.dedupeTtlSeconds, env),
    backoff: {
      baseSeconds: requireIntEnv(NORMALIZE_ENV.retryBackoffBaseSeconds, env),
      maxSeconds: requireIntEnv(NORMALIZE_ENV.retryBackoffMaxSeconds, env),
    },
    recordArrivals: requireEnv(NORMALIZE_ENV.recordArrivals, env) === 'true',
  };
  return {
    settings,
    eventBusName: requireEnv(NORMALIZE_ENV.eventBusName, env),
    deadLetterQueueUrl: requireEnv(NORMALIZE_ENV.deadLetterQueueUrl, env),
    callbackQueueUrl: requireEnv(NORMALIZE_ENV.callbackQueueUrl, env),
    dedupeTableName: requireEnv(NORMALIZE_ENV.dedupeTableName, env),
    claimCheckBucket: requireEnv(NORMALIZE_ENV.claimCheckBucket, env),
  };
}

export function retryFailuresEnvironment(env: Env = process.env) {
  const settings: RetryFailuresSettings = { maxAttempts: requireIntEnv(RETRY_FAILURES_ENV.maxAttempts, env) };
  return {
    settings,
    bunqStateSecretArn: requireEnv(RETRY_FAILURES_ENV.bunqStateSecretArn, env),
    bunqBaseUrl: requireEnv(RETRY_FAILURES_ENV.bunqBaseUrl, env),
    tableName: requireEnv(RETRY_FAILURES_ENV.tableName, env),
    attemptTtlSeconds: requireIntEnv(RETRY_FAILURES_ENV.attemptTtlSeconds, env),
    /** The custom domain whose certificate is checked against bunq's pins; absent without one. */
    certificateCheckHost: optionalEnv(RETRY_FAILURES_ENV.certificateCheckHost, env),
    /** Our callback base URL, set only with partner onboarding (the poller then attributes the fleet's failures). */
    callbackBaseUrl: optionalBaseUrlEnv(RETRY_FAILURES_ENV.callbackBaseUrl, env),
  };
}

const scopesSchema = z.array(
  z.object({
    monetaryAccountId: z.nullable(z.int().check(z.positive())),
    categories: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  }),
);

export function reconcileEnvironment(env: Env = process.env) {
  const settings: ReconcileSettings = {
    graceMs: requireIntEnv(RECONCILE_ENV.graceMs, env),
    repairFilters: requireEnv(RECONCILE_ENV.repairFilters, env) === 'true',
  };
  const scopesText = requireEnv(RECONCILE_ENV.expectedFilters, env);
  const scopes = scopesSchema.safeParse(JSON.parse(scopesText));
  if (!scopes.success) {
    throw new Error(
      `${RECONCILE_ENV.expectedFilters} must be JSON [{"monetaryAccountId": null, "categories": ["MUTATION"]}]; got ${scopesText}.`,
    );
  }
  return {
    settings,
    scopes: scopes.data,
    bunqStateSecretArn: requireEnv(RECONCILE_ENV.bunqStateSecretArn, env),
    bunqBaseUrl: requireEnv(RECONCILE_ENV.bunqBaseUrl, env),
    tableName: requireEnv(RECONCILE_ENV.tableName, env),
    attemptTtlSeconds: requireIntEnv(RECONCILE_ENV.attemptTtlSeconds, env),
    callbackQueueUrl: requireEnv(RECONCILE_ENV.callbackQueueUrl, env),
    callbackBaseUrl: requireEnv(RECONCILE_ENV.callbackBaseUrl, env),
    /** Set only for a reconciler that repairs filters. */
    tokenSecretArn: optionalEnv(RECONCILE_ENV.tokenSecretArn, env) ?? null,
  };
}
