/**
 * Property tests: whatever bunq adds, leaves out or invents, a callback with a valid envelope becomes exactly
 * one event whose detail-type is its category and which fits the published schema of that detail-type.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { isKnownCategory, KNOWN_CATEGORIES } from '../../../../../shared/bunq/callback/categories';
import {
  BUNQ_OBJECT_TYPES,
  BUNQ_OBJECTS,
  type BunqObjectType,
  isBunqObjectType,
} from '../../../../../shared/bunq/callback/objects';
import { DEFAULT_SCHEMA_NAME } from '../../../../../shared/contract/event-schemas';
import { buildBusEntry } from '../../../../../shared/pipeline/normalize/bus-entry';
import { normalizeCallback } from '../../../../../shared/pipeline/normalize/normalize-callback';
import { busEventOf, eventValidator, problemOf } from '../../contract/published-schemas';
import { callbackBody, OBJECT_FIXTURES, type ObjectFixture } from './object-fixtures';

const RECEIVED_AT = '2025-09-03T08:24:15.123Z';

/** Normalizes and builds the bus entry; fails the property if the callback would not become one event. */
function publish(body: string) {
  const outcome = normalizeCallback(Buffer.from(body, 'utf8'), RECEIVED_AT);
  if (!outcome.ok) throw new Error(`dropped: ${outcome.reason}: ${outcome.problem}`);
  const built = buildBusEntry(outcome.detail, 'bunq');
  if (!built.ok) throw new Error(`dropped: ${built.problem}`);
  const schemaName = isKnownCategory(built.entry.detailType) ? built.entry.detailType : DEFAULT_SCHEMA_NAME;
  const problem = problemOf(eventValidator(schemaName), busEventOf(built.entry));
  if (problem !== null) throw new Error(`does not fit ${schemaName}.json: ${problem}`);
  return { outcome, entry: built.entry, detail: outcome.detail };
}

/** What a value looks like after JSON (e.g. -0 becomes 0): the body is JSON text. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const typedFields = (detail: Record<string, unknown>) => {
  const { amount, direction, counterparty, description, status, objectSchema } = detail;
  return { amount, direction, counterparty, description, status, objectSchema };
};

const schemaKeys = (objectType: string): Set<string> =>
  new Set(Object.keys((BUNQ_OBJECTS[objectType as BunqObjectType].schema as z.ZodObject).shape));

const fixtures = fc.constantFrom(...OBJECT_FIXTURES);

const withFixture = (fixture: ObjectFixture, object: unknown) =>
  callbackBody(fixture.category, fixture.objectType, object);

/** Paths to every object property at any depth (through arrays too), never to an array element itself. */
function propertyPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => propertyPaths(item, [...prefix, index]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, key];
    // An Amount's value and currency are required: not optional places.
    const inAmount = (key === 'value' || key === 'currency') && 'value' in value && 'currency' in value;
    return [...(inAmount ? [] : [path]), ...propertyPaths(child, path)];
  });
}

function withNullAt(object: unknown, path: (string | number)[], remove: boolean): unknown {
  const copy = structuredClone(object) as Record<string | number, unknown>;
  let holder: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (remove) delete holder[last];
  else holder[last] = null;
  return copy;
}

describe('properties of the normalizer and the event catalog', () => {
  it('extra fields anywhere at the top never drop an event and never change its typed fields', () => {
    fc.assert(
      fc.property(
        fixtures.chain((fixture) =>
          fc.tuple(
            fc.constant(fixture),
            fc.dictionary(
              fc
                .string({ minLength: 1, maxLength: 24 })
                .filter((key) => !schemaKeys(fixture.objectType).has(key) && key !== '__proto__'),
              fc.jsonValue({ maxDepth: 3 }),
              { maxKeys: 6 },
            ),
          ),
        ),
        ([fixture, extra]) => {
          const reference = publish(fixture.text).detail;
          const object = { ...fixture.object, ...extra };
          const { detail, entry } = publish(withFixture(fixture, object));
          expect(entry.detailType).toBe(fixture.category);
          expect(detail.object).toEqual(asJson(object));
          expect(typedFields(detail)).toEqual(typedFields(reference));
        },
      ),
    );
  });

  it('nulls and missing fields in optional places, at any depth, never drop an event or its typing', () => {
    fc.assert(
      fc.property(
        fixtures.chain((fixture) => {
          const paths = propertyPaths(fixture.object);
          return fc.tuple(
            fc.constant(fixture),
            fc.subarray(paths, { maxLength: 8 }),
            fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
          );
        }),
        ([fixture, paths, removals]) => {
          let object: unknown = fixture.object;
          paths.forEach((path, index) => {
            try {
              object = withNullAt(object, path, removals[index] === true);
            } catch {
              // An earlier change removed this path's parent.
            }
          });
          const { detail, entry } = publish(withFixture(fixture, object));
          expect(entry.detailType).toBe(fixture.category);
          expect(detail.objectSchema).toBe('MATCHED');
        },
      ),
    );
  });

  it('any value in a known field is still published: typed when it fits, else untyped with its path', () => {
    fc.assert(
      fc.property(
        fixtures.chain((fixture) =>
          fc.tuple(
            fc.constant(fixture),
            fc.constantFrom(...schemaKeys(fixture.objectType)),
            fc.jsonValue({ maxDepth: 3 }),
          ),
        ),
        ([fixture, key, value]) => {
          const { detail, outcome } = publish(withFixture(fixture, { ...fixture.object, [key]: value }));
          expect(['MATCHED', 'MISMATCH']).toContain(detail.objectSchema);
          if (detail.objectSchema === 'MISMATCH') {
            expect(outcome.ok && outcome.schemaMismatch?.path.split('.')[0]).toBe(key);
            expect(typedFields(detail)).toMatchObject({ amount: null, direction: null, counterparty: null });
          } else {
            expect(outcome.ok && outcome.schemaMismatch).toBeNull();
          }
        },
      ),
    );
  });

  it('unknown object types, in known or unknown categories, become events with the raw object', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...KNOWN_CATEGORIES), fc.string({ minLength: 1, maxLength: 40 })),
        fc.string({ minLength: 1, maxLength: 40 }).filter((type) => !isBunqObjectType(type)),
        fc.dictionary(
          fc.string({ maxLength: 12 }).filter((key) => key !== '__proto__'),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        (category, objectType, object) => {
          const { detail, entry } = publish(callbackBody(category, objectType, object));
          expect(entry.detailType).toBe(category);
          expect(detail).toMatchObject({
            objectType,
            objectSchema: 'UNKNOWN',
            direction: null,
            counterparty: null,
          });
          expect(detail.object).toEqual(asJson(object));
        },
      ),
    );
  });

  it('known object types with any content at all are still published', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KNOWN_CATEGORIES),
        fc.constantFrom(...BUNQ_OBJECT_TYPES),
        fc.dictionary(
          fc.string({ maxLength: 12 }).filter((key) => key !== '__proto__'),
          fc.jsonValue({ maxDepth: 3 }),
        ),
        (category, objectType, object) => {
          const { detail } = publish(callbackBody(category, objectType, object));
          expect(['MATCHED', 'MISMATCH']).toContain(detail.objectSchema);
        },
      ),
    );
  });
});
