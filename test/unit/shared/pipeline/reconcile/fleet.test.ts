/**
 * The fleet reconciler's order and passes (fake per-user runs on a manual clock), and the shared rate gate
 * that keeps a fleet's clients within bunq's limits per address or per session.
 */
import { ManualClock } from '../../../../../shared/bunq/api/clock';
import { createRateGate } from '../../../../../shared/bunq/api/rate-gate';
import type { FleetEntry } from '../../../../../shared/fleet/registry';
import {
  emptyFleetMemory,
  fleetExpectedFilters,
  fleetVisitOrder,
  reconcileFleet,
} from '../../../../../shared/pipeline/reconcile/fleet';
import {
  emptyReconcileReport,
  type ReconcileReport,
} from '../../../../../shared/pipeline/reconcile/reconcile';

const entry = (userId: number, overrides: Partial<FleetEntry> = {}): FleetEntry => ({
  userId,
  provisionId: userId + 1000,
  credentialsRef: `fleet/provision-${userId + 1000}`,
  categories: ['MUTATION'],
  filterState: 'registered',
  reconcileCursorRef: `reconcile#${userId}`,
  onboardedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const report = (overrides: Partial<ReconcileReport> = {}): ReconcileReport => ({
  ...emptyReconcileReport(),
  filtersRead: true,
  ...overrides,
});

/** A fake per-user run: records the user in `visited`, takes 1 s on `clock`, answers `reportFor(userId)`. */
const timedRun =
  (clock: ManualClock, visited: number[], reportFor: (userId: number) => ReconcileReport) =>
  async (user: FleetEntry): Promise<ReconcileReport> => {
    visited.push(user.userId);
    await clock.sleep(1_000);
    return reportFor(user.userId);
  };

describe('fleetVisitOrder', () => {
  it('puts drifted users first, then never visited, then the longest waiting, active ones sooner', () => {
    const memory = emptyFleetMemory();
    memory.visits.set(1, { visitedAt: 10_000, active: false, drifted: false });
    memory.visits.set(2, { visitedAt: 20_000, active: true, drifted: false });
    memory.visits.set(3, { visitedAt: 30_000, active: false, drifted: true });
    memory.visits.set(4, { visitedAt: 5_000, active: false, drifted: false });
    const entries = [entry(1), entry(2), entry(3), entry(4), entry(5), entry(6, { filterState: 'failed' })];
    const order = fleetVisitOrder(entries, memory, 12_000).map((e) => e.userId);
    // 6 and 3 drifted; 5 never visited; then by visit time, 2 (active) counting as 8,000.
    expect(order).toEqual([6, 3, 5, 4, 2, 1]);
  });

  it('puts users already visited in the pass under way last', () => {
    const memory = emptyFleetMemory();
    memory.visits.set(1, { visitedAt: 1, active: false, drifted: true });
    memory.passVisited.add(1);
    expect(fleetVisitOrder([entry(1), entry(2)], memory).map((e) => e.userId)).toEqual([2, 1]);
  });
});

describe('reconcileFleet', () => {
  it('visits every user once per pass and reports the cycle time', async () => {
    const clock = new ManualClock(0);
    const visited: number[] = [];
    const result = await reconcileFleet({
      entries: [entry(1), entry(2), entry(3)],
      memory: emptyFleetMemory(),
      concurrency: 1,
      now: () => clock.now(),
      reconcileUser: timedRun(clock, visited, (userId) => report({ missedByBunq: userId === 2 ? 1 : 0 })),
    });
    expect(visited).toEqual([1, 2, 3]);
    expect(result).toMatchObject({ users: 3, visited: 3, missedByBunq: 1, cycleMs: 3_000, runMs: 3_000 });
  });

  it('with a budget, goes on where it stopped and ends the pass in a later run (nobody starved)', async () => {
    const clock = new ManualClock(0);
    const memory = emptyFleetMemory();
    const visited: number[] = [];
    const run = () =>
      reconcileFleet({
        entries: [entry(1), entry(2), entry(3), entry(4)],
        memory,
        concurrency: 1,
        budgetMs: 2_000,
        now: () => clock.now(),
        // User 1 stays drifted: it must not keep the others waiting.
        reconcileUser: timedRun(clock, visited, (userId) => report({ filterDrift: userId === 1 ? 1 : 0 })),
      });
    expect((await run()).cycleMs).toBeNull();
    const second = await run();
    expect(visited).toEqual([1, 2, 3, 4]);
    expect(second.cycleMs).toBe(4_000);
    await run();
    expect(visited.slice(4, 5)).toEqual([1]);
  });
});

describe('fleetExpectedFilters', () => {
  it('expects the user’s categories at its own URL, anything under the base ours', () => {
    const expected = fleetExpectedFilters(entry(7), 'https://ours.example/callbacks/', 'tok');
    expect(expected.target).toBe('https://ours.example/callbacks/tok/u/7');
    expect(expected.owns('https://ours.example/callbacks/old/u/7')).toBe(true);
    expect(expected.scopes).toEqual([{ monetaryAccountId: null, categories: ['MUTATION'] }]);
  });
});

describe('createRateGate', () => {
  const ok = async () => new Response('{}', { status: 200 });
  const get = (fetch: (url: string, init: RequestInit) => Promise<Response>, userId: number) =>
    fetch(`http://bunq.test/v1/user/${userId}/notification-filter-url`, { method: 'GET' });

  it('per address: every user’s GETs of an endpoint share bunq’s 3 per 3 s', async () => {
    const clock = new ManualClock(0);
    const gate = createRateGate({ scope: 'address', clock });
    for (let userId = 1; userId <= 6; userId += 1) await get(gate.fetchFor(userId, ok), userId);
    expect(clock.now()).toBe(3_000);
    expect(gate.calls.get('GET /user/{id}/notification-filter-url')).toBe(6);
  });

  it('per session: each user has its own budget', async () => {
    const clock = new ManualClock(0);
    const gate = createRateGate({ scope: 'session', clock });
    for (let userId = 1; userId <= 6; userId += 1) await get(gate.fetchFor(userId, ok), userId);
    expect(clock.now()).toBe(0);
    expect(gate.waitedMs).toBe(0);
  });
});
