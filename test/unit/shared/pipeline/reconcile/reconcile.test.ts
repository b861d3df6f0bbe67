/**
 * The reconciler core against the simulator in memory (real client, real event listing, real filters and
 * failures), with a small in-process pipeline behind it: the normalize core, a dedupe set on `dedupKey`,
 * and the arrival log the normalizer writes. Time is the harness's manual clock.
 */
import { reconcileBunqApi } from '../../../../../functions/commons/reconcile-bunq';
import type { CallbackEventDetail, RecoveredBy } from '../../../../../shared/contract/callback-event';
import { normalizeCallback } from '../../../../../shared/pipeline/normalize/normalize-callback';
import type { ExpectedFilters } from '../../../../../shared/pipeline/reconcile/ports';
import { reconcile } from '../../../../../shared/pipeline/reconcile/reconcile';
import { MemoryRecoveryStore } from '../../../../support/recovery';
import { createHarness, type Harness, mutationCallback } from '../../bunq/api/harness';

const OURS = 'https://ours.example/callbacks/token-1';
const FOREIGN = 'https://other-integration.example/hook';
const GRACE_MS = 10 * 60_000;

/** The pipeline's effectively-once rule, in memory: one event per dedupe key, an arrival record for each. */
class Pipeline {
  readonly events: CallbackEventDetail[] = [];
  private readonly keys = new Set<string>();
  /** The arrival log the normalizer writes (in memory, as the poller's tests use it). */
  readonly arrivals = new MemoryRecoveryStore();

  async deliver(body: Uint8Array, recoveredBy: RecoveredBy | null): Promise<void> {
    const outcome = normalizeCallback(body, new Date().toISOString(), recoveredBy);
    if (!outcome.ok) throw new Error(`not a callback: ${outcome.problem}`);
    let { detail } = outcome;
    if (detail.objectId !== null) {
      // As the normalizer's arrival write does: it says whether this callback answers a requested retry.
      const { answersRetry } = await this.arrivals.recordArrival({
        category: detail.category,
        eventType: detail.eventType,
        objectType: detail.objectType,
        dedupKey: detail.dedupKey,
        objectId: detail.objectId,
      });
      if (answersRetry && recoveredBy === null) detail = { ...detail, recoveredBy: 'failure-retry' };
    }
    if (this.keys.has(detail.dedupKey)) return;
    this.keys.add(detail.dedupKey);
    this.events.push(detail);
  }
}

async function setup(categories: readonly string[] = ['MUTATION'], target: string | null = OURS) {
  const pipeline = new Pipeline();
  let deliver = true;
  const harness: Harness = await createHarness({
    sim: {
      retryIntervalMs: 1,
      fetch: async (url, init) => {
        if (url !== OURS) return new Response(null, { status: 200 });
        if (!deliver) return new Response(null, { status: 503 });
        await pipeline.deliver(Buffer.from(init.body as Uint8Array), null);
        return new Response(null, { status: 200 });
      },
    },
  });
  const { sim, user, clock } = harness;
  sim.setNotificationFilters(user.id, [
    ...categories.map((category) => ({ category, notification_target: OURS })),
    { category: 'MUTATION', notification_target: FOREIGN },
  ]);
  const cursors = new Map<number, number>();
  const expected: ExpectedFilters = {
    target,
    owns: (target) => target.startsWith('https://ours.example/callbacks/'),
    scopes: [{ monetaryAccountId: null, categories }],
  };
  const run = (repairFilters = false) =>
    reconcile({
      bunq: reconcileBunqApi(harness.client),
      arrivals: pipeline.arrivals,
      cursors: {
        load: async (userId) => cursors.get(userId) ?? null,
        save: async (userId, id) => {
          cursors.set(userId, id);
        },
      },
      sink: { submit: async ({ body }) => pipeline.deliver(body, 'reconciliation') },
      expected,
      redeliveries: pipeline.arrivals,
      graceMs: GRACE_MS,
      repairFilters,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      now: () => new Date(clock.now()),
    });
  const emit = async (objectId: number, drop: boolean) => {
    sim.emit(user.id, mutationCallback(objectId), { drop });
    await sim.idle();
  };
  const pastGrace = () => clock.advance(GRACE_MS + 1);
  return {
    ...harness,
    pipeline,
    run,
    emit,
    pastGrace,
    setDelivery: (on: boolean) => {
      deliver = on;
    },
  };
}

describe('reconcile: callbacks bunq never sent', () => {
  it('starts at the newest event on its first run and reconciles nothing from before it', async () => {
    const { run, emit, pastGrace, pipeline } = await setup();
    await emit(501, true);
    pastGrace();

    const first = await run();

    expect(first).toMatchObject({ initialized: true, missedByBunq: 0, errors: 0 });
    expect(first.cursor).toBeGreaterThan(0);
    expect((await run()).missedByBunq).toBe(0);
    expect(pipeline.events).toEqual([]);
  });

  it('publishes a dropped callback once, after the grace period, marked recoveredBy reconciliation', async () => {
    const { run, emit, pastGrace, pipeline } = await setup();
    await run();
    await emit(502, true);

    const early = await run();
    expect(early).toMatchObject({ eventsRead: 1, eventsWaiting: 1, eventsSettled: 0, missedByBunq: 0 });
    expect(pipeline.events).toEqual([]);

    pastGrace();
    const due = await run();
    expect(due).toMatchObject({ eventsSettled: 1, missedByBunq: 1, errors: 0 });
    expect(pipeline.events).toHaveLength(1);
    expect(pipeline.events[0]).toMatchObject({
      category: 'MUTATION',
      eventType: 'MUTATION_CREATED',
      objectType: 'Payment',
      objectId: 502,
      monetaryAccountId: 11,
      amount: { value: '-12.50', currency: 'EUR' },
      recoveredBy: 'reconciliation',
    });

    expect((await run()).missedByBunq).toBe(0);
    expect(pipeline.events).toHaveLength(1);
  });

  it('makes no second event when the real callback arrives late', async () => {
    const { run, emit, pastGrace, pipeline, sim, user } = await setup();
    await run();
    await emit(503, true);
    pastGrace();
    await run();

    // The same object and update, as bunq would have sent it (its own event type and target URL).
    sim.emit(user.id, mutationCallback(503));
    await sim.idle();

    expect(pipeline.events).toHaveLength(1);
    expect(pipeline.events[0]?.recoveredBy).toBe('reconciliation');
  });

  it('makes no event for callbacks that arrived', async () => {
    const { run, emit, pastGrace, pipeline } = await setup();
    await run();
    await emit(504, false);
    await emit(505, false);
    pastGrace();

    const report = await run();

    expect(report).toMatchObject({ eventsSettled: 2, alreadyArrived: 2, missedByBunq: 0 });
    expect(pipeline.events.map((event) => event.recoveredBy)).toEqual([null, null]);
  });

  it('covers only the categories we registered: one event per registered category of the object', async () => {
    const { run, emit, pastGrace, pipeline } = await setup(['MUTATION', 'PAYMENT']);
    await run();
    await emit(506, true);
    pastGrace();

    expect((await run()).missedByBunq).toBe(2);
    expect(pipeline.events.map((event) => [event.category, event.eventType])).toEqual([
      ['MUTATION', 'MUTATION_CREATED'],
      ['PAYMENT', 'PAYMENT_CREATED'],
    ]);
  });

  it('asks bunq to retry a callback it lists as failed instead of rebuilding it', async () => {
    const { run, emit, pastGrace, pipeline, setDelivery, sim, user } = await setup();
    await run();
    setDelivery(false);
    await emit(507, false);
    expect(sim.listFailures(user.id)).toHaveLength(1);
    setDelivery(true);
    pastGrace();

    const report = await run();
    await sim.idle();

    expect(report).toMatchObject({ failureRetries: 1, missedByBunq: 0, errors: 0 });
    expect(sim.listFailures(user.id)).toEqual([]);
    expect(pipeline.events).toHaveLength(1);
    // Noted before the retry request, as the failure poller does: the re-sent callback says so.
    expect(pipeline.events[0]?.recoveredBy).toBe('failure-retry');
  });

  it('still asks for the retry when the note cannot be written: the re-sent event then says null', async () => {
    const { run, emit, pastGrace, pipeline, setDelivery, sim, user } = await setup();
    await run();
    setDelivery(false);
    await emit(517, false);
    setDelivery(true);
    pastGrace();
    pipeline.arrivals.failExpect = true;

    const report = await run();
    await sim.idle();

    expect(report).toMatchObject({ failureRetries: 1, missedByBunq: 0, errors: 1 });
    expect(sim.listFailures(user.id)).toEqual([]);
    expect(pipeline.events.map((event) => event.recoveredBy)).toEqual([null]);
  });

  it('keeps the cursor when the event listing fails, and settles the events on the next run', async () => {
    const { run, emit, pastGrace, pipeline, sim } = await setup();
    const { cursor } = await run();
    await emit(508, true);
    pastGrace();
    sim.injectFault({ kind: 'error', status: 500, path: /\/event$/ });

    const failed = await run();
    expect(failed).toMatchObject({ errors: 1, missedByBunq: 0, cursor });

    expect((await run()).missedByBunq).toBe(1);
    expect(pipeline.events).toHaveLength(1);
  });
});

describe('reconcile: filter drift', () => {
  it('reports a clobbered filter and, with repair, restores it without touching the other integration', async () => {
    const { run, sim, user } = await setup(['MUTATION', 'PAYMENT']);
    sim.clobberFilters(user.id, [
      { category: 'MUTATION', notification_target: FOREIGN },
      { category: 'REQUEST', notification_target: FOREIGN },
    ]);

    const detected = await run(false);
    expect(detected).toMatchObject({ filterDrift: 2, filtersRepaired: 0 });
    expect(sim.allFilters(user.id).map((filter) => filter.target)).toEqual([FOREIGN, FOREIGN]);

    const repaired = await run(true);
    expect(repaired).toMatchObject({ filterDrift: 2, filtersRepaired: 1, errors: 0 });
    const after = sim.allFilters(user.id).map((filter) => [filter.category, filter.target]);
    expect(after).toEqual([
      ['MUTATION', FOREIGN],
      ['REQUEST', FOREIGN],
      ['MUTATION', OURS],
      ['PAYMENT', OURS],
    ]);
    expect((await run(true)).filterDrift).toBe(0);
  });

  it('without our exact URL, counts a category present when any filter of ours has it, and repairs nothing', async () => {
    const { run, sim, user } = await setup(['MUTATION', 'PAYMENT'], null);
    sim.setNotificationFilters(user.id, [
      { category: 'MUTATION', notification_target: 'https://ours.example/callbacks/old-token' },
      { category: 'REQUEST', notification_target: FOREIGN },
    ]);

    const report = await run(true);

    expect(report).toMatchObject({ filterDrift: 1, filtersRepaired: 0, errors: 1 });
    expect(sim.allFilters(user.id)).toHaveLength(2);
  });

  it('counts one of our filters with an old token as changed', async () => {
    const { run, sim, user } = await setup(['MUTATION']);
    sim.setNotificationFilters(user.id, [
      { category: 'MUTATION', notification_target: 'https://ours.example/callbacks/old-token' },
    ]);

    const report = await run(true);

    expect(report).toMatchObject({ filterDrift: 2, filtersRepaired: 1 });
    expect(sim.allFilters(user.id).map((filter) => filter.target)).toEqual([OURS]);
  });
});
