/**
 * fast-check arbitraries for hostile callback input, shared by the fuzz tests of the normalizer, the ingest
 * handler and the local HTTP server: bytes that are not UTF-8, JSON with `__proto__`/`constructor` keys,
 * deeply nested and huge JSON, tokens one character or one length away from the real one, source addresses
 * inside and outside the allowed ranges. Each generated value carries a label saying what it is, so a
 * property can state what the pipeline must do with it.
 */
import fc from 'fast-check';
import { type FixtureName, fixtureText } from '../support/fixtures';

/** How many runs a property gets: `FUZZ_SCALE=10 npx jest test/unit (the *.fuzz.test.ts files)` fuzzes ten times longer. */
export function runs(base: number): number {
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** Keys that reach `Object.prototype` when code assigns them naively, and other inherited names. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  '__lookupGetter__',
  'then',
  'length',
] as const;

/** Field names the normalizer reads, so hostile values land where typed fields are read. */
const BUNQ_FIELDS = [
  'id',
  'created',
  'updated',
  'amount',
  'value',
  'currency',
  'monetary_account_id',
  'counterparty_alias',
  'display_name',
  'iban',
  'description',
  'status',
  'payment',
  'payments',
  'Payment',
  'entries',
  'result_object',
  'amount_billing',
  'authorization_code',
  'token_value',
] as const;

const key = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_KEYS), weight: 3 },
  { arbitrary: fc.constantFrom(...BUNQ_FIELDS), weight: 3 },
  { arbitrary: fc.string({ maxLength: 12, unit: 'binary' }), weight: 2 },
);

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 24, unit: 'binary' }),
  fc.constantFrom('-20.00', 'EUR', '2025-09-03 08:24:14.266407', '', '__proto__', 'NaN', '1e999'),
);

/**
 * JSON values whose objects use hostile keys as own properties (`Object.fromEntries` defines them, as
 * `JSON.parse` does), nested a few levels.
 */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ json: unknown; object: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    leaf,
    fc.array(tie('json'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc
    .array(fc.tuple(key, tie('json')), { maxLength: 6 })
    .map((entries) => Object.fromEntries(entries)),
})).json;

/** An object (never an array or a scalar) with hostile keys: what sits under `NotificationUrl.object.<Type>`. */
export const hostileObject: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(key, hostileJson), { maxLength: 8 })
  .map((entries) => Object.fromEntries(entries));

/** Object types: the known ones, names of `Object.prototype` members, and made-up ones. */
export const objectType = fc.oneof(
  fc.constantFrom('Payment', 'MasterCardAction', 'PaymentBatch', 'MonetaryAccount', 'ChatMessage'),
  fc.constantFrom('RequestResponse', 'ScheduledInstance', 'DraftPayment', 'PartnerUserProvision', 'Invoice'),
  fc.constantFrom(...HOSTILE_KEYS),
  fc.string({ minLength: 1, maxLength: 16, unit: 'binary' }),
);

/** Categories and event types: known, hostile and made-up. */
export const category = fc.oneof(
  fc.constantFrom('MUTATION', 'PAYMENT', 'CARD_TRANSACTION_SUCCESSFUL', 'PARTNER_USER_PROVISION', 'REQUEST'),
  fc.constantFrom(...HOSTILE_KEYS),
  fc.string({ minLength: 1, maxLength: 24, unit: 'binary' }),
);

/** JSON text of a valid bunq envelope around `object`. */
export function envelopeText(
  parts: { category: string; eventType: string | null; objectType: string },
  object: unknown,
): string {
  return JSON.stringify({
    NotificationUrl: {
      target_url: 'https://example.com/callbacks/not-the-token',
      category: parts.category,
      event_type: parts.eventType,
      object: Object.fromEntries([[parts.objectType, object]]),
    },
  });
}

/** Arrays (`[[[…]]]`) or objects (`{"a":{"a":…}}`) nested `depth` levels, around `inner`. */
export function nestedText(depth: number, shape: 'array' | 'object', inner = '1'): string {
  return shape === 'array'
    ? `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;
}

/** Byte sequences no UTF-8 decoder accepts: stray continuation, overlong, surrogate, truncated, 0xFF. */
export const INVALID_UTF8: readonly Buffer[] = [
  Buffer.from([0x80]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0xff, 0xfe]),
];

export type BodyKind =
  | 'bunq-fixture'
  | 'hostile-envelope'
  | 'deep-envelope'
  | 'deep-json'
  | 'json'
  | 'bytes'
  | 'invalid-utf8'
  | 'text'
  | 'huge-json'
  | 'empty';

/**
 * A callback body and what it is. `unique(n)` rebuilds it with a distinct object id where it is an envelope,
 * so two generated callbacks never dedupe into one event (a property can then count events exactly).
 */
export interface HostileBody extends fc.WithToStringMethod {
  readonly kind: BodyKind;
  readonly bytes: Buffer;
  unique(n: number): Buffer;
}

/** How a body prints in a counterexample: its kind, size and first bytes, not thousands of numbers. */
function describeBody(this: HostileBody): string {
  const preview = this.bytes.subarray(0, 120).toString('utf8');
  return `${this.kind} body of ${this.bytes.length} bytes: ${JSON.stringify(preview)}${this.bytes.length > 120 ? '…' : ''}`;
}

const body = (kind: BodyKind, bytes: Buffer, unique: (n: number) => Buffer): HostileBody => ({
  kind,
  bytes,
  unique,
  [fc.toStringMethod]: describeBody,
});

const same = (kind: BodyKind, bytes: Buffer): HostileBody => body(kind, bytes, () => bytes);

const envelopeBody = (
  kind: BodyKind,
  parts: { category: string; eventType: string | null; objectType: string },
  object: Record<string, unknown>,
): HostileBody => {
  const make = (id: number | undefined) =>
    Buffer.from(envelopeText(parts, id === undefined ? object : { ...object, id }), 'utf8');
  return body(kind, make(undefined), make);
};

const envelopeParts = fc.record({
  category,
  eventType: fc.option(category, { nil: null }),
  objectType,
});

const DEEP_PLACEHOLDER = '\u0000deep\u0000';

const shapes = fc.constantFrom<'array' | 'object'>('array', 'object');

/** The fixtures bunq sends, byte for byte. */
const fixtureBodies = fc
  .constantFrom<FixtureName>(
    'partner-user-provision',
    'mutation-payment',
    'card-transaction',
    'request-inquiry',
  )
  .map((name): HostileBody => {
    const text = fixtureText(name);
    const json = JSON.parse(text) as { NotificationUrl: { object: Record<string, Record<string, unknown>> } };
    const [[type, object]] = Object.entries(json.NotificationUrl.object) as [[string, object]];
    return body('bunq-fixture', Buffer.from(text, 'utf8'), (n) => {
      json.NotificationUrl.object = { [type]: { ...object, id: n } };
      return Buffer.from(JSON.stringify(json), 'utf8');
    });
  });

/**
 * Bodies of every kind, each at most `maxBytes` (bar `huge-json`, which is meant to be over the limit):
 * bunq's own examples, envelopes around hostile objects, deep nesting on both sides of the normalizer's depth
 * limit, any JSON, random bytes, invalid UTF-8, text and nothing at all.
 */
export function hostileBody(options: { maxBytes: number; hugeBytes: number }): fc.Arbitrary<HostileBody> {
  const { maxBytes, hugeBytes } = options;
  const fit = (body: HostileBody): boolean => body.kind === 'huge-json' || body.bytes.length <= maxBytes;
  return fc
    .oneof(
      { arbitrary: fixtureBodies, weight: 2 },
      {
        arbitrary: fc
          .tuple(envelopeParts, hostileObject)
          .map(([parts, object]) => envelopeBody('hostile-envelope', parts, object)),
        weight: 4,
      },
      {
        arbitrary: fc
          .tuple(
            envelopeParts,
            fc.integer({ min: 1, max: Math.max(1, Math.floor((maxBytes - 200) / 6)) }),
            shapes,
          )
          .map(([parts, depth, shape]): HostileBody => {
            // Spliced in as text: serializing the nested value would overflow the test's own stack.
            const placeholder = JSON.stringify(DEEP_PLACEHOLDER);
            const make = (id: number | undefined) =>
              Buffer.from(
                envelopeText(parts, { id, deep: DEEP_PLACEHOLDER }).replace(
                  placeholder,
                  nestedText(depth, shape),
                ),
                'utf8',
              );
            return body('deep-envelope', make(undefined), make);
          }),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(fc.integer({ min: 1, max: Math.floor(maxBytes / 6) }), shapes)
          .map(([depth, shape]) => same('deep-json', Buffer.from(nestedText(depth, shape), 'utf8'))),
        weight: 1,
      },
      {
        arbitrary: fc
          .oneof(hostileJson, fc.jsonValue())
          .map((value) => same('json', Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'))),
        weight: 2,
      },
      {
        arbitrary: fc.uint8Array({ minLength: 1, maxLength: 512 }).map((b) => same('bytes', Buffer.from(b))),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...INVALID_UTF8), fc.string({ maxLength: 64 }), fc.string({ maxLength: 64 }))
          .map(([bad, before, after]) =>
            same('invalid-utf8', Buffer.concat([Buffer.from(before), bad, Buffer.from(after)])),
          ),
        weight: 2,
      },
      {
        arbitrary: fc
          .string({ minLength: 1, maxLength: 256, unit: 'binary' })
          .map((text) => same('text', Buffer.from(text, 'utf8'))),
        weight: 1,
      },
      {
        arbitrary: fc
          .integer({ min: maxBytes + 1, max: hugeBytes })
          .map((size) => same('huge-json', Buffer.from(JSON.stringify({ pad: 'x'.repeat(size) }), 'utf8'))),
        weight: 1,
      },
      { arbitrary: fc.constant(same('empty', Buffer.alloc(0))), weight: 1 },
    )
    .filter(fit);
}

/** What a presented token is, relative to the real ones. */
export type TokenLabel =
  | 'current'
  | 'previous'
  | 'one-char-changed'
  | 'one-char-longer'
  | 'one-char-shorter'
  | 'prefix'
  | 'case-changed'
  | 'padded'
  | 'random'
  | 'empty'
  | 'missing';

export interface PresentedToken {
  readonly label: TokenLabel;
  readonly token: string | undefined;
}

/** Characters a valid token may use (`callbackTokenSecretSchema`). */
const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/**
 * Tokens near the real ones: the current and the previous token themselves (whether the previous one is still
 * valid is the test's to say), and the current one with one character changed, added or removed, cut short,
 * in another case, padded; random text; empty; missing.
 */
export function presentedToken(tokens: { current: string; previous: string }): fc.Arbitrary<PresentedToken> {
  const { current } = tokens;
  const at = fc.nat({ max: current.length - 1 });
  const char = fc.oneof(
    fc.constantFrom(...TOKEN_CHARS),
    fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  );
  const near = (label: TokenLabel, arbitrary: fc.Arbitrary<string>) =>
    arbitrary
      .filter((token) => token !== current && token !== tokens.previous)
      .map((token): PresentedToken => ({ label, token }));
  return fc.oneof(
    { arbitrary: fc.constant<PresentedToken>({ label: 'current', token: current }), weight: 4 },
    { arbitrary: fc.constant<PresentedToken>({ label: 'previous', token: tokens.previous }), weight: 2 },
    near(
      'one-char-changed',
      fc.tuple(at, char).map(([i, c]) => `${current.slice(0, i)}${c}${current.slice(i + 1)}`),
    ),
    near(
      'one-char-longer',
      fc
        .tuple(fc.nat({ max: current.length }), char)
        .map(([i, c]) => `${current.slice(0, i)}${c}${current.slice(i)}`),
    ),
    near(
      'one-char-shorter',
      at.map((i) => `${current.slice(0, i)}${current.slice(i + 1)}`),
    ),
    near(
      'prefix',
      fc.nat({ max: current.length - 1 }).map((n) => current.slice(0, n)),
    ),
    near('case-changed', fc.constantFrom(current.toUpperCase(), current.toLowerCase())),
    near('padded', fc.constantFrom(` ${current}`, `${current} `, `${current}\n`, `${current}\u0000`)),
    near('random', fc.string({ maxLength: 64, unit: 'binary' })),
    fc.constant<PresentedToken>({ label: 'empty', token: '' }),
    fc.constant<PresentedToken>({ label: 'missing', token: undefined }),
  );
}

export interface SourceAddress {
  readonly inside: boolean;
  readonly ip: string | undefined;
}

/**
 * Source addresses relative to 185.40.108.0/22 and 2001:db8::/32: inside (IPv4, IPv4-mapped IPv6, IPv6),
 * just outside, random, and not addresses at all.
 */
export const sourceAddress: fc.Arbitrary<SourceAddress> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 108, max: 111 }), fc.nat({ max: 255 }))
    .map(([c, d]) => ({ inside: true, ip: `185.40.${c}.${d}` })),
  fc
    .tuple(fc.integer({ min: 108, max: 111 }), fc.nat({ max: 255 }))
    .map(([c, d]) => ({ inside: true, ip: `::ffff:185.40.${c}.${d}` })),
  fc.nat({ max: 0xffff }).map((n) => ({ inside: true, ip: `2001:db8::${n.toString(16)}` })),
  fc
    .constantFrom('185.40.107.255', '185.40.112.0', '185.41.108.1', '2001:db9::1', '::1', '127.0.0.1')
    .map((ip) => ({
      inside: false,
      ip,
    })),
  fc
    .ipV4()
    .filter((ip) => !ip.startsWith('185.40.'))
    .map((ip) => ({ inside: false, ip })),
  fc
    .constantFrom('', 'not-an-ip', '185.40.108.1/22', '185.040.108.001', '::ffff:', '[::1]', '185.40.108')
    .map((ip) => ({ inside: false, ip })),
  // Surrounding white space does not change the address.
  fc.constantFrom(' 185.40.108.1', '185.40.111.255\n').map((ip) => ({ inside: true, ip })),
  fc.constant({ inside: false, ip: undefined }),
);

/** Methods API Gateway or a client may send, in odd spellings too. */
export const method = fc.oneof(
  { arbitrary: fc.constant('POST'), weight: 6 },
  {
    arbitrary: fc.constantFrom('post', 'Post', 'GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
    weight: 2,
  },
  { arbitrary: fc.string({ maxLength: 10, unit: 'binary' }), weight: 1 },
);

/** Header maps that lie about the body (content type, length, encoding), with oversized values. */
export const lyingHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'content-type': fc.constantFrom(
        'application/json',
        'text/plain',
        'application/octet-stream',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        '',
      ),
      'content-length': fc.oneof(fc.nat().map(String), fc.constantFrom('-1', 'NaN', '99999999999999999999')),
      'content-encoding': fc.constantFrom('gzip', 'br', 'identity'),
      'x-forwarded-for': fc.constantFrom('185.40.108.7', '185.40.108.7, 10.0.0.1'),
      'x-oversized': fc.nat({ max: 64 * 1024 }).map((n) => 'x'.repeat(n)),
    },
    { requiredKeys: [] },
  )
  .map((headers) => ({ ...headers }));

/** Own property names of the built-in prototypes, to check that nothing reached them. */
export function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype]
    .map((prototype) => Object.getOwnPropertyNames(prototype).sort().join(','))
    .join('|');
}
