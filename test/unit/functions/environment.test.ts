/** The reconciler's expected filter scopes and the poller's callback base URL, read from its environment (zod/mini: the ingest bundles this module). */
import { reconcileEnvironment, retryFailuresEnvironment } from '../../../functions/commons/environment';
import { RECONCILE_ENV, RETRY_FAILURES_ENV } from '../../../shared/wiring/function-env';

const env = (filters: string) => ({
  [RECONCILE_ENV.graceMs]: '1000',
  [RECONCILE_ENV.repairFilters]: 'false',
  [RECONCILE_ENV.expectedFilters]: filters,
  [RECONCILE_ENV.bunqStateSecretArn]: 'arn:state',
  [RECONCILE_ENV.bunqBaseUrl]: 'https://api.bunq.com/v1',
  [RECONCILE_ENV.tableName]: 'dedupe',
  [RECONCILE_ENV.attemptTtlSeconds]: '2592000',
  [RECONCILE_ENV.callbackQueueUrl]: 'https://sqs/callbacks',
  [RECONCILE_ENV.callbackBaseUrl]: 'https://hooks.example.com/callbacks',
});

describe('reconcileEnvironment', () => {
  it('reads the scopes: a monetary account id or null, and at least one category', () => {
    const scopes = [
      { monetaryAccountId: null, categories: ['MUTATION'] },
      { monetaryAccountId: 5, categories: ['PAYMENT', 'REQUEST'] },
    ];
    expect(reconcileEnvironment(env(JSON.stringify(scopes))).scopes).toEqual(scopes);
  });

  it('reads the lifetime of an expected-redelivery note, and fails the cold start without it', () => {
    expect(
      reconcileEnvironment(env('[{"monetaryAccountId":null,"categories":["A"]}]')).attemptTtlSeconds,
    ).toBe(2_592_000);
    const { [RECONCILE_ENV.attemptTtlSeconds]: _, ...without } = env(
      '[{"monetaryAccountId":null,"categories":["A"]}]',
    );
    expect(() => reconcileEnvironment(without)).toThrow(RECONCILE_ENV.attemptTtlSeconds);
  });

  it.each([
    ['a negative account id', '[{"monetaryAccountId":-1,"categories":["A"]}]'],
    ['a fractional account id', '[{"monetaryAccountId":1.5,"categories":["A"]}]'],
    ['no category', '[{"monetaryAccountId":null,"categories":[]}]'],
    ['an empty category', '[{"monetaryAccountId":null,"categories":[""]}]'],
  ])('refuses %s, naming the variable', (_, filters) => {
    expect(() => reconcileEnvironment(env(filters))).toThrow(RECONCILE_ENV.expectedFilters);
  });
});

describe('retryFailuresEnvironment', () => {
  const poller = (callbackBaseUrl?: string) => ({
    [RETRY_FAILURES_ENV.bunqStateSecretArn]: 'arn:state',
    [RETRY_FAILURES_ENV.bunqBaseUrl]: 'https://api.bunq.com/v1',
    [RETRY_FAILURES_ENV.tableName]: 'dedupe',
    [RETRY_FAILURES_ENV.maxAttempts]: '5',
    [RETRY_FAILURES_ENV.attemptTtlSeconds]: '86400',
    ...(callbackBaseUrl === undefined ? {} : { [RETRY_FAILURES_ENV.callbackBaseUrl]: callbackBaseUrl }),
  });

  it('has no callback base URL without partner onboarding', () => {
    expect(retryFailuresEnvironment(poller()).callbackBaseUrl).toBeUndefined();
    expect(retryFailuresEnvironment(poller('')).callbackBaseUrl).toBeUndefined();
  });

  it('reads the callback base URL, ending it in a slash so it is a prefix of our targets only', () => {
    const url = 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/callbacks/';
    expect(retryFailuresEnvironment(poller(url)).callbackBaseUrl).toBe(url);
    expect(retryFailuresEnvironment(poller('https://hooks.example.com/callbacks')).callbackBaseUrl).toBe(
      'https://hooks.example.com/callbacks/',
    );
  });

  it.each([['hooks.example.com/callbacks/'], ['ftp://hooks.example.com/'], ['https:// spaced/']])(
    'refuses %s, naming the variable',
    (url) => {
      expect(() => retryFailuresEnvironment(poller(url))).toThrow(RETRY_FAILURES_ENV.callbackBaseUrl);
    },
  );
});
