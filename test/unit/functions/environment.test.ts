/** The reconciler's expected filter scopes, read from its environment (zod/mini: the ingest bundles this module). */
import { reconcileEnvironment } from '../../../functions/commons/environment';
import { RECONCILE_ENV } from '../../../shared/wiring/function-env';

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
