/**
 * The normalizer's core: raw callback bytes in, an event detail (Contract 2) or a permanent failure out.
 * Pure: no clients, no clock, no Lambda types.
 */
import { primaryAmount } from '../../bunq/callback/amount';
import { readEnvelope } from '../../bunq/callback/envelope';
import { type ObjectTyping, typeObject } from '../../bunq/callback/objects';
import { rawNumberAt } from '../../bunq/callback/raw-number';
import { bunqTimeToRfc3339 } from '../../bunq/callback/time';
import type { CallbackEventDetail, RecoveredBy } from '../../contract/callback-event';
import { dedupeKey } from './dedupe-key';

/** Why a callback can never become an event. Each is permanent: retrying cannot help. */
export type PermanentFailureReason =
  | 'invalid-encoding'
  | 'invalid-json'
  | 'invalid-envelope'
  | 'event-too-large';

/**
 * A known object type whose object did not match its schema. The event is still published (raw object, typed
 * fields null); the handler counts it in the `SchemaMismatch` metric so drift shows.
 */
export interface SchemaMismatch {
  readonly objectType: string;
  /** Where the object first failed its schema, e.g. `amount.value` (a field path, never a value). */
  readonly path: string;
  /** The kind of failure (zod's issue code, e.g. `invalid_type`). */
  readonly code: string;
}

export type NormalizeOutcome =
  | {
      readonly ok: true;
      readonly detail: CallbackEventDetail;
      /** Set when a known object type did not match its schema; null otherwise. */
      readonly schemaMismatch: SchemaMismatch | null;
    }
  | { readonly ok: false; readonly reason: PermanentFailureReason; readonly problem: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The deepest nesting of objects and arrays accepted. bunq objects nest a few levels; what comes after the
 * parse (the dedupe key, the event, the claim check) serializes with `JSON.stringify`, which recurses and
 * overflows the stack a few thousand levels down. A deeper body is refused here as invalid JSON, as RFC 8259
 * (section 9) lets a parser do, so it is parked at once instead of failing every delivery.
 */
export const MAX_JSON_DEPTH = 512;

/** Whether `value` nests objects and arrays deeper than `max` levels. Iterative: no recursion to overflow. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  // Containers still to look into, and the level each sits at (two stacks: no tuple per node).
  const containers: object[] = [];
  const levels: number[] = [];
  if (value !== null && typeof value === 'object') {
    containers.push(value);
    levels.push(1);
  }
  for (let current = containers.pop(); current !== undefined; current = containers.pop()) {
    const level = levels.pop() as number;
    if (level > max) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') {
        containers.push(child);
        levels.push(level + 1);
      }
    }
  }
  return false;
}

/** JSON.parse's message quotes the input; keep only where it failed so no body text reaches a log. */
function jsonProblem(error: unknown): string {
  const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
  return position === undefined
    ? 'body is not valid JSON'
    : `body is not valid JSON (at position ${position})`;
}

const numberOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

const idOrNull = (value: unknown): number | string | null =>
  (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value !== '')
    ? value
    : null;

/**
 * The object's id without loss: an integer id beyond 2^53 - 1 (which JSON.parse rounds, so distinct ids
 * would share one dedupe key) is read back from the body text and kept as its exact decimal string.
 */
function objectIdOf(
  object: Record<string, unknown>,
  text: string,
  objectType: string,
): number | string | null {
  const id = idOrNull(object.id);
  if (typeof id !== 'number' || Number.isSafeInteger(id)) return id;
  const raw = rawNumberAt(text, ['NotificationUrl', 'object', objectType, 'id']);
  return raw !== null && /^-?\d+$/.test(raw) ? raw : id;
}

function monetaryAccountIdOf(objectType: string, object: Record<string, unknown>): number | null {
  const direct = numberOrNull(object.monetary_account_id);
  if (direct !== null) return direct;
  // A MonetaryAccount callback is about the account itself.
  return objectType.startsWith('MonetaryAccount') ? numberOrNull(object.id) : null;
}

type TypedDetailFields = Pick<
  CallbackEventDetail,
  'amount' | 'direction' | 'counterparty' | 'description' | 'status' | 'objectSchema'
>;

/** The detail's typed fields for a typing result (see the table in `shared/bunq/callback/objects`). */
function typedFields(
  typing: ObjectTyping,
  objectType: string,
  object: Record<string, unknown>,
): TypedDetailFields {
  const none = { direction: null, counterparty: null, description: null, status: null } as const;
  switch (typing.schema) {
    case 'MATCHED':
      return { ...typing.fields, objectSchema: 'MATCHED' };
    case 'MISMATCH':
      return { amount: null, ...none, objectSchema: 'MISMATCH' };
    case 'UNKNOWN':
      // No schema: only the generic top-level `amount` is read (it is checked on its own).
      return { amount: primaryAmount(objectType, object), ...none, objectSchema: 'UNKNOWN' };
  }
}

/**
 * @param recoveredBy set when the callback did not come from bunq on its own (see Contract 2's `recoveredBy`)
 * @param userId the bunq user the callback belongs to, when the URL it was sent to says (Contract 2's `userId`)
 */
export function normalizeCallback(
  body: Uint8Array,
  receivedAt: string,
  recoveredBy: RecoveredBy | null = null,
  userId: number | null = null,
): NormalizeOutcome {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, reason: 'invalid-encoding', problem: 'body is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'invalid-json', problem: jsonProblem(error) };
  }
  if (nestsDeeperThan(json, MAX_JSON_DEPTH)) {
    return {
      ok: false,
      reason: 'invalid-json',
      problem: `body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`,
    };
  }
  const read = readEnvelope(json);
  if (!read.ok) return { ok: false, reason: 'invalid-envelope', problem: read.problem };

  const { category, eventType, objectType, object } = read.envelope;
  const objectId = objectIdOf(object, text, objectType);
  const updatedRaw = typeof object.updated === 'string' ? object.updated : null;
  const typing = typeObject(objectType, object);
  return {
    ok: true,
    schemaMismatch:
      typing.schema === 'MISMATCH' ? { objectType, path: typing.path, code: typing.code } : null,
    detail: {
      category,
      eventType,
      objectType,
      objectId,
      userId,
      monetaryAccountId: monetaryAccountIdOf(objectType, object),
      ...typedFields(typing, objectType, object),
      createdAt: bunqTimeToRfc3339(object.created),
      updatedAt: bunqTimeToRfc3339(updatedRaw),
      receivedAt,
      dedupKey: dedupeKey({ category, eventType, objectType, objectId, updated: updatedRaw, object }),
      recoveredBy,
      object,
      objectRef: null,
    },
  };
}
