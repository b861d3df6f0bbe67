/**
 * Reconciliation end to end, on loopback: the bunq simulator (its event listing, dropped callbacks, a
 * clobbered filter set) and the local runtime with its reconciler pointed at it. The reconciler's clock is
 * the test's, moved past the grace period by hand; runs are triggered with `runOnce` (the schedule is a day).
 */
import type { LocalReconciler } from '../../local/reconciler';
import { paymentCallback } from '../support/fixtures';
import { freePort, until } from '../support/runtime-process';
import { startedPerTest, TEST_TOKEN } from './helpers';

jest.setTimeout(30_000);

const GRACE_MS = 10 * 60_000;
const WAIT_MS = 15_000;
const FOREIGN = 'https://other-integration.example/hook';

const start = startedPerTest();

const mutation = (id: number) => paymentCallback({ id, value: `${id}.00`, description: `payment ${id}` });

async function setup(repairFilters = false) {
  const sim = await start.simulator({ port: 0, retryIntervalMs: 20 });
  const user = sim.simulator.createUser();
  const port = await freePort();
  const callbackUrl = `http://127.0.0.1:${port}/callbacks/${TEST_TOKEN}`;
  // What `register` would have set up, next to another integration's filter.
  sim.simulator.setNotificationFilters(user.id, [
    { category: 'MUTATION', notification_target: callbackUrl },
    { category: 'PAYMENT', notification_target: FOREIGN },
  ]);
  let offsetMs = 0;
  const local = await start.runtime({
    port,
    bunqBaseUrl: sim.baseUrl,
    bunqApiKey: user.apiKey,
    failurePollIntervalMs: 86_400_000,
    reconcileIntervalMs: 86_400_000,
    reconcileGraceMs: GRACE_MS,
    reconcileRepairFilters: repairFilters,
    reconcileClock: () => new Date(Date.now() + offsetMs),
  });
  const runtime = local.runtime;
  const reconciler = runtime.reconciler as LocalReconciler;
  expect(reconciler).toBeDefined();
  // The scheduled first run sets the cursor at the newest event (there is none yet).
  await until('the first reconciler run', () => reconciler.stats().runs >= 1, WAIT_MS);
  const handled = async () => {
    await sim.idle();
    await until(
      'the queue to drain',
      () => {
        const queue = runtime.stats().queue;
        return queue.visible === 0 && queue.inFlight === 0 && queue.delayed === 0;
      },
      WAIT_MS,
    );
  };
  const events = async (objectId: number) =>
    (await local.events()).filter((event) => event.detail.objectId === objectId);
  return {
    sim,
    user,
    runtime,
    reconciler,
    callbackUrl,
    handled,
    events,
    pastGrace: () => {
      offsetMs += GRACE_MS + 1;
    },
  };
}

describe('reconciliation end to end', () => {
  it('turns a dropped callback into one event after the grace period; a late real one and delivered ones make no more', async () => {
    const { sim, user, reconciler, handled, events, pastGrace } = await setup();
    sim.simulator.emit(user.id, mutation(301));
    sim.simulator.emit(user.id, mutation(302), { drop: true });
    await handled();
    expect(await events(301)).toHaveLength(1);
    expect(await events(302)).toEqual([]);

    const early = await reconciler.runOnce();
    expect(early).toMatchObject({ eventsWaiting: 2, missedByBunq: 0, errors: 0 });

    pastGrace();
    let runs = 0;
    while ((await events(302)).length === 0) {
      runs += 1;
      if (runs > 3) throw new Error('the dropped callback was not published within three runs');
      await reconciler.runOnce();
      await handled();
    }

    const [reconciled] = await events(302);
    expect(reconciled?.detail).toMatchObject({
      category: 'MUTATION',
      objectType: 'Payment',
      objectId: 302,
      amount: { value: '302.00', currency: 'EUR' },
      recoveredBy: 'reconciliation',
    });
    expect((await events(301)).map((event) => event.detail.recoveredBy)).toEqual([null]);
    expect(reconciler.stats()).toMatchObject({ missedByBunq: 1, errors: 0 });

    // bunq sends it after all: the same object and update, so the same dedupe key.
    sim.simulator.emit(user.id, mutation(302));
    await handled();
    await reconciler.runOnce();
    await handled();
    expect(await events(302)).toHaveLength(1);
    expect(await events(301)).toHaveLength(1);
    expect(reconciler.stats().missedByBunq).toBe(1);
  });

  it('raises FilterDrift for a clobbered filter, and the repair restores it leaving the other integration alone', async () => {
    const { sim, user, reconciler, callbackUrl } = await setup(true);
    // Another integration registers its URL naively: bunq replaces the whole set with its one filter.
    sim.simulator.clobberFilters(user.id, [{ category: 'REQUEST', notification_target: FOREIGN }]);

    const report = await reconciler.runOnce();

    expect(report).toMatchObject({ filterDrift: 1, filtersRepaired: 1, errors: 0 });
    expect(sim.simulator.allFilters(user.id).map((filter) => [filter.category, filter.target])).toEqual([
      ['REQUEST', FOREIGN],
      ['MUTATION', callbackUrl],
    ]);
    expect((await reconciler.runOnce()).filterDrift).toBe(0);
  });
});
