/**
 * Fuzzing the local runtime over loopback with raw HTTP/1.1: any method, request target (origin form,
 * absolute form, `*`, malformed), header (hostile names, spoofed forwarding headers, oversized values) and
 * body (binary, invalid UTF-8, deep, huge), framed with Content-Length or chunked.
 *
 * Properties: every request gets an answer and none is a 5xx (the local queue never refuses a write); only
 * a POST with the right token is ever accepted; the process keeps serving; and once drained, every accepted
 * callback is exactly one event or one dead letter holding its bytes. The HTTP server alone hands the ingest
 * handler the body byte-exact, the token decoded, and the socket's address whatever the headers claim.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { type CallbackHttpServer, startCallbackHttpServer } from '../../../local/http-server';
import { parsePipelineConfig } from '../../../shared/config/pipeline-config';
import { deadLetterBytes, startTestRuntime, TEST_TOKEN, type TestRuntime } from '../../e2e/helpers';
import { type HostileBody, hostileBody, type PresentedToken, presentedToken, runs } from '../../fuzz/hostile';
import { NORMALIZER_DEAD_LETTER_REASONS } from '../../fuzz/normalize-run';
import { type RawRequest, sendRaw } from '../../fuzz/raw-http';
import { capturingLogger } from '../../support/pipeline';

jest.setTimeout(60_000);

const MAX_BODY_BYTES = 4_096;
const MAX_REQUEST_BYTES = 16_384;

/** Percent-encodes every byte outside RFC 3986's unreserved set (lone surrogates become U+FFFD). */
const percentEncode = (text: string): string =>
  [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

type TargetForm = 'plain' | 'percent-encoded' | 'raw' | 'absolute' | 'dot-segments' | 'with-query';

interface FuzzCase {
  readonly method: string;
  readonly token: PresentedToken | null;
  readonly form: TargetForm | null;
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: HostileBody;
  readonly framing: RawRequest['framing'];
}

const forms = fc.constantFrom<TargetForm>(
  'plain',
  'percent-encoded',
  'raw',
  'absolute',
  'dot-segments',
  'with-query',
);
const tokens = fc.oneof(
  // Often the real token, so that many callbacks get in and the reconciliation has something to count.
  { arbitrary: fc.constant<PresentedToken>({ label: 'current', token: TEST_TOKEN }), weight: 2 },
  {
    arbitrary: presentedToken({ current: TEST_TOKEN, previous: 'previous-token-this-runtime-does-not-know' }),
    weight: 3,
  },
);
const callbackTarget = fc.tuple(tokens, forms).map(([token, form]) => {
  const text = token.token ?? '';
  const segment =
    form === 'raw'
      ? text
      : form === 'percent-encoded'
        ? // Every character as %XX: still the same token once decoded.
          [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')
        : percentEncode(text);
  const path = `/callbacks/${segment}`;
  const target =
    form === 'absolute'
      ? `http://127.0.0.1${path}`
      : form === 'dot-segments'
        ? `/callbacks/x/..${path.slice('/callbacks'.length)}`
        : form === 'with-query'
          ? `${path}?toString=1&__proto__=2&constructor=3&a=1&a=2`
          : path;
  return { token, form, target };
});

const otherTarget = fc
  .oneof(
    fc.constantFrom(
      '/',
      '/healthz',
      '/callbacks',
      '/callbacks/',
      `/callbacks/${TEST_TOKEN}/more`,
      `//callbacks/${TEST_TOKEN}`,
      `/CALLBACKS/${TEST_TOKEN}`,
      '*',
      `http://[::1/callbacks/${TEST_TOKEN}`,
      `//[x/callbacks/${TEST_TOKEN}`,
      '/callbacks/%ZZ',
      '/callbacks/%E0%A4%A',
      `/callbacks/${TEST_TOKEN}%2F`,
    ),
    fc.webPath(),
  )
  .map((target) => ({ token: null, form: null, target }));

const headerName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}$/),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'X-Forwarded-For',
    'Forwarded',
    'X-Real-IP',
    'Content-Type',
    'Cookie',
    'Authorization',
    'Expect',
  ),
);
// Header values without CR or LF (those would split the request rather than fuzz one).
const headerValue = fc.oneof(
  { arbitrary: fc.string({ maxLength: 64 }), weight: 8 },
  {
    arbitrary: fc.constantFrom('185.40.108.7', 'for=185.40.108.7', 'application/json', '100-continue'),
    weight: 4,
  },
  // Control characters and bytes over 0x7F: Node refuses most of them (400).
  {
    arbitrary: fc.string({ maxLength: 32, unit: 'binary-ascii' }).map((v) => v.replace(/[\r\n]/g, '')),
    weight: 1,
  },
  // Over Node's 16 KiB header limit: 431.
  { arbitrary: fc.integer({ min: 17_000, max: 40_000 }).map((n) => 'h'.repeat(n)), weight: 1 },
);

const cases: fc.Arbitrary<FuzzCase> = fc
  .record({
    method: fc.oneof(
      { arbitrary: fc.constant('POST'), weight: 8 },
      {
        arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'post', 'PROPFIND'),
        weight: 2,
      },
      { arbitrary: fc.stringMatching(/^[A-Z]{1,8}$/), weight: 1 },
    ),
    target: fc.oneof({ arbitrary: callbackTarget, weight: 5 }, { arbitrary: otherTarget, weight: 1 }),
    headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 3 }),
    body: hostileBody({ maxBytes: MAX_BODY_BYTES, hugeBytes: 24_000 }),
    framing: fc.oneof(
      { arbitrary: fc.constant<RawRequest['framing']>('content-length'), weight: 6 },
      { arbitrary: fc.constant<RawRequest['framing']>('chunked'), weight: 3 },
      // No framing: the body is not part of the request (an empty POST), its bytes arrive as garbage after it.
      { arbitrary: fc.constant<RawRequest['framing']>('none'), weight: 1 },
    ),
  })
  .map(({ target, ...rest }) => ({ ...rest, ...target }));

describe('local runtime over loopback, fuzzed', () => {
  let local: TestRuntime;
  beforeAll(async () => {
    local = await startTestRuntime({
      config: parsePipelineConfig({ ingest: { maxBodyBytes: MAX_BODY_BYTES } }),
      maxRequestBytes: MAX_REQUEST_BYTES,
    });
  });
  afterAll(async () => {
    await local?.dispose();
  });

  it('answers every request without a 5xx, accepts only the right token, and parks or publishes all it accepted', async () => {
    const accepted = new Map<string, Buffer>();
    let unique = 0;
    await fc.assert(
      fc.asyncProperty(cases, async (fuzz) => {
        unique += 1;
        const body = fuzz.body.unique(unique);
        const response = await sendRaw(local.runtime.port, {
          method: fuzz.method,
          target: fuzz.target,
          headers: fuzz.headers,
          body,
          framing: fuzz.framing,
        });
        // CONNECT asks for a tunnel, which the server does not offer: it hangs up. Anything else is answered.
        if (fuzz.method !== 'CONNECT') expect(response.status).not.toBeNull();
        expect(response.status ?? 0).toBeLessThan(500);
        if (fuzz.target.split('?')[0] === '/healthz') {
          // The health check answers GET and HEAD (with its own 200) and nothing else; it never enqueues.
          if (response.status === 200) expect(['GET', 'HEAD']).toContain(fuzz.method);
        } else if (response.status === 200) {
          // Never an unauthenticated enqueue: only a POST with the token itself gets in. (Unencoded in the
          // request line, white space after the token is the separator before `HTTP/1.1`, not part of it.)
          expect(fuzz.method).toBe('POST');
          const sentToken = fuzz.form === 'raw' ? fuzz.token?.token?.trimEnd() : fuzz.token?.token;
          expect(fuzz.token?.label === 'current' || sentToken === TEST_TOKEN).toBe(true);
          const requestId = response.headers['apigw-requestid'] ?? '';
          expect(requestId).not.toBe('');
          accepted.set(requestId, body);
        }
      }),
      { numRuns: runs(200) },
    );

    // The process still serves, then drains everything it accepted.
    expect(
      (
        await sendRaw(local.runtime.port, {
          method: 'GET',
          target: '/healthz',
          headers: [],
          body: Buffer.alloc(0),
          framing: 'none',
        })
      ).status,
    ).toBe(200);
    await local.runtime.stop();
    const events = await local.events();
    const deadLetters = await local.deadLetters();
    expect(events.length + deadLetters.length).toBe(accepted.size);
    expect(new Set(events.map((event) => event.detail.dedupKey)).size).toBe(events.length);
    for (const deadLetter of deadLetters) {
      expect(NORMALIZER_DEAD_LETTER_REASONS).toContain(deadLetter.reason);
      const sent = accepted.get(deadLetter.attributes.requestId ?? '');
      expect(sent).toBeDefined();
      expect(deadLetterBytes(deadLetter).equals(sent as Buffer)).toBe(true);
    }
  });
});

describe('spoofed source addresses', () => {
  let local: TestRuntime;
  beforeAll(async () => {
    // Only bunq's production range: the loopback client is outside it, whatever its headers say.
    local = await startTestRuntime({ allowedCidrs: ['185.40.108.0/22'] });
  });
  afterAll(async () => {
    await local?.dispose();
  });

  it('refuses the right token from outside the ranges, whatever forwarding headers claim', async () => {
    const spoof = fc.constantFrom(
      'X-Forwarded-For',
      'X-Real-IP',
      'Forwarded',
      'True-Client-IP',
      'CF-Connecting-IP',
      'X-Client-IP',
    );
    const inside = fc.constantFrom(
      '185.40.108.7',
      '::ffff:185.40.108.7',
      'for=185.40.108.7',
      '185.40.108.7, 127.0.0.1',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(spoof, inside), { minLength: 1, maxLength: 3 }), async (headers) => {
        const response = await sendRaw(local.runtime.port, {
          method: 'POST',
          target: `/callbacks/${TEST_TOKEN}`,
          headers,
          body: Buffer.from('{"NotificationUrl":{}}'),
          framing: 'content-length',
        });
        expect(response.status).toBe(403);
      }),
      { numRuns: runs(40) },
    );
    await local.runtime.drain(1_000);
    expect(local.runtime.stats()).toMatchObject({ events: 0, deadLetters: 0, queue: { invocations: 0 } });
  });
});

describe('the local API Gateway stand-in', () => {
  const received: APIGatewayProxyEventV2[] = [];
  let server: CallbackHttpServer;
  beforeAll(async () => {
    server = await startCallbackHttpServer({
      port: 0,
      logger: capturingLogger().logger,
      handler: async (event) => {
        received.push(event);
        return { statusCode: 200, body: '{}' };
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('hands the handler the body byte-exact, the token decoded, the query as sent and the socket address', async () => {
    const queryName = fc.oneof(
      fc.constantFrom('toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', 'a'),
      fc.string({ minLength: 1, maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        // `.` and `..` are dot segments, which URL parsing removes (`/callbacks/..` is `/`): never a token.
        fc
          .string({ minLength: 1, maxLength: 48, unit: 'grapheme' })
          .filter((token) => token !== '.' && token !== '..'),
        fc.uint8Array({ maxLength: 2_048 }),
        fc.array(fc.tuple(queryName, fc.string({ maxLength: 8 })), { maxLength: 5 }),
        async (token, bytes, query) => {
          received.length = 0;
          const search = new URLSearchParams(
            query.map(([name, value]): [string, string] => [name, value]),
          ).toString();
          const response = await sendRaw(server.port, {
            method: 'POST',
            target: `/callbacks/${encodeURIComponent(token)}${search === '' ? '' : `?${search}`}`,
            headers: [
              ['X-Forwarded-For', '185.40.108.7'],
              ['Content-Type', 'application/json'],
            ],
            body: Buffer.from(bytes),
            framing: 'content-length',
          });
          expect(response.status).toBe(200);
          expect(received).toHaveLength(1);
          const [event] = received as [APIGatewayProxyEventV2];
          expect(event.pathParameters?.token).toBe(token);
          expect(event.requestContext.http.sourceIp).toBe('127.0.0.1');
          expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
          expect(event.isBase64Encoded).toBe(bytes.length > 0);
          expect(Buffer.from(event.body ?? '', 'base64').equals(Buffer.from(bytes))).toBe(true);
          const expected = new Map<string, string>();
          for (const [name, value] of new URLSearchParams(search)) {
            const previous = expected.get(name);
            expected.set(name, previous === undefined ? value : `${previous},${value}`);
          }
          const actual = event.queryStringParameters ?? {};
          expect(Object.keys(actual).sort()).toEqual([...expected.keys()].sort());
          for (const [name, value] of expected)
            expect(Object.getOwnPropertyDescriptor(actual, name)?.value).toBe(value);
        },
      ),
      { numRuns: runs(80) },
    );
  });

  // Counterexamples the fuzzing found.
  it.each([`http://[::1/callbacks/${TEST_TOKEN}`, `//[x/callbacks/${TEST_TOKEN}`])(
    'regression: answers 400, not 500, to the request target %s that no URL parser takes',
    async (target) => {
      received.length = 0;
      const response = await sendRaw(server.port, {
        method: 'POST',
        target,
        headers: [],
        body: Buffer.from('{}'),
        framing: 'content-length',
      });
      expect(response.status).toBe(400);
      expect(received).toHaveLength(0);
    },
  );

  it('regression: a query parameter named like an Object member (toString) is passed as sent', async () => {
    received.length = 0;
    await sendRaw(server.port, {
      method: 'POST',
      target: `/callbacks/${TEST_TOKEN}?toString=a&toString=b&__proto__=c`,
      headers: [],
      body: Buffer.from('{}'),
      framing: 'content-length',
    });
    const parameters = received[0]?.queryStringParameters ?? {};
    expect(Object.getOwnPropertyDescriptor(parameters, 'toString')?.value).toBe('a,b');
    expect(Object.getOwnPropertyDescriptor(parameters, '__proto__')?.value).toBe('c');
  });
});
