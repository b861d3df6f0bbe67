/**
 * The reconciler for a partner's fleet (the core; no Lambda or AWS types): one {@link reconcile} run per
 * provisioned user in the fleet registry, each on that user's own bunq context and callback URL
 * (`/callbacks/{token}/u/{userId}`), all within bunq's rate limits (the caller gates every client's calls
 * through one `RateGate`, per address or per session: `shared/bunq/api/rate-gate.ts`).
 *
 * Order, fairly: users whose filters drifted (or never got registered) first, then users never visited,
 * then the rest by when they were last visited, where a user that had new events last time counts as
 * visited `activeBoostMs` earlier than it was. So active users come round sooner, and a quiet user still
 * rises as it waits: nobody is starved, whatever the budget. With a `budgetMs` a run stops starting users
 * once it is spent, and the next run goes on where the order says; users already visited in the pass under
 * way come last, so a pass always ends.
 *
 * A pass is done once every user of the fleet has been visited; its length is the cycle time
 * (`ReconcileCycleSeconds`): how long a callback bunq never sent can stay unnoticed for one user, at most.
 */
import type { FleetEntry } from '../../fleet/registry';
import { ownsUnder, userCallbackUrl } from '../onboard/ports';
import type { ExpectedFilters } from './ports';
import type { ReconcileReport } from './reconcile';

/** What the fleet reconciler remembers of one user between runs. */
export interface FleetVisit {
  /** When it was last visited (ms since the epoch). */
  readonly visitedAt: number;
  /** Whether that visit read new events. */
  readonly active: boolean;
  /** Whether that visit found our filters missing or changed (or could not read them). */
  readonly drifted: boolean;
}

/** Visits by user id, and the start of the pass under way. In memory, or kept between invocations. */
export interface FleetReconcileMemory {
  readonly visits: Map<number, FleetVisit>;
  /** When the pass under way started (ms), or null before the first. */
  passStartedAt: number | null;
  /** Users visited in the pass under way. */
  readonly passVisited: Set<number>;
}

export function emptyFleetMemory(): FleetReconcileMemory {
  return { visits: new Map(), passStartedAt: null, passVisited: new Set() };
}

/** How much sooner an active user comes round. @default 15 minutes */
export const DEFAULT_ACTIVE_BOOST_MS = 15 * 60_000;

/** The fleet in the order to visit it (see the module doc). */
export function fleetVisitOrder(
  entries: readonly FleetEntry[],
  memory: FleetReconcileMemory,
  activeBoostMs = DEFAULT_ACTIVE_BOOST_MS,
): FleetEntry[] {
  const rank = (entry: FleetEntry): [number, number] => {
    const visit = memory.visits.get(entry.userId);
    // Visited in the pass under way: last, so a pass always ends (even with drifted users it cannot fix).
    if (memory.passVisited.has(entry.userId)) return [3, visit?.visitedAt ?? 0];
    if (entry.filterState !== 'registered' || visit?.drifted === true) return [0, visit?.visitedAt ?? 0];
    if (visit === undefined) return [1, 0];
    return [2, visit.visitedAt - (visit.active ? activeBoostMs : 0)];
  };
  return entries
    .map((entry) => ({ entry, rank: rank(entry) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.entry.userId - b.entry.userId)
    .map(({ entry }) => entry);
}

/** The filters the onboarding registered for one user: its categories at user level, to its own URL. */
export function fleetExpectedFilters(entry: FleetEntry, baseUrl: string, token: string): ExpectedFilters {
  return {
    target: userCallbackUrl(baseUrl, token, entry.userId),
    owns: ownsUnder(baseUrl),
    scopes: [{ monetaryAccountId: null, categories: entry.categories }],
  };
}

export interface FleetReconcileDependencies {
  /** The fleet (the registry's entries). */
  readonly entries: readonly FleetEntry[];
  /** One user's run, on its own bunq client (gated) and {@link fleetExpectedFilters}. */
  readonly reconcileUser: (entry: FleetEntry) => Promise<ReconcileReport>;
  readonly memory: FleetReconcileMemory;
  /** Users reconciled at once. With `address` scope more mostly waits on the shared gate. @default 4 */
  readonly concurrency?: number;
  /** Stop starting users after this many ms. @default no budget (every user) */
  readonly budgetMs?: number;
  /** @default DEFAULT_ACTIVE_BOOST_MS */
  readonly activeBoostMs?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /**
   * Where each visit is written as it finishes, and the pass's start and end, so a run cut short (a Lambda
   * timeout, a restart) keeps what it did. A failed write counts in `errors`. @default none (memory only)
   */
  readonly persist?: FleetReconcilePersistence;
}

/** The writes that keep {@link FleetReconcileMemory} between runs (see `fleet-state.ts`). */
export interface FleetReconcilePersistence {
  saveVisit(userId: number, visit: FleetVisit): Promise<void>;
  /** A pass started at `startedAt` (ms), or the pass under way ended (`null`). */
  savePass(startedAt: number | null): Promise<void>;
}

/** What one fleet run did. */
export interface FleetReconcileReport {
  readonly users: number;
  readonly visited: number;
  /** Users found drifted in this run. */
  readonly drifted: number;
  /** Sum of the users' `filterDrift` (filters missing or changed). */
  readonly filterDrift: number;
  readonly missedByBunq: number;
  readonly failureRetries: number;
  readonly filtersRepaired: number;
  /** Sum of the users' `errors`. */
  readonly errors: number;
  /** Milliseconds this run took. */
  readonly runMs: number;
  /** The length of the pass this run completed (ms), or null when the pass goes on in a later run. */
  readonly cycleMs: number | null;
}

/** A report of nothing done (a run that could not start adds its error). */
export function emptyFleetReconcileReport(): FleetReconcileReport {
  const zero = { visited: 0, drifted: 0, filterDrift: 0, missedByBunq: 0, failureRetries: 0 };
  return { users: 0, ...zero, filtersRepaired: 0, errors: 0, runMs: 0, cycleMs: null };
}

export async function reconcileFleet(deps: FleetReconcileDependencies): Promise<FleetReconcileReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  const { memory } = deps;
  const known = new Set(deps.entries.map((entry) => entry.userId));
  const { users: _, runMs: __, cycleMs: ___, ...totals } = emptyFleetReconcileReport();
  const persisted = async (write: (persist: FleetReconcilePersistence) => Promise<void>) => {
    if (deps.persist === undefined) return;
    await write(deps.persist).catch(() => {
      totals.errors += 1;
    });
  };
  if (memory.passStartedAt === null) {
    memory.passStartedAt = started;
    await persisted((persist) => persist.savePass(started));
  }
  for (const userId of memory.passVisited) if (!known.has(userId)) memory.passVisited.delete(userId);
  const order = fleetVisitOrder(deps.entries, memory, deps.activeBoostMs);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < order.length) {
      if (deps.budgetMs !== undefined && now() - started >= deps.budgetMs) return;
      const entry = order[next] as FleetEntry;
      next += 1;
      const report = await deps.reconcileUser(entry);
      const drifted = !report.filtersRead || report.filterDrift > report.filtersRepaired;
      const visit: FleetVisit = { visitedAt: now(), active: report.eventsRead > 0, drifted };
      memory.visits.set(entry.userId, visit);
      memory.passVisited.add(entry.userId);
      await persisted((persist) => persist.saveVisit(entry.userId, visit));
      totals.visited += 1;
      totals.drifted += report.filterDrift > 0 ? 1 : 0;
      totals.filterDrift += report.filterDrift;
      totals.missedByBunq += report.missedByBunq;
      totals.failureRetries += report.failureRetries;
      totals.filtersRepaired += report.filtersRepaired;
      totals.errors += report.errors;
    }
  };
  const workers = Math.max(1, Math.min(deps.concurrency ?? 4, order.length));
  await Promise.all(Array.from({ length: workers }, worker));
  const finished = now();
  let cycleMs: number | null = null;
  if ([...known].every((userId) => memory.passVisited.has(userId))) {
    cycleMs = finished - (memory.passStartedAt ?? started);
    memory.passStartedAt = null;
    memory.passVisited.clear();
    await persisted((persist) => persist.savePass(null));
  }
  return { users: deps.entries.length, ...totals, runMs: finished - started, cycleMs };
}
