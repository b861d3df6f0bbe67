/**
 * The reconcile function's fleet contract: the environment variables the CDK stack sets only with partner
 * onboarding (the reconciler then reconciles every provisioned user too), and the key prefix of its pass and
 * visit items in the recovery table (next to the cursors `reconcile#<userId>`).
 */
import { ONBOARD_ENV } from './function-env';

export const RECONCILE_FLEET_ENV = {
  /** The fleet registry table; its presence turns the fleet reconcile on. */
  fleetTableName: ONBOARD_ENV.fleetTableName,
  /** `address` or `session`: what bunq's rate limits are counted per (`partnerOnboarding.rateLimitScope`). */
  rateLimitScope: 'FLEET_RATE_LIMIT_SCOPE',
  /** Milliseconds a run may spend starting users: under the function's timeout, with headroom. */
  budgetMs: 'FLEET_RECONCILE_BUDGET_MS',
} as const;

/**
 * Items of the fleet reconciler in the recovery table: `<prefix>pass` (the pass under way) and
 * `<prefix>visit#<userId>` (a user's last visit). No `expiration`: losing them restarts the pass, nothing worse.
 */
export const FLEET_RECONCILE_KEY_PREFIX = 'fleet-reconcile#';
