import {
  BunqNetworkError,
  BunqNotFoundError,
  BunqRateLimitError,
} from '../../../../../shared/bunq/api/errors';
import { MAX_RETRY_IDS_PER_CALL } from '../../../../../shared/bunq/api/limits';
import type { ExpectedRedelivery } from '../../../../../shared/pipeline/recovery/ports';
import { recoverFailures } from '../../../../../shared/pipeline/recovery/recover-failures';
import {
  FakeBunq,
  failure,
  MemoryRecoveryStore,
  recordingLogger,
  USER_ID,
} from '../../../../support/recovery';

const NOW = new Date('2026-01-02T04:00:00.000Z');

/** The arrival the normalizer records for a MUTATION_CREATED Payment callback (the failures' default). */
const mutation = (objectId: number | string) => ({
  category: 'MUTATION',
  eventType: 'MUTATION_CREATED',
  objectType: 'Payment',
  objectId,
  dedupKey: `MUTATION#${String(objectId)}`,
});

function setup(maxAttempts = 3) {
  const bunq = new FakeBunq();
  const store = new MemoryRecoveryStore();
  const { logger, lines } = recordingLogger();
  const run = () =>
    recoverFailures({ bunq, arrivals: store, attempts: store, maxAttempts, logger, now: () => NOW });
  return { bunq, store, lines, run };
}

const apiError = (Type: typeof BunqNotFoundError | typeof BunqRateLimitError, status: number) =>
  new Type({
    status,
    method: 'POST',
    path: `/user/${USER_ID}/notification-filter-failure`,
    descriptions: ['refused'],
    responseId: null,
  });

describe('recoverFailures: retrying', () => {
  it('retries every listed failure whose callback has not arrived and counts one attempt for each', async () => {
    const { bunq, store, run } = setup();
    bunq.failures = [failure(), failure(), failure()];

    const report = await run();

    expect(bunq.retriedIds()).toEqual(bunq.failures.map((item) => item.id));
    for (const item of bunq.failures) expect(store.attemptsOf(item.id as number)).toBe(1);
    expect(report).toEqual({
      listed: 3,
      alreadyArrived: 0,
      outstanding: 3,
      retriesRequested: 3,
      retriesExhausted: 0,
      givenUp: 0,
      withoutId: 0,
      pollErrors: 0,
    });
  });

  it(`sends at most ${MAX_RETRY_IDS_PER_CALL} ids per retry call`, async () => {
    const { bunq, run } = setup();
    bunq.failures = Array.from({ length: 250 }, () => failure());

    const report = await run();

    expect(bunq.retryCalls.map((ids) => ids.length)).toEqual([100, 100, 50]);
    expect(new Set(bunq.retriedIds()).size).toBe(250);
    expect(report.retriesRequested).toBe(250);
  });

  it('counts a failure listed twice (on two pages) once', async () => {
    const { bunq, run } = setup();
    const twice = failure();
    bunq.failures = [twice, failure(), { ...twice }];

    const report = await run();

    expect(bunq.retriedIds()).toHaveLength(2);
    expect(report.outstanding).toBe(2);
  });

  it('does nothing and reports zero when bunq lists no failures', async () => {
    const { bunq, run } = setup();
    const report = await run();
    expect(bunq.retryCalls).toEqual([]);
    expect(report).toMatchObject({ listed: 0, outstanding: 0, retriesRequested: 0, pollErrors: 0 });
  });
});

describe('recoverFailures: marking what bunq re-sends', () => {
  it('notes each failure it retries before asking bunq, where the arrival write of its callback finds it', async () => {
    const { bunq, store, run } = setup();
    const retried = failure({ category: 'MUTATION', event_type: 'MUTATION_RECEIVED', object_id: 31 });
    const arrived = failure({ category: 'MUTATION', object_id: 32 });
    bunq.failures = [retried, arrived];
    await store.recordArrival(mutation(32));
    const notedBeforeRequest: number[] = [];
    const expect_ = store.expectRedeliveries.bind(store);
    store.expectRedeliveries = async (expected: readonly ExpectedRedelivery[]) => {
      notedBeforeRequest.push(bunq.retriedIds().length);
      await expect_(expected);
    };

    await run();

    expect(notedBeforeRequest).toEqual([0]);
    expect(Object.fromEntries([...store.expected].map(([id, types]) => [id, [...types]]))).toEqual({
      'MUTATION#31': ['"MUTATION_RECEIVED"'],
    });
    const answer = await store.recordArrival({
      category: 'MUTATION',
      eventType: 'MUTATION_RECEIVED',
      objectType: 'Payment',
      objectId: 31,
      dedupKey: 'k31',
    });
    expect(answer).toEqual({ answersRetry: true });
  });

  it('still retries when the note cannot be written, and counts a poll error', async () => {
    const { bunq, store, run } = setup();
    bunq.failures = [failure()];
    store.failExpect = true;

    const report = await run();

    expect(bunq.retriedIds()).toEqual([bunq.failures[0]?.id]);
    expect(report).toEqual(expect.objectContaining({ retriesRequested: 1, pollErrors: 1 }));
  });
});

describe('recoverFailures: callbacks that arrived since', () => {
  it('skips a failure whose callback arrived (same category, event type and object id) and never retries it', async () => {
    const { bunq, store, run } = setup();
    const arrived = failure({ category: 'MUTATION', object_id: 77 });
    const missing = failure({ category: 'MUTATION', object_id: 78 });
    const otherCategory = failure({ category: 'PAYMENT', object_id: 77 });
    bunq.failures = [arrived, missing, otherCategory];
    await store.recordArrival(mutation(77));

    const report = await run();

    expect(bunq.retriedIds().sort()).toEqual([missing.id, otherCategory.id].sort());
    expect(report).toMatchObject({ listed: 3, alreadyArrived: 1, outstanding: 2, retriesRequested: 2 });
  });

  it('remembers the arrival on the failure, so it stays settled after the arrival log forgets it', async () => {
    const { bunq, store, run } = setup();
    const arrived = failure({ object_id: 5 });
    bunq.failures = [arrived];
    await store.recordArrival(mutation(5));
    await run();

    store.arrived.clear(); // the arrival record expired
    const report = await run();

    expect(bunq.retryCalls).toEqual([]);
    expect(report).toMatchObject({ alreadyArrived: 1, outstanding: 0 });
  });

  it('matches object ids the normalizer saw as strings', async () => {
    const { bunq, store, run } = setup();
    bunq.failures = [failure({ object_id: 9 })];
    await store.recordArrival(mutation('9'));
    expect(await run()).toMatchObject({ alreadyArrived: 1, retriesRequested: 0 });
  });
});

describe('recoverFailures: object types whose ids collide', () => {
  // SHARE carries ShareInviteBankInquiry and ShareInviteBankResponse, numbered separately: 1, 2, 1, 2.
  const share = (objectType: string, eventType: string, objectId: number) => ({
    category: 'SHARE',
    eventType,
    objectType,
    objectId,
    dedupKey: `SHARE#${objectType}#${objectId}`,
  });

  it('retries the failure of one object type when only the other one, with the same id, arrived', async () => {
    const { bunq, store, run } = setup();
    const inquiry = failure({
      category: 'SHARE',
      event_type: 'SHARE_INVITE_BANK_INQUIRY_ACCEPTED',
      object_id: 1,
    });
    const response = failure({
      category: 'SHARE',
      event_type: 'SHARE_INVITE_BANK_RESPONSE_ACCEPTED',
      object_id: 1,
    });
    bunq.failures = [inquiry, response];
    await store.recordArrival(share('ShareInviteBankInquiry', 'SHARE_INVITE_BANK_INQUIRY_ACCEPTED', 1));
    await store.recordArrival(share('ShareInviteBankInquiry', 'SHARE_INVITE_BANK_INQUIRY_ACCEPTED', 2));

    const report = await run();

    expect(bunq.retriedIds()).toEqual([response.id]);
    expect(report).toMatchObject({ listed: 2, alreadyArrived: 1, retriesRequested: 1 });
  });

  it('treats a match with arrivals of two object types as not arrived', async () => {
    const { bunq, store, lines, run } = setup();
    const ambiguous = failure({ category: 'SHARE', event_type: 'SHARE_INVITE_BANK_UPDATED', object_id: 2 });
    bunq.failures = [ambiguous];
    await store.recordArrival(share('ShareInviteBankInquiry', 'SHARE_INVITE_BANK_UPDATED', 2));
    await store.recordArrival(share('ShareInviteBankResponse', 'SHARE_INVITE_BANK_UPDATED', 2));

    expect(await run()).toMatchObject({ alreadyArrived: 0, retriesRequested: 1 });
    expect(bunq.retriedIds()).toEqual([ambiguous.id]);
    expect(lines.some((line) => line.message.includes('more than one callback'))).toBe(true);
  });

  it('treats a failure without an event type as not arrived', async () => {
    const { bunq, store, run } = setup();
    bunq.failures = [failure({ event_type: null, object_id: 40 })];
    await store.recordArrival({
      category: 'MUTATION',
      eventType: null,
      objectType: 'Payment',
      objectId: 40,
      dedupKey: 'MUTATION#40',
    });
    expect(await run()).toMatchObject({ alreadyArrived: 0, retriesRequested: 1 });
  });
});

describe('recoverFailures: giving up', () => {
  it('retries a failure maxAttempts times, then gives up on it once, counting it as exhausted', async () => {
    const { bunq, store, lines, run } = setup(2);
    const stuck = failure({ category: 'PAYMENT', object_id: 31 });
    bunq.failures = [stuck];

    const reports = [await run(), await run(), await run(), await run()];

    expect(bunq.retryCalls).toEqual([[stuck.id], [stuck.id]]);
    expect(store.attemptsOf(stuck.id as number)).toBe(2);
    expect(reports.map((r) => r.retriesRequested)).toEqual([1, 1, 0, 0]);
    expect(reports.map((r) => r.retriesExhausted)).toEqual([0, 0, 1, 0]);
    expect(reports.map((r) => r.givenUp)).toEqual([0, 0, 0, 1]);
    // Still outstanding while bunq lists it: the gauge keeps showing it.
    expect(reports.map((r) => r.outstanding)).toEqual([1, 1, 1, 1]);
    const giveUp = lines.filter((line) => line.message.includes('giving up'));
    expect(giveUp).toHaveLength(1);
    expect(giveUp[0]).toMatchObject({
      level: 'error',
      attributes: { failureId: stuck.id, category: 'PAYMENT', objectId: 31, attempts: 2 },
    });
  });

  it('does not give up on a failure whose callback arrived after all', async () => {
    const { bunq, store, run } = setup(1);
    const late = failure({ object_id: 12 });
    bunq.failures = [late];
    await run();
    await store.recordArrival(mutation(12));
    expect(await run()).toMatchObject({ retriesExhausted: 0, alreadyArrived: 1, outstanding: 0 });
  });

  it('rejects a maxAttempts below 1', async () => {
    const { store } = setup();
    const { logger } = recordingLogger();
    await expect(
      recoverFailures({ bunq: new FakeBunq(), arrivals: store, attempts: store, maxAttempts: 0, logger }),
    ).rejects.toThrow(/maxAttempts/);
  });
});

describe('recoverFailures: what it cannot do', () => {
  it('counts failures without an id as outstanding but cannot retry them', async () => {
    const { bunq, lines, run } = setup();
    bunq.failures = [failure({ id: undefined }), failure()];

    const report = await run();

    expect(bunq.retriedIds()).toHaveLength(1);
    expect(report).toMatchObject({ outstanding: 2, withoutId: 1, retriesRequested: 1 });
    expect(lines.some((line) => line.level === 'warn' && line.message.includes('without an id'))).toBe(true);
  });

  it('retries a failure without category or object id (it cannot tell whether it arrived)', async () => {
    const { bunq, run } = setup();
    bunq.failures = [failure({ category: null, object_id: null })];
    expect(await run()).toMatchObject({ outstanding: 1, retriesRequested: 1 });
  });
});

describe('recoverFailures: errors', () => {
  it('reports a poll error and no outstanding count when the listing fails', async () => {
    const { bunq, lines, run } = setup();
    bunq.listError = new BunqNetworkError('connect ECONNREFUSED');

    const report = await run();

    expect(report).toMatchObject({ listed: null, outstanding: null, retriesRequested: 0, pollErrors: 1 });
    expect(lines.find((line) => line.level === 'error')).toMatchObject({
      message: 'failure poll: listing bunq failures failed',
      attributes: { error: 'BunqNetworkError' },
    });
  });

  it('retries nothing when the attempts cannot be read', async () => {
    const { bunq, store, run } = setup();
    bunq.failures = [failure()];
    store.failLoad = true;
    expect(await run()).toMatchObject({ listed: 1, outstanding: null, retriesRequested: 0, pollErrors: 1 });
    expect(bunq.retryCalls).toEqual([]);
  });

  it('retries nothing when the arrivals cannot be read', async () => {
    const { bunq, store, run } = setup();
    bunq.failures = [failure()];
    store.failArrivals = true;
    expect(await run()).toMatchObject({ pollErrors: 1, retriesRequested: 0 });
    expect(bunq.retryCalls).toEqual([]);
  });

  it('goes on with the next chunk when bunq refuses one (404: an id left the listing)', async () => {
    const { bunq, store, run } = setup();
    bunq.failures = Array.from({ length: 150 }, () => failure());
    let calls = 0;
    bunq.onRetry = () => (++calls === 1 ? apiError(BunqNotFoundError, 404) : 'accept');

    const report = await run();

    expect(bunq.retryCalls.map((ids) => ids.length)).toEqual([100, 50]);
    expect(report).toMatchObject({ retriesRequested: 50, pollErrors: 1 });
    expect(store.attemptsOf(bunq.failures[0]?.id as number)).toBe(0);
  });

  it('stops sending chunks after an error that is not about the ids (rate limit, network)', async () => {
    const { bunq, run } = setup();
    bunq.failures = Array.from({ length: 250 }, () => failure());
    bunq.onRetry = () => apiError(BunqRateLimitError, 429);

    const report = await run();

    expect(bunq.retryCalls).toHaveLength(1);
    expect(report).toMatchObject({ retriesRequested: 0, pollErrors: 1 });
  });

  it('stops sending chunks when the client throws', async () => {
    const { bunq, run } = setup();
    bunq.failures = Array.from({ length: 150 }, () => failure());
    bunq.onRetry = () => new TypeError('fetch failed');
    expect(await run()).toMatchObject({ retriesRequested: 0, pollErrors: 1 });
    expect(bunq.retryCalls).toHaveLength(1);
  });

  it('counts a retry whose attempt could not be recorded, and reports the write as a poll error', async () => {
    const { bunq, store, run } = setup();
    bunq.failures = [failure(), failure()];
    store.failRecordAttempt = true;
    expect(await run()).toMatchObject({ retriesRequested: 2, pollErrors: 2 });
  });
});
