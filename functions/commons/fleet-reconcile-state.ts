/**
 * The fleet reconciler's pass and visits in the recovery table, next to its cursors (see
 * `shared/pipeline/reconcile/fleet-state.ts`): `fleet-reconcile#pass` holds `pass` and, while a pass is
 * under way, `startedAt`; `fleet-reconcile#visit#<userId>` holds `visitedAt`, `active`, `drifted` and
 * `pass`, put as each visit finishes. Visits are read by key for the registry's users (BatchGetItem), never
 * by a scan of the table.
 */
import { type AttributeValue, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type FleetReconcileStateStore,
  fleetStateStore,
  type StoredFleetVisit,
} from '../../shared/pipeline/reconcile/fleet-state';
import { FLEET_RECONCILE_KEY_PREFIX } from '../../shared/wiring/fleet-reconcile';
import { DEDUPE_TABLE_KEY } from '../../shared/wiring/function-env';
import { batchGet, type RecoveryTableOptions } from './recovery-table';

export const fleetPassKey = `${FLEET_RECONCILE_KEY_PREFIX}pass`;
export const fleetVisitKey = (userId: number): string => `${FLEET_RECONCILE_KEY_PREFIX}visit#${userId}`;

const number = (value: AttributeValue | undefined): number | null =>
  value?.N === undefined ? null : Number(value.N);

export function dynamoFleetReconcileState(options: RecoveryTableOptions): FleetReconcileStateStore {
  const { client, tableName } = options;
  const now = options.now ?? (() => new Date());
  const put = (key: string, item: Record<string, AttributeValue>) =>
    client.send(
      new PutItemCommand({ TableName: tableName, Item: { [DEDUPE_TABLE_KEY]: { S: key }, ...item } }),
    );
  return fleetStateStore({
    async loadPass() {
      const answer = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [DEDUPE_TABLE_KEY]: { S: fleetPassKey } },
          ConsistentRead: true,
        }),
      );
      if (answer.Item === undefined) return null;
      return { startedAt: number(answer.Item.startedAt), pass: number(answer.Item.pass) ?? 0 };
    },
    async loadVisits(userIds) {
      const byKey = new Map(userIds.map((userId) => [fleetVisitKey(userId), userId]));
      const visits = new Map<number, StoredFleetVisit>();
      for (const item of await batchGet(options, [...byKey.keys()], now())) {
        const userId = byKey.get(item[DEDUPE_TABLE_KEY]?.S ?? '');
        if (userId === undefined) continue;
        visits.set(userId, {
          visitedAt: number(item.visitedAt) ?? 0,
          active: item.active?.BOOL === true,
          drifted: item.drifted?.BOOL === true,
          pass: number(item.pass) ?? 0,
        });
      }
      return visits;
    },
    async savePass(pass) {
      await put(fleetPassKey, {
        pass: { N: String(pass.pass) },
        ...(pass.startedAt === null ? {} : { startedAt: { N: String(pass.startedAt) } }),
      });
    },
    async saveVisit(userId, visit) {
      await put(fleetVisitKey(userId), {
        visitedAt: { N: String(visit.visitedAt) },
        active: { BOOL: visit.active },
        drifted: { BOOL: visit.drifted },
        pass: { N: String(visit.pass) },
      });
    },
  });
}
