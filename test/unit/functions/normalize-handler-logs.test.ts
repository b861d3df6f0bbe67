/**
 * No log line of the normalize handler carries a payload secret: the PARTNER_USER_PROVISION example (an OAuth
 * `authorization_code`, a `credential.token_value`) goes through the handler with the functions' own logger
 * (`createLogger`), on the happy path and on the paths that log errors which quote the event.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSEvent } from 'aws-lambda';
import { createLogger } from '../../../shared/logging/observability';
import type { BusEntry, PublishResult } from '../../../shared/pipeline/ports';
import { encodeQueuedCallback } from '../../../shared/pipeline/queued-callback';
import { fixtureText, PARTNER_SECRETS } from '../../support/fixtures';
import { lambdaContext, sqsRecord } from '../../support/lambda';
import { MemoryDedupeStore } from '../../support/memory-dedupe';
import {
  captureLines,
  capturingLogger,
  normalizeHandlerOver,
  RecordingBus,
  silentMetrics,
} from '../../support/pipeline';

/** The functions' logger (redacting), at DEBUG, writing into an array. */
function redactingCapture(): { logger: Logger; lines: string[] } {
  const logger = createLogger('normalize-test');
  logger.setLogLevel('DEBUG');
  return { logger, lines: captureLines(logger) };
}

function partnerEvent(body = fixtureText('partner-user-provision')): SQSEvent {
  return {
    Records: [
      sqsRecord(
        encodeQueuedCallback({
          body: Buffer.from(body, 'utf8'),
          receivedAt: '2025-09-03T08:24:15.000Z',
          sourceIp: '185.40.108.10',
          requestId: 'req-1',
        }),
      ),
    ],
  };
}

/** A bus whose service error quotes the entry it refused (as some service errors quote their input). */
function echoingBus(errorCode: string): RecordingBus {
  const bus = new RecordingBus();
  bus.answer = (entry: BusEntry): PublishResult => ({
    ok: false,
    errorCode,
    errorMessage: `bad entry ${entry.detail}`,
  });
  return bus;
}

async function run(logger: Logger, bus: RecordingBus, body?: string, metrics: Metrics = silentMetrics()) {
  const { handler } = normalizeHandlerOver({
    dedupe: new MemoryDedupeStore(),
    dedupeTtlSeconds: 3600,
    logger,
    metrics,
    bus,
  });
  return handler(partnerEvent(body), lambdaContext());
}

const leaked = (lines: string[]) =>
  PARTNER_SECRETS.filter((secret) => lines.some((line) => line.includes(secret)));

describe('normalize handler logs of PARTNER_USER_PROVISION', () => {
  it('publish: the event carries the object, no log line carries its secrets', async () => {
    const { logger, lines } = redactingCapture();
    const bus = new RecordingBus();
    await run(logger, bus);
    expect(bus.published).toHaveLength(1);
    expect(bus.published[0]?.detail).toContain(PARTNER_SECRETS[0]);
    expect(lines.some((line) => line.includes('event published'))).toBe(true);
    expect(leaked(lines)).toEqual([]);
  });

  it.each(['InternalFailure', 'ValidationException'])(
    'a PutEvents %s that quotes the event is logged without its secrets',
    async (errorCode) => {
      const { logger, lines } = redactingCapture();
      await run(logger, echoingBus(errorCode));
      expect(lines.some((line) => line.includes('bad entry'))).toBe(true);
      expect(leaked(lines)).toEqual([]);
    },
  );

  it('(control) the same failure through a logger without redaction would leak both secrets', async () => {
    const { logger, lines } = capturingLogger({ redact: false });
    await run(logger, echoingBus('InternalFailure'));
    expect(leaked(lines)).toEqual([...PARTNER_SECRETS]);
  });

  it('a schema mismatch is logged with its path only', async () => {
    const { logger, lines } = redactingCapture();
    const body = fixtureText('partner-user-provision').replace('"status": "ACTIVE"', '"status": 7');
    await run(logger, new RecordingBus(), body);
    const warning = lines.find((line) => line.includes('object does not match its schema'));
    expect(warning).toContain('"path":"status"');
    expect(leaked(lines)).toEqual([]);
  });
});

/** Spies on every single metric the handler emits (real Powertools singles, publishing disabled in tests). */
function spySingles(metrics: Metrics): Metrics[] {
  const singles: Metrics[] = [];
  const original = metrics.singleMetric.bind(metrics);
  jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    const single = original();
    for (const method of ['addDimension', 'addMetadata', 'addMetric'] as const) jest.spyOn(single, method);
    singles.push(single);
    return single;
  });
  return singles;
}

const named = (singles: Metrics[], name: string) =>
  singles.filter((single) => jest.mocked(single.addMetric).mock.calls.some(([metric]) => metric === name));

describe('SchemaMismatch metric', () => {
  it('counts a known object type that does not match, by objectType, with the first failing path', async () => {
    const metrics = silentMetrics();
    const singles = spySingles(metrics);
    const body = fixtureText('partner-user-provision').replace('"products": [', '"products": 1, "was": [');
    const bus = new RecordingBus();
    await run(redactingCapture().logger, bus, body, metrics);
    expect(bus.published).toHaveLength(1);
    const [mismatch, ...others] = named(singles, 'SchemaMismatch');
    expect(others).toEqual([]);
    expect(mismatch?.addDimension).toHaveBeenCalledWith('objectType', 'PartnerUserProvision');
    expect(mismatch?.addMetadata).toHaveBeenCalledWith('path', 'products');
    expect(mismatch?.addMetric).toHaveBeenCalledWith('SchemaMismatch', 'Count', 1);
  });

  it('is not counted for objects that match or types without a schema', async () => {
    const metrics = silentMetrics();
    const singles = spySingles(metrics);
    await run(redactingCapture().logger, new RecordingBus(), undefined, metrics);
    const unknown = fixtureText('partner-user-provision').replace(
      '"PartnerUserProvision"',
      '"PartnerUserProvisionV2"',
    );
    await run(redactingCapture().logger, new RecordingBus(), unknown, metrics);
    expect(named(singles, 'EventsPublished')).toHaveLength(2);
    expect(named(singles, 'SchemaMismatch')).toEqual([]);
  });
});
