/**
 * The batch-commit dedupe store against moto's DynamoDB (conditional writes, ReturnValuesOnConditionCheckFailure,
 * TTL attribute): the same cases as on dynalite (`test/support/dedupe-cases.ts`).
 */
import { createDedupeTable } from '../../functions/commons/dedupe-store';
import { dedupeStoreCases } from '../support/dedupe-cases';
import { type AwsClients, awsClients, describeAws, destroyClients, uniqueName } from './support/aws';

describeAws('batch-commit dedupe on moto', () => {
  let clients: AwsClients;
  beforeAll(() => {
    clients = awsClients();
  });
  afterAll(() => destroyClients(clients));

  dedupeStoreCases({
    client: () => clients.dynamo,
    freshTable: async () => {
      const name = uniqueName('dedupe');
      await createDedupeTable(clients.dynamo, name);
      return name;
    },
  });
});
