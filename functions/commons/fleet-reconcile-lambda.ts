/**
 * The reconcile Lambda's fleet reconciler over AWS: the registry on its table, each user's bunq client on
 * its credential secret behind one rate gate per instance (so its counts carry over between invocations),
 * the pass state in the recovery table, and a budget counted from the start of each invocation.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BunqApiClient } from '../../shared/bunq/api/client';
import { createRateGate } from '../../shared/bunq/api/rate-gate';
import { SecretsManagerBunqStateStore } from '../../shared/bunq/api/secrets-manager-state-store';
import type { FleetReconcileReport } from '../../shared/pipeline/reconcile/fleet';
import { composeFleetReconcile, type FleetReconcilePorts } from '../compose/fleet-reconcile';
import type { ReconcileSettings } from '../compose/reconcile';
import type { ScheduledHandler } from '../handlers/scheduled-run';
import type { FleetReconcileEnvironment } from './fleet-reconcile-environment';
import { dynamoFleetReconcileState } from './fleet-reconcile-state';
import { dynamoFleetRegistry } from './fleet-registry';
import { reconcileBunqApi } from './reconcile-bunq';

export interface LambdaFleetReconcileOptions {
  readonly fleet: FleetReconcileEnvironment;
  readonly settings: ReconcileSettings;
  readonly bunqBaseUrl: string;
  readonly tableName: string;
  readonly dynamo: DynamoDBClient;
  readonly secrets: SecretsManagerClient;
  /** Shared with the partner's own run. */
  readonly ports: Pick<
    FleetReconcilePorts,
    'arrivals' | 'cursors' | 'sink' | 'redeliveries' | 'callbackBaseUrl' | 'currentToken'
  >;
}

/** The fleet handler, and `invoked` to tell it when an invocation started. */
export function lambdaFleetReconcile(options: LambdaFleetReconcileOptions): {
  readonly handler: ScheduledHandler<FleetReconcileReport>;
  readonly invoked: (at: number) => void;
} {
  const { fleet, secrets } = options;
  const gate = createRateGate({ scope: fleet.rateLimitScope });
  let invokedAt = Date.now();
  const handler = composeFleetReconcile(
    { ...options.settings, budgetMs: () => fleet.budgetMs - (Date.now() - invokedAt) },
    {
      ...options.ports,
      registry: dynamoFleetRegistry({ client: options.dynamo, tableName: fleet.fleetTableName }),
      userApi: (entry) =>
        reconcileBunqApi(
          new BunqApiClient({
            baseUrl: options.bunqBaseUrl,
            stateStore: new SecretsManagerBunqStateStore({ secretId: entry.credentialsRef, client: secrets }),
            rateLimits: false,
            fetch: gate.fetchFor(entry.userId, (url, init) => fetch(url, init)),
          }),
        ),
      state: dynamoFleetReconcileState({ client: options.dynamo, tableName: options.tableName }),
    },
  );
  return {
    handler,
    invoked: (at) => {
      invokedAt = at;
    },
  };
}
