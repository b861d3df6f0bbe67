/**
 * The batch-commit dedupe store against moto's DynamoDB (conditional writes, ReturnValuesOnConditionCheckFailure,
 * TTL attribute): the same cases as on dynalite (`test/support/dedupe-cases.ts`).
 */

import { dedupeStoreCases } from '../support/dedupe-cases';
import { createDedupeTable } from '../support/dedupe-table';
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
