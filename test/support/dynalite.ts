/** A real DynamoDB implementation (dynalite, in memory) on loopback, as the local runtime uses it. */

import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/local-dynamodb';
import { createDedupeTable } from './dedupe-table';

export {
  type LocalDynamoDb as LocalDynamo,
  startLocalDynamoDb as startDynalite,
} from '../../local/local-dynamodb';

export interface DynaliteForSuite {
  /** The running dynalite (valid inside tests, after `beforeAll`). */
  readonly dynamo: LocalDynamoDb;
  /** A new, empty dedupe table named `<prefix>-<n>`, so tests never see each other's markers. */
  freshTable(): Promise<string>;
}

/** Starts dynalite before the suite and closes it after; each test asks for its own table. */
export function useDynalite(prefix: string): DynaliteForSuite {
  let dynamo: LocalDynamoDb | undefined;
  let tables = 0;
  beforeAll(async () => {
    dynamo = await startLocalDynamoDb();
  });
  afterAll(async () => {
    await dynamo?.close();
  });
  const running = (): LocalDynamoDb => {
    if (dynamo === undefined) throw new Error('dynalite is not running: use it inside a test');
    return dynamo;
  };
  return {
    get dynamo() {
      return running();
    },
    async freshTable() {
      tables += 1;
      const name = `${prefix}-${tables}`;
      await createDedupeTable(running().client, name);
      return name;
    },
  };
}
