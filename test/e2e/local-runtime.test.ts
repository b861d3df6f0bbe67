/**
 * The local runtime end to end, in-process: real HTTP on loopback into the same ingest and normalize
 * handlers as the Lambdas, through the local queue and the SQLite dedupe store, out to the events and
 * dead-letter files.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePipelineConfig } from '../../shared/config/pipeline-config';
import { tempDirEachTest } from '../support/temp-dir';
import {
  deadLetterBytes,
  distinctCallback,
  fixture,
  fixtureBody,
  fixtureObject,
  readEvents,
  startTestRuntime,
  TEST_TOKEN,
  type TestRuntime,
} from './helpers';

jest.setTimeout(120_000);

let current: TestRuntime | undefined;
async function start(options: Parameters<typeof startTestRuntime>[0] = {}): Promise<TestRuntime> {
  current = await startTestRuntime(options);
  return current;
}
afterEach(async () => {
  await current?.dispose();
  current = undefined;
});

describe('local runtime: a genuine callback', () => {
  it('answers 200 and publishes one Contract 2 event for the PARTNER_USER_PROVISION example', async () => {
    const local = await start();
    const before = Date.now();

    const response = await local.post(fixtureBody);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'Accepted' });
    await local.runtime.stop();

    const events = await local.events();
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      'detail-type': 'PARTNER_USER_PROVISION',
      source: 'bunq',
      // EventBridge time: the object's `updated`, whole seconds.
      time: '2025-09-03T08:24:14Z',
      detail: {
        category: 'PARTNER_USER_PROVISION',
        eventType: 'PARTNER_USER_PROVISION_PROCESS_UPDATED',
        objectType: 'PartnerUserProvision',
        objectId: 7,
        monetaryAccountId: null,
        amount: null,
        createdAt: '2025-09-03T08:24:13.795007Z',
        updatedAt: '2025-09-03T08:24:14.266407Z',
      },
    });
    expect(event?.detail.object).toEqual(fixtureObject);
    expect(event?.detail.dedupKey).toEqual(expect.any(String));
    const receivedAt = Date.parse(event?.detail.receivedAt ?? '');
    expect(receivedAt).toBeGreaterThanOrEqual(before - 1);
    expect(receivedAt).toBeLessThanOrEqual(Date.now());
    expect(await local.deadLetters()).toEqual([]);
  });

  it('publishes one event when bunq delivers the same callback 6 times', async () => {
    const local = await start();

    const responses = await Promise.all(Array.from({ length: 6 }, () => local.post(fixtureBody)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // One more, after the first ones were processed: answered from the dedupe store.
    expect(await local.runtime.drain(50_000)).toBe(true);
    expect((await local.post(fixtureBody)).status).toBe(200);
    await local.runtime.stop();

    const events = await local.events();
    expect(events).toHaveLength(1);
    expect(events[0]?.detail.objectId).toBe(7);
    expect(await local.deadLetters()).toEqual([]);
  });

  it('answers the health check', async () => {
    const local = await start();
    const response = await fetch(`${local.runtime.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('local runtime: rejected requests (Contract 1)', () => {
  it('answers 403, 404, 405 and 413 and enqueues none of them', async () => {
    const local = await start({ config: parsePipelineConfig({ ingest: { maxBodyBytes: 2_048 } }) });
    const { baseUrl } = local.runtime;
    const wrongToken = 'x'.repeat(TEST_TOKEN.length);

    const statuses = {
      wrongToken: (await local.post(fixtureBody, `${baseUrl}/callbacks/${wrongToken}`)).status,
      noToken: (await local.post(fixtureBody, `${baseUrl}/callbacks/`)).status,
      wrongPath: (await local.post(fixtureBody, `${baseUrl}/callback/${TEST_TOKEN}`)).status,
      extraSegment: (await local.post(fixtureBody, `${baseUrl}/callbacks/${TEST_TOKEN}/extra`)).status,
      get: (await fetch(local.runtime.callbackUrl)).status,
      put: (await fetch(local.runtime.callbackUrl, { method: 'PUT', body: fixtureBody })).status,
      tooLarge: (await local.post(Buffer.alloc(3_000, 'a'))).status,
      empty: (await local.post('')).status,
    };
    expect(statuses).toEqual({
      wrongToken: 403,
      noToken: 404,
      wrongPath: 404,
      extraSegment: 404,
      get: 405,
      put: 405,
      tooLarge: 413,
      empty: 400,
    });

    await local.runtime.stop();
    expect(await local.events()).toEqual([]);
    expect(await local.deadLetters()).toEqual([]);
    expect(local.runtime.stats().queue.invocations).toBe(0);
  });

  it('answers 403 to a source outside the allowed ranges, even with the right token', async () => {
    const local = await start({ allowedCidrs: ['10.0.0.0/8'] });

    const response = await local.post(fixtureBody);
    expect(response.status).toBe(403);

    await local.runtime.stop();
    expect(await local.events()).toEqual([]);
    expect(await local.deadLetters()).toEqual([]);
  });

  it('answers 413 without reading a request over the HTTP limit', async () => {
    const local = await start({ maxRequestBytes: 4_096 });

    const declared = await local.post(Buffer.alloc(64 * 1024, 'a'));
    expect(declared.status).toBe(413);
    // Streamed without a length: cut off once the limit is passed.
    const chunk = new Uint8Array(1_024).fill(0x61);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 64) controller.close();
        else {
          sent += 1;
          controller.enqueue(chunk);
        }
      },
    });
    const streamed = await fetch(local.runtime.callbackUrl, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);

    // The server still serves other requests.
    expect((await local.post(fixtureBody)).status).toBe(200);
    await local.runtime.stop();
    expect(await local.events()).toHaveLength(1);
  });
});

describe('local runtime: bodies that can never become an event', () => {
  it('dead-letters an authenticated body that is not JSON, byte-exact, with its reason', async () => {
    const local = await start();

    const response = await local.post('not json{');
    expect(response.status).toBe(200);
    await local.runtime.stop();

    expect(await local.events()).toEqual([]);
    const deadLetters = await local.deadLetters();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      reason: 'invalid-json',
      queue: 'callbacks',
      bodyEncoding: 'utf8',
    });
    expect(deadLetterBytes(deadLetters[0] as (typeof deadLetters)[number]).toString('utf8')).toBe(
      'not json{',
    );
    expect(deadLetters[0]?.attributes).toMatchObject({ sourceIp: '127.0.0.1' });
  });

  it('keeps a body that is not UTF-8 byte-exact (base64 in the dead-letter line)', async () => {
    const local = await start();
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x80, 0x7d]);

    expect((await local.post(bytes)).status).toBe(200);
    await local.runtime.stop();

    const [line, ...rest] = await local.deadLetters();
    expect(rest).toEqual([]);
    expect(line?.bodyEncoding).toBe('base64');
    expect(line && deadLetterBytes(line).equals(bytes)).toBe(true);
    expect(line?.reason).toBe('invalid-encoding');
  });
});

describe('local runtime: stopping', () => {
  it('drains every accepted callback before stop() resolves', async () => {
    const local = await start();
    const count = 50;

    const responses = await Promise.all(
      Array.from({ length: count }, (_, i) => local.post(distinctCallback(1_000 + i))),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const result = await local.runtime.stop();

    expect(result).toMatchObject({ drained: true, deadLetteredOnStop: 0 });
    const events = await local.events();
    expect(events).toHaveLength(count);
    expect(new Set(events.map((e) => e.detail.objectId)).size).toBe(count);
    expect(await local.deadLetters()).toEqual([]);
  });

  it('refuses new connections once stopped', async () => {
    const local = await start();
    await local.runtime.stop();
    await expect(local.post(fixtureBody)).rejects.toThrow();
  });

  /** A callback whose object is too large for an event: it needs the claim-check directory. */
  const largeCallback = (): string => {
    const copy = structuredClone(fixture) as typeof fixture & {
      NotificationUrl: { object: { PartnerUserProvision: { padding?: string } } };
    };
    copy.NotificationUrl.object.PartnerUserProvision.padding = 'x'.repeat(300 * 1024);
    return JSON.stringify(copy);
  };

  /** Options whose claim-check "directory" is under a regular file: every claim check fails (transient). */
  const brokenClaimChecks = async (dir: string) => {
    const file = join(dir, 'not-a-directory');
    await writeFile(file, '');
    // Long visibility timeout: the failed message waits far beyond the drain timeout for redelivery.
    return { claimCheckDir: join(file, 'claim-checks'), visibilityTimeoutMs: 60_000, drainTimeoutMs: 300 };
  };

  const dir = tempDirEachTest('bunq-local-stop-');

  it('dead-letters what is still queued when the drain times out on a temporary data directory', async () => {
    const local = await start(await brokenClaimChecks(dir()));
    const body = largeCallback();
    expect((await local.post(body)).status).toBe(200);
    const result = await local.runtime.stop();

    expect(result).toMatchObject({ drained: false, deadLetteredOnStop: 1, leftOnDisk: 0 });
    const deadLetters = await local.deadLetters();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.reason).toBe('drain-timeout');
    expect(deadLetters[0] && deadLetterBytes(deadLetters[0]).toString('utf8')).toBe(body);
  });

  it('keeps what the drain could not process on a kept data directory, and the next start publishes it', async () => {
    const dataDir = join(dir(), 'data');
    const eventsFile = join(dir(), 'events.jsonl');
    const broken = await start({ ...(await brokenClaimChecks(dir())), dataDir, eventsFile });
    expect((await broken.post(largeCallback())).status).toBe(200);
    expect(await broken.runtime.stop()).toMatchObject({
      drained: false,
      deadLetteredOnStop: 0,
      leftOnDisk: 1,
    });
    expect(await broken.deadLetters()).toEqual([]);
    await broken.dispose();

    // Fixed: the next start on the same data directory publishes it, with no resend.
    const fixed = await start({ dataDir, eventsFile, visibilityTimeoutMs: 200 });
    expect(await fixed.runtime.drain(10_000)).toBe(true);
    await fixed.runtime.stop();
    const events = await readEvents(eventsFile);
    expect(events).toHaveLength(1);
    expect(events[0]?.detail.objectRef).toBeDefined();
  });
});
