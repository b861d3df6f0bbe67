/**
 * What bunq's SDKs call in their standard setup and the simulator answers like bunq: the account listings,
 * closing a session, provider (PSD2) users, the 404 for another user's account, and both answers where
 * bunq's two specs disagree. Driven through the project's client.
 */
import { calls, createHarness } from '../shared/bunq/api/harness';

describe('simulator fidelity', () => {
  it('lists the user’s accounts under monetary-account-bank and monetary-account, and reads one', async () => {
    const { client, user } = await createHarness();
    const [accountId] = user.monetaryAccountIds;

    for (const listing of ['monetary-account-bank', 'monetary-account']) {
      const result = await client.request({ method: 'GET', path: `/user/${user.id}/${listing}` });
      expect(result.items).toEqual([
        {
          MonetaryAccountBank: expect.objectContaining({
            id: accountId,
            currency: 'EUR',
            status: 'ACTIVE',
            user_id: user.id,
            balance: { value: '0.00', currency: 'EUR' },
            alias: [expect.objectContaining({ type: 'IBAN' })],
          }),
        },
      ]);
      expect(result.pagination).toMatchObject({ older_url: null, newer_url: null });
    }
    const one = await client.request({
      method: 'GET',
      path: `/user/${user.id}/monetary-account-bank/${accountId}`,
    });
    expect(one.items).toEqual([{ MonetaryAccountBank: expect.objectContaining({ id: accountId }) }]);
  });

  it('answers 404 for a monetary account the user does not have, also on its filters', async () => {
    const { client, user, sim } = await createHarness();
    const other = sim.createUser();
    const foreign = other.monetaryAccountIds[0] as number;

    await expect(
      client.request({ method: 'GET', path: `/user/${user.id}/monetary-account-bank/${foreign}` }),
    ).rejects.toMatchObject({ status: 404, description: 'MonetaryAccount not found.' });
    await expect(client.getNotificationFilterUrls(user.id, foreign)).rejects.toMatchObject({ status: 404 });
    await expect(
      client.setNotificationFilterUrls(
        user.id,
        [{ category: 'MUTATION', notification_target: 'https://x.example' }],
        foreign,
      ),
    ).rejects.toMatchObject({ status: 404 });
    expect(sim.allFilters(other.id)).toEqual([]);
  });

  it('accepts any account id with strictMonetaryAccounts off', async () => {
    const { client, user } = await createHarness({ sim: { strictMonetaryAccounts: false } });
    await expect(client.getNotificationFilterUrls(user.id, 999_999)).resolves.toEqual([]);
  });

  it('closes the session on DELETE /session/{id}; the next call opens a new one', async () => {
    const { client, user, sim } = await createHarness();
    await client.getNotificationFilterUrls(user.id);

    const closed = await client.request({ method: 'DELETE', path: '/session/0' });
    await client.getNotificationFilterUrls(user.id);

    expect(closed.items).toEqual([]);
    expect(calls(sim, 'POST', '/session-server')).toHaveLength(2);
    expect(calls(sim, 'GET', '/notification-filter-url').map((call) => call.status)).toEqual([200, 401, 200]);
  });

  it("answers the session's user on GET /user and GET /user/{id}, another user's id with 403", async () => {
    const { client, user, sim } = await createHarness();
    const other = sim.createUser();

    for (const path of ['/user', `/user/${user.id}`]) {
      const result = await client.request({ method: 'GET', path });
      expect(result.items).toEqual([{ UserPerson: expect.objectContaining({ id: user.id }) }]);
    }
    await expect(client.request({ method: 'GET', path: `/user/${other.id}` })).rejects.toMatchObject({
      status: 403,
    });
  });

  it('opens sessions for a UserPaymentServiceProvider', async () => {
    const { client, user } = await createHarness({ userKind: 'UserPaymentServiceProvider' });

    expect(await client.getUserId()).toBe(user.id);
    await expect(client.getNotificationFilterUrls(user.id)).resolves.toEqual([]);
  });

  it.each([
    ['observed', true, []],
    ['public-spec', false, [{ Id: { id: 1 } }]],
  ] as const)(
    'follows the %s answers for failures: ids listed %s, retry answer %j',
    async (variant, withId, answer) => {
      const { client, user, sim } = await createHarness({ sim: { specVariant: variant } });
      const [id] = sim.seedFailures(user.id, 1);

      const listed = await client.listNotificationFilterFailures(user.id);
      const retried = await client.request({
        method: 'POST',
        path: `/user/${user.id}/notification-filter-failure`,
        body: { notification_filter_failed_ids: String(id) },
      });

      expect(listed).toHaveLength(1);
      expect('id' in (listed[0] as object)).toBe(withId);
      expect(retried.items).toEqual(answer);
      await sim.idle();
      const [again] = sim.seedFailures(user.id, 1);
      await expect(client.retryNotificationFilterFailures(user.id, [again as number])).resolves.toEqual({
        retriedIds: [again],
        failedChunks: [],
      });
    },
  );
});
