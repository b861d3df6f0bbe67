/**
 * The simulator's event listing (`GET /user/{id}/event`), dropped callbacks and clobbered filters, read
 * through the project's client and `listEventsSince`, as the reconciler reads them.
 */
import { listEventsSince } from '../../../shared/bunq/api/events';
import { calls, createHarness, mutationCallback } from '../shared/bunq/api/harness';

const OURS = 'https://ours.example/cb';

function requestResponse(id: number, status: string) {
  return {
    NotificationUrl: {
      category: 'REQUEST',
      event_type: 'REQUEST_RESPONSE_CREATED',
      object: { RequestResponse: { id, status, monetary_account_id: 12 } },
    },
  };
}

describe('simulator: event listing', () => {
  it('lists every emitted object newest first in bunq envelope, delivered, failed or dropped', async () => {
    const { sim, user, client } = await createHarness();
    sim.setNotificationFilters(user.id, [{ category: 'MUTATION', notification_target: OURS }]);
    sim.emit(user.id, mutationCallback(1));
    const dropped = sim.emit(user.id, mutationCallback(2), { drop: true });
    sim.emit(user.id, mutationCallback(1));
    await sim.idle();

    const result = await client.request({ method: 'GET', path: `/user/${user.id}/event` });

    expect(dropped).toMatchObject({ dropped: true, targets: [] });
    expect(sim.listDeliveries().map((delivery) => delivery.state)).toEqual([
      'delivered',
      'dropped',
      'delivered',
    ]);
    expect(sim.listFailures(user.id)).toEqual([]);
    expect(result.items.map((item) => item.Event)).toEqual([
      expect.objectContaining({ id: 3, action: 'UPDATE', monetary_account_id: 11, status: 'FINALIZED' }),
      expect.objectContaining({
        id: 2,
        action: 'CREATE',
        object: { Payment: expect.objectContaining({ id: 2 }) },
      }),
      expect.objectContaining({ id: 1, action: 'CREATE', user_id: user.id }),
    ]);
    expect(result.pagination).toEqual({
      future_url: `/v1/user/${user.id}/event?newer_id=3`,
      newer_url: null,
      older_url: null,
    });
  });

  it('filters by monetary_account_id, status and display_user_event as bunq describes', async () => {
    const { sim, user, client } = await createHarness();
    sim.emit(user.id, mutationCallback(1, 11), { drop: true });
    sim.emit(user.id, mutationCallback(2, 12), { drop: true });
    sim.emit(user.id, requestResponse(3, 'PENDING'), { drop: true });
    sim.emit(
      user.id,
      { NotificationUrl: { category: 'SHARE', object: { ShareInviteMonetaryAccountInquiry: { id: 4 } } } },
      { drop: true },
    );
    const ids = async (query: Record<string, string>) =>
      (await client.request({ method: 'GET', path: `/user/${user.id}/event`, query })).items.map(
        (item) => (item.Event as { id: number }).id,
      );

    expect(await ids({ monetary_account_id: '12' })).toEqual([3, 2]);
    expect(await ids({ monetary_account_id: '11,12' })).toEqual([3, 2, 1]);
    expect(await ids({ status: 'AWAITING_REPLY' })).toEqual([3]);
    expect(await ids({ display_user_event: 'false' })).toEqual([3, 2, 1]);
    await expect(ids({ status: 'DONE' })).rejects.toThrow(
      /"status" must be one of AWAITING_REPLY, FINALIZED/,
    );
  });

  it('pages with count, older_id and newer_id; listEventsSince reads back to the cursor, oldest first', async () => {
    const { sim, user, client } = await createHarness();
    for (let id = 1; id <= 450; id += 1) sim.emit(user.id, mutationCallback(id), { drop: true });

    const since = await listEventsSince(client, user.id, 120);

    expect(since.complete).toBe(true);
    expect(since.events.map((event) => event.id)).toEqual(Array.from({ length: 330 }, (_, i) => 121 + i));
    expect(calls(sim, 'GET', '/event').map((call) => call.path)).toEqual([
      `/user/${user.id}/event?count=200`,
      `/user/${user.id}/event?count=200&older_id=251`,
    ]);
    const limited = await listEventsSince(client, user.id, 0, { maxPages: 1 });
    expect(limited.complete).toBe(false);
    expect(limited.events).toHaveLength(200);
  });

  it('clobbers a user scope as another integration would, leaving account scopes alone', async () => {
    const { sim, user } = await createHarness();
    sim.setNotificationFilters(user.id, [
      { category: 'MUTATION', notification_target: OURS },
      { category: 'PAYMENT', notification_target: OURS, monetaryAccountId: 7 },
    ]);

    sim.clobberFilters(user.id, [{ category: 'MUTATION', notification_target: 'https://other.example' }]);

    expect(
      sim.allFilters(user.id).map((filter) => [filter.category, filter.target, filter.monetaryAccountId]),
    ).toEqual([
      ['MUTATION', 'https://other.example', null],
      ['PAYMENT', OURS, 7],
    ]);
  });

  it('offers drop and clobber on the control API', async () => {
    const { sim, user } = await createHarness();
    const control = async (method: string, path: string, body: unknown) => {
      const answer = await sim.handle({
        method,
        url: path,
        headers: {},
        body: Buffer.from(JSON.stringify(body)),
        remoteAddress: '127.0.0.1',
      });
      return { status: answer.status, json: JSON.parse(answer.body.toString('utf8')) };
    };

    const emitted = await control('POST', '/_simulator/emit', {
      userId: user.id,
      callback: mutationCallback(9),
      drop: true,
    });
    const clobbered = await control('POST', `/_simulator/users/${user.id}/clobber-filters`, {
      notification_target: 'https://other.example',
      categories: ['MUTATION'],
    });
    const refused = await control('POST', '/_simulator/emit', { userId: user.id, callback: {}, drop: 'yes' });

    expect(emitted).toEqual({ status: 202, json: { deliveryId: 1, targets: [], dropped: true } });
    expect(sim.listEvents(user.id)).toHaveLength(1);
    expect(clobbered.status).toBe(200);
    expect(clobbered.json).toEqual([
      { id: 1, category: 'MUTATION', notification_target: 'https://other.example', monetaryAccountId: null },
    ]);
    expect(refused).toEqual({ status: 400, json: { error: 'drop must be true or false.' } });
  });
});
