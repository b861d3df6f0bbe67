/**
 * Fuzzing the ingest handler (Contract 1) with the real SQS adapter, SQS answering through
 * aws-sdk-client-mock: random methods, tokens one character or one length away from the real ones (during
 * and after a rotation's overlap), sources inside and outside the ranges, headers and `isBase64Encoded` that
 * lie about the body, binary and invalid UTF-8, deep and huge JSON.
 *
 * Properties: the handler never throws and never answers 5xx except 503 for a failed queue write; nothing
 * unauthenticated is ever sent to SQS; what is accepted is sent byte-exact; no log line carries a token or
 * the body; and every accepted body, run through the normalize handler, ends as an event or a dead letter.
 */
import { SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { sqsQueue } from '../../../functions/commons/aws-adapters';
import { composeIngest } from '../../../functions/compose/ingest';
import type { IngestHandler } from '../../../functions/handlers/ingest-handler';
import { staticTokenSource } from '../../../shared/pipeline/ingest/token-source';
import type { QueueMessage } from '../../../shared/pipeline/ports';
import { decodeQueuedCallback, MESSAGE_ATTRIBUTE } from '../../../shared/pipeline/queued-callback';
import {
  type HostileBody,
  hostileBody,
  lyingHeaders,
  method,
  type PresentedToken,
  presentedToken,
  runs,
  type SourceAddress,
  sourceAddress,
} from '../../fuzz/hostile';
import { NORMALIZER_DEAD_LETTER_REASONS, normalizeMessages } from '../../fuzz/normalize-run';
import { apiGatewayEvent } from '../../support/lambda';
import { capturingLogger, silentMetrics } from '../../support/pipeline';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/callbacks';
const CURRENT = 'current_token_0123456789abcdefghijklmnopqrstuv';
const PREVIOUS = 'previous_token_0123456789abcdefghijklmnopqrstu';
const MAX_BODY_BYTES = 40_000;
const NOW = Date.parse('2026-02-01T12:00:00Z');

const sqs = mockClient(SQSClient);
const sent: SendMessageCommandInput[] = [];
let queueFails = false;
const { logger, lines } = capturingLogger();

/** Two ingest instances: one during a rotation's overlap (previous token valid), one after it ended. */
function ingest(overlapOpen: boolean): IngestHandler {
  return composeIngest(
    { allowedSourceCidrs: ['185.40.108.0/22', '2001:db8::/32'], maxBodyBytes: MAX_BODY_BYTES },
    {
      queue: sqsQueue(new SQSClient({}), QUEUE_URL),
      tokens: staticTokenSource(
        {
          token: CURRENT,
          previousToken: PREVIOUS,
          previousTokenValidUntil: new Date(NOW + (overlapOpen ? 3_600_000 : -1)).toISOString(),
        },
        () => new Date(NOW),
      ),
      logger,
      metrics: silentMetrics(),
      now: () => new Date(NOW),
    },
  );
}
const handlers = { duringOverlap: ingest(true), afterOverlap: ingest(false) };

beforeAll(() => {
  sqs.on(SendMessageCommand).callsFake((input: SendMessageCommandInput) => {
    if (queueFails) throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });
    sent.push(input);
    return { MessageId: `m-${sent.length}` };
  });
});
afterAll(() => sqs.restore());

type Encoding = 'base64' | 'text' | 'text-claimed-base64' | 'base64-claimed-text' | 'absent';

interface FuzzRequest {
  readonly method: string;
  readonly token: PresentedToken;
  readonly source: SourceAddress;
  readonly body: HostileBody;
  readonly encoding: Encoding;
  readonly headers: Record<string, string>;
  readonly overlapOpen: boolean;
  readonly queueFails: boolean;
}

/** The body field and flag API Gateway would pass, honest or lying about the encoding. */
function encode(bytes: Buffer, encoding: Encoding): { body: string | undefined; isBase64Encoded: boolean } {
  switch (encoding) {
    case 'base64':
      return { body: bytes.toString('base64'), isBase64Encoded: true };
    case 'text':
      return { body: bytes.toString('utf8'), isBase64Encoded: false };
    case 'text-claimed-base64':
      return { body: bytes.toString('utf8'), isBase64Encoded: true };
    case 'base64-claimed-text':
      return { body: bytes.toString('base64'), isBase64Encoded: false };
    case 'absent':
      return { body: undefined, isBase64Encoded: bytes.length % 2 === 0 };
  }
}

function eventFor(request: FuzzRequest): APIGatewayProxyEventV2 {
  const base = apiGatewayEvent({ token: request.token.token ?? '', method: request.method, timeEpoch: NOW });
  const { body, isBase64Encoded } = encode(request.body.bytes, request.encoding);
  return {
    ...base,
    headers: { ...base.headers, ...request.headers },
    pathParameters: request.token.token === undefined ? undefined : { token: request.token.token },
    requestContext: {
      ...base.requestContext,
      http: { ...base.requestContext.http, sourceIp: request.source.ip as string },
    },
    body,
    isBase64Encoded,
  };
}

const encodings = fc.constantFrom<Encoding>(
  'base64',
  'text',
  'text-claimed-base64',
  'base64-claimed-text',
  'absent',
);

const requests: fc.Arbitrary<FuzzRequest> = fc.record({
  method,
  token: presentedToken({ current: CURRENT, previous: PREVIOUS }),
  source: sourceAddress,
  body: hostileBody({ maxBytes: MAX_BODY_BYTES, hugeBytes: 60_000 }),
  encoding: encodings,
  headers: lyingHeaders,
  overlapOpen: fc.boolean(),
  // Mostly a healthy queue; sometimes SQS refuses the write.
  queueFails: fc.oneof(
    { arbitrary: fc.constant(false), weight: 4 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
});

/** A queued message as the normalize function receives it back from SQS. */
const asQueueMessage = (input: SendMessageCommandInput): QueueMessage => ({
  body: input.MessageBody ?? '',
  attributes: Object.fromEntries(
    Object.entries(input.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue ?? '']),
  ),
});

async function send(request: FuzzRequest) {
  sent.length = 0;
  lines.length = 0;
  queueFails = request.queueFails;
  const handler = request.overlapOpen ? handlers.duringOverlap : handlers.afterOverlap;
  const event = eventFor(request);
  const response = await handler(event);
  return { event, response, status: response.statusCode ?? 0 };
}

describe('ingest handler under fuzzing', () => {
  it('answers 4xx to anything unauthenticated and never sends it; 5xx only when the queue write failed', async () => {
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const { event, status } = await send(request);
        const tokenValid =
          request.token.label === 'current' || (request.token.label === 'previous' && request.overlapOpen);
        const authenticated = request.method.toUpperCase() === 'POST' && request.source.inside && tokenValid;

        if (!authenticated) {
          expect([403, 405]).toContain(status);
          expect(sent).toHaveLength(0);
        } else {
          const text = event.body ?? '';
          const bytes = event.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
          // The handler may refuse a base64 text by its encoded length before decoding it.
          const tooLarge =
            bytes.length > MAX_BODY_BYTES ||
            (event.isBase64Encoded && Math.floor((text.length * 3) / 4) > MAX_BODY_BYTES + 3);
          if (tooLarge) expect(status).toBe(413);
          else if (bytes.length === 0) expect(status).toBe(400);
          else if (request.queueFails) expect(status).toBe(503);
          else {
            expect(status).toBe(200);
            expect(sent).toHaveLength(1);
            const queued = decodeQueuedCallback(asQueueMessage(sent[0] as SendMessageCommandInput), 'x');
            expect(queued.body.equals(bytes)).toBe(true);
          }
          if (status !== 200) expect(sent).toHaveLength(0);
        }
        if (status >= 500) expect(status === 503 && request.queueFails).toBe(true);

        // Nothing of the tokens or of the body reaches a log line.
        const logged = lines.join('\n');
        for (const secret of [CURRENT, PREVIOUS, request.token.token ?? '']) {
          if (secret.length >= 8) expect(logged).not.toContain(secret);
        }
        const preview = request.body.bytes.toString('utf8').slice(0, 32);
        if (preview.length >= 32) expect(logged).not.toContain(preview);
      }),
      { numRuns: runs(400) },
    );
  });

  it('parks every accepted body in the dead-letter queue or publishes it: none is dropped', async () => {
    const honest = fc.constantFrom<Encoding>('base64', 'text', 'base64', 'text-claimed-base64');
    await fc.assert(
      fc.asyncProperty(
        hostileBody({ maxBytes: MAX_BODY_BYTES, hugeBytes: 60_000 }),
        honest,
        async (body, encoding) => {
          const request: FuzzRequest = {
            method: 'POST',
            token: { label: 'current', token: CURRENT },
            source: { inside: true, ip: '185.40.108.10' },
            body,
            encoding,
            headers: {},
            overlapOpen: false,
            queueFails: false,
          };
          const { status } = await send(request);
          expect([200, 400, 413]).toContain(status);
          if (status !== 200) return;

          const message = asQueueMessage(sent[0] as SendMessageCommandInput);
          const run = await normalizeMessages([message]);
          // Nothing left for SQS to retry: every record reached its end in this invocation.
          expect(run.response.batchItemFailures).toEqual([]);
          expect(run.bus.published.length + run.deadLetters.messages.length).toBe(1);
          const [deadLetter] = run.deadLetters.messages;
          if (deadLetter !== undefined) {
            expect(NORMALIZER_DEAD_LETTER_REASONS).toContain(
              deadLetter.attributes[MESSAGE_ATTRIBUTE.deadLetterReason],
            );
            // Parked byte-exact: the dead letter holds the very bytes that were accepted.
            expect(
              decodeQueuedCallback(deadLetter, 'x').body.equals(decodeQueuedCallback(message, 'x').body),
            ).toBe(true);
          }
          // bunq's own examples, honestly encoded, always become events.
          if (body.kind === 'bunq-fixture' && encoding !== 'text-claimed-base64') {
            expect(run.bus.published).toHaveLength(1);
          }
        },
      ),
      { numRuns: runs(200) },
    );
  });
});
