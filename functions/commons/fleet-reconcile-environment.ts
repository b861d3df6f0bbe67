/**
 * The reconcile function's fleet settings (names in `RECONCILE_FLEET_ENV` of
 * `shared/wiring/fleet-reconcile.ts`): null without the fleet table, i.e. without partner onboarding. A
 * malformed value throws at cold start with its name.
 */
import { RATE_LIMIT_SCOPES, type RateLimitScope } from '../../shared/bunq/api/rate-gate';
import { RECONCILE_FLEET_ENV } from '../../shared/wiring/fleet-reconcile';
import { optionalEnv, requireEnv, requireIntEnv } from './env';

export interface FleetReconcileEnvironment {
  readonly fleetTableName: string;
  readonly rateLimitScope: RateLimitScope;
  /** Milliseconds an invocation may spend before it stops starting users. */
  readonly budgetMs: number;
}

export function fleetReconcileEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): FleetReconcileEnvironment | null {
  const fleetTableName = optionalEnv(RECONCILE_FLEET_ENV.fleetTableName, env);
  if (fleetTableName === undefined) return null;
  const scope = requireEnv(RECONCILE_FLEET_ENV.rateLimitScope, env);
  if (!(RATE_LIMIT_SCOPES as readonly string[]).includes(scope)) {
    throw new Error(
      `${RECONCILE_FLEET_ENV.rateLimitScope} is "${scope}"; use ${RATE_LIMIT_SCOPES.join(' or ')}.`,
    );
  }
  return {
    fleetTableName,
    rateLimitScope: scope as RateLimitScope,
    budgetMs: requireIntEnv(RECONCILE_FLEET_ENV.budgetMs, env),
  };
}
