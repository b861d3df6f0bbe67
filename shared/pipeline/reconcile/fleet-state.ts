/**
 * The fleet reconciler's pass and visit state kept between runs (DynamoDB in Lambda:
 * `functions/commons/fleet-reconcile-state.ts`; SQLite locally: `local/sqlite/fleet-reconcile-state.ts`), so
 * a run cut short by a timeout or a restart keeps what it did and the next run continues the pass.
 *
 * Stored: one visit record per user (`visitedAt`, `active`, `drifted`, and the number of the pass it was in),
 * written as each visit finishes, and one pass record (`startedAt`, null between passes, and the number of
 * the latest pass). The users visited in the pass under way are those whose visit carries its number: a
 * number rather than a time, so two passes that start in the same millisecond, or clocks that differ
 * between instances, cannot mix them up.
 */
import {
  emptyFleetMemory,
  type FleetReconcileMemory,
  type FleetReconcilePersistence,
  type FleetVisit,
} from './fleet';

/** The pass and visits, loaded per run and written as the run goes. */
export interface FleetReconcileStateStore extends FleetReconcilePersistence {
  /** The memory for `userIds` (the registry's users; visits of others are not read). */
  load(userIds: readonly number[]): Promise<FleetReconcileMemory>;
}

/** One user's stored visit. */
export interface StoredFleetVisit extends FleetVisit {
  /** The number of the pass the visit was in. */
  readonly pass: number;
}

/** The stored pass record. */
export interface StoredFleetPass {
  /** When the pass under way started (ms), or null between passes. */
  readonly startedAt: number | null;
  /** The number of the latest pass (0 before the first). */
  readonly pass: number;
}

/** What a store adapter reads and writes; {@link fleetStateStore} does the pass numbering. */
export interface FleetStateRecords {
  loadPass(): Promise<StoredFleetPass | null>;
  loadVisits(userIds: readonly number[]): Promise<Map<number, StoredFleetVisit>>;
  savePass(pass: StoredFleetPass): Promise<void>;
  saveVisit(userId: number, visit: StoredFleetVisit): Promise<void>;
}

/** The memory from the stored records: `passVisited` is the users whose visit is in the pass under way. */
export function fleetMemoryFrom(
  pass: StoredFleetPass | null,
  visits: ReadonlyMap<number, StoredFleetVisit>,
): FleetReconcileMemory {
  const memory = emptyFleetMemory();
  memory.passStartedAt = pass?.startedAt ?? null;
  for (const [userId, { visitedAt, active, drifted, pass: number }] of visits) {
    memory.visits.set(userId, { visitedAt, active, drifted });
    if (pass !== null && pass.startedAt !== null && number === pass.pass) memory.passVisited.add(userId);
  }
  return memory;
}

/**
 * A state store over `records`. Runs of one reconciler never overlap (reserved concurrency 1 in Lambda,
 * one loop locally), so the pass number read by `load` is the one the run's writes carry.
 */
export function fleetStateStore(records: FleetStateRecords): FleetReconcileStateStore {
  let current: StoredFleetPass = { startedAt: null, pass: 0 };
  return {
    async load(userIds) {
      const [pass, visits] = await Promise.all([records.loadPass(), records.loadVisits(userIds)]);
      current = pass ?? { startedAt: null, pass: 0 };
      return fleetMemoryFrom(pass, visits);
    },
    async savePass(startedAt) {
      const next = startedAt === null ? { ...current, startedAt } : { startedAt, pass: current.pass + 1 };
      await records.savePass(next);
      current = next;
    },
    saveVisit: (userId, visit) => records.saveVisit(userId, { ...visit, pass: current.pass }),
  };
}

/** State in memory only (the bench, tests): `memory` itself, carried from run to run. */
export function memoryFleetStateStore(memory: FleetReconcileMemory = emptyFleetMemory()) {
  return {
    memory,
    load: async () => memory,
    savePass: async () => undefined,
    saveVisit: async () => undefined,
  } satisfies FleetReconcileStateStore & { memory: FleetReconcileMemory };
}
