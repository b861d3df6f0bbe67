/**
 * One reconcile invocation with partner onboarding: the partner's own user as before, then the fleet (the
 * registry's users, on a budget). Each runs whatever the other did; an error of either is rethrown after
 * both ran, as the single run's is.
 */
import type { Context } from 'aws-lambda';
import type { FleetReconcileReport } from '../../shared/pipeline/reconcile/fleet';
import type { ReconcileReport } from '../../shared/pipeline/reconcile/reconcile';
import type { ScheduledHandler } from '../handlers/scheduled-run';

export interface ReconcileAndFleetReport {
  readonly own: ReconcileReport | null;
  readonly fleet: FleetReconcileReport | null;
}

/** `own` then `fleet` (when there is a fleet); `invoked` is told when each invocation starts (the budget's zero). */
export function composeReconcileAndFleet(
  own: ScheduledHandler<ReconcileReport>,
  fleet: ScheduledHandler<FleetReconcileReport> | null,
  invoked: (at: number) => void = () => undefined,
): ScheduledHandler<ReconcileAndFleetReport> {
  return async (event?: unknown, context?: Context) => {
    invoked(Date.now());
    const errors: unknown[] = [];
    const settle = <T>(run: Promise<T>): Promise<T | null> =>
      run.catch((error: unknown) => {
        errors.push(error);
        return null;
      });
    const ownReport = await settle(own(event, context));
    const fleetReport = fleet === null ? null : await settle(fleet(event, context));
    if (errors.length > 0) throw errors[0];
    return { own: ownReport, fleet: fleetReport };
  };
}
