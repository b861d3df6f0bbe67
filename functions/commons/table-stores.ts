/**
 * The DynamoDB side of each function's ports, on the one dedupe table (dedupe markers, arrivals, retry
 * attempts), for any DynamoDB client: AWS in Lambda, dynalite locally and in tests.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DedupeStore } from '../../shared/pipeline/normalize/dedupe';
import type { ArrivalLog, ArrivalRecorder, AttemptStore } from '../../shared/pipeline/recovery/ports';
import { dynamoArrivalLog, dynamoArrivalRecorder } from './arrival-store';
import { dynamoAttemptStore } from './attempt-store';
import { createDedupeStore } from './dedupe-store';

/** The normalizer's stores: dedupe markers, and arrivals living as long as a marker. */
export function normalizeTableStores(
  client: DynamoDBClient,
  tableName: string,
  dedupeTtlSeconds: number,
): { readonly dedupe: DedupeStore; readonly arrivals: ArrivalRecorder } {
  return {
    dedupe: createDedupeStore({ tableName, client }),
    arrivals: dynamoArrivalRecorder({ client, tableName, ttlSeconds: dedupeTtlSeconds }),
  };
}

/** The failure poller's stores: the arrivals it reads and its own attempts. */
export function recoveryTableStores(
  client: DynamoDBClient,
  tableName: string,
  attemptTtlSeconds: number,
): { readonly arrivals: ArrivalLog; readonly attempts: AttemptStore } {
  return {
    arrivals: dynamoArrivalLog({ client, tableName }),
    attempts: dynamoAttemptStore({ client, tableName, ttlSeconds: attemptTtlSeconds }),
  };
}
