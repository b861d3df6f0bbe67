/**
 * Fuzzing the normalizer's core (`normalizeCallback`, then `buildBusEntry`): whatever bytes an authenticated
 * caller sends, it answers an event or a permanent failure with a known reason, never throws, and never
 * reaches `Object.prototype` through `__proto__`/`constructor` keys.
 */
import fc from 'fast-check';
import { buildBusEntry } from '../../../../../shared/pipeline/normalize/bus-entry';
import { claimCheckFor } from '../../../../../shared/pipeline/normalize/claim-check';
import {
  MAX_JSON_DEPTH,
  normalizeCallback,
} from '../../../../../shared/pipeline/normalize/normalize-callback';
import {
  category,
  envelopeText,
  HOSTILE_KEYS,
  hostileBody,
  hostileJson,
  hostileObject,
  INVALID_UTF8,
  nestedText,
  objectType,
  prototypeSnapshot,
  runs,
} from '../../../../fuzz/hostile';

const RECEIVED_AT = '2025-09-03T08:24:15.123Z';
const REASONS = ['invalid-encoding', 'invalid-json', 'invalid-envelope', 'event-too-large'];
const pristine = prototypeSnapshot();

/** Normalizes and builds the event; throws (failing the property) only if either step throws. */
function normalize(body: Buffer) {
  const outcome = normalizeCallback(body, RECEIVED_AT);
  if (!outcome.ok) {
    expect(REASONS).toContain(outcome.reason);
    // The problem names where the body failed, never what it held.
    expect(outcome.problem.length).toBeLessThan(300);
    return { outcome, built: undefined };
  }
  const built = buildBusEntry(outcome.detail, 'bunq');
  if (!built.ok) claimCheckFor(outcome.detail);
  return { outcome, built };
}

afterEach(() => {
  expect(prototypeSnapshot()).toBe(pristine);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('normalizeCallback under fuzzing', () => {
  it('answers an outcome for any bytes at all, never an exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_048 }), (bytes) => {
        normalize(Buffer.from(bytes));
      }),
      { numRuns: runs(300) },
    );
  });

  it('refuses bytes that are not UTF-8 as invalid-encoding, wherever the bad sequence sits', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 64 }),
        fc.constantFrom(...INVALID_UTF8),
        fc.string({ maxLength: 64 }),
        (before, bad, after) => {
          const { outcome } = normalize(Buffer.concat([Buffer.from(before), bad, Buffer.from(after)]));
          expect(outcome).toMatchObject({ ok: false, reason: 'invalid-encoding' });
        },
      ),
      { numRuns: runs(100) },
    );
  });

  it('answers an outcome for any JSON value, with hostile keys at any depth', () => {
    fc.assert(
      fc.property(fc.oneof(hostileJson, fc.jsonValue()), (value) => {
        normalize(Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'));
      }),
      { numRuns: runs(300) },
    );
  });

  it('publishes any object in an envelope, hostile keys kept as plain data and Object.prototype untouched', () => {
    fc.assert(
      fc.property(
        category,
        fc.option(category, { nil: null }),
        objectType,
        hostileObject,
        (cat, type, key, object) => {
          const text = envelopeText({ category: cat, eventType: type, objectType: key }, object);
          const { outcome, built } = normalize(Buffer.from(text, 'utf8'));
          if (!outcome.ok) throw new Error(`dropped: ${outcome.reason}: ${outcome.problem}`);
          expect(built?.ok).toBe(true);
          const { detail } = outcome;
          expect(detail.category).toBe(cat);
          expect(detail.objectType).toBe(key);
          // The object is the one parsed from the body: same own keys (`__proto__` included), same JSON.
          expect(JSON.stringify(detail.object)).toBe(JSON.stringify(object));
          expect(Object.getPrototypeOf(detail.object)).toBe(Object.prototype);
          // The typed fields are plain data read from own properties, never from a prototype.
          for (const field of [detail.amount, detail.counterparty]) {
            if (field !== null) expect(Object.getPrototypeOf(field)).toBe(Object.prototype);
          }
          expect(detail.objectId === null || ['number', 'string'].includes(typeof detail.objectId)).toBe(
            true,
          );
          expect(detail.monetaryAccountId === null || typeof detail.monetaryAccountId === 'number').toBe(
            true,
          );
        },
      ),
      { numRuns: runs(400) },
    );
  });

  it('reads no typed field from a `__proto__` or `constructor` key', () => {
    for (const hostile of ['__proto__', 'constructor', 'prototype']) {
      const object = JSON.parse(
        `{"${hostile}":{"id":666,"amount":{"value":"-1.00","currency":"EUR"},"description":"evil","monetary_account_id":666}}`,
      ) as Record<string, unknown>;
      const text = envelopeText(
        { category: 'MUTATION', eventType: 'MUTATION_CREATED', objectType: 'Payment' },
        object,
      );
      const { outcome } = normalize(Buffer.from(text, 'utf8'));
      expect(outcome).toMatchObject({
        ok: true,
        detail: { objectId: null, amount: null, monetaryAccountId: null, description: null },
      });
    }
  });

  it('uses a hostile name as category, event type or object type without consulting Object.prototype', () => {
    for (const name of HOSTILE_KEYS) {
      const text = envelopeText({ category: name, eventType: name, objectType: name }, { id: 1 });
      const { outcome, built } = normalize(Buffer.from(text, 'utf8'));
      expect(outcome).toMatchObject({
        ok: true,
        detail: { category: name, eventType: name, objectType: name, objectSchema: 'UNKNOWN' },
      });
      expect(built?.ok).toBe(true);
    }
  });

  it('parks bodies of any size and kind as an event, a claim check or a permanent failure', () => {
    fc.assert(
      fc.property(hostileBody({ maxBytes: 40_000, hugeBytes: 300_000 }), (body) => {
        normalize(body.bytes);
      }),
      { numRuns: runs(150) },
    );
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels as invalid-json, and takes anything shallower`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom<'array' | 'object'>('array', 'object'),
        fc.constantFrom<'root' | 'object' | 'envelope'>('root', 'object', 'envelope'),
        (depth, shape, where) => {
          const deep = nestedText(depth, shape);
          // Levels above the nested part: root 0; inside the object 4 (root, NotificationUrl, object, Payment).
          const [text, above] =
            where === 'root'
              ? [deep, 0]
              : where === 'object'
                ? [
                    `{"NotificationUrl":{"category":"MUTATION","object":{"Payment":{"id":1,"deep":${deep}}}}}`,
                    4,
                  ]
                : [`{"NotificationUrl":${deep}}`, 1];
          const { outcome, built } = normalize(Buffer.from(text, 'utf8'));
          if (depth + above > MAX_JSON_DEPTH) {
            expect(outcome).toMatchObject({ ok: false, reason: 'invalid-json' });
          } else if (where === 'object') {
            expect(outcome.ok && built?.ok).toBe(true);
          }
        },
      ),
      { numRuns: runs(60) },
    );
  });

  // Counterexamples the fuzzing found (both threw RangeError: Maximum call stack size exceeded, from
  // JSON.stringify in the dedupe key and in the event; the record failed every delivery until SQS gave up).
  it.each([
    ['an object without `updated` (dedupe key over its content)', '{"id":1,"x":%DEEP%}'],
    [
      'an object with id and `updated` (the event itself)',
      '{"id":1,"updated":"2020-01-01 00:00:00.000000","x":%DEEP%}',
    ],
  ])('regression: 200,000 nested arrays inside %s are invalid-json, not a crash', (_, object) => {
    const text = `{"NotificationUrl":{"category":"MUTATION","event_type":"X","object":{"Payment":${object.replace('%DEEP%', nestedText(200_000, 'array'))}}}}`;
    expect(() => normalizeCallback(Buffer.from(text, 'utf8'), RECEIVED_AT)).not.toThrow();
    expect(normalizeCallback(Buffer.from(text, 'utf8'), RECEIVED_AT)).toEqual({
      ok: false,
      reason: 'invalid-json',
      problem: `body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`,
    });
  });
});
