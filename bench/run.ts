/**
 * `npm run bench`: the performance figures of issue 8, each beside a floor measured in the same run.
 *
 *  1. Ingest, warm: CPU time per callback through the real handler, SQS answered by a loopback stub speaking
 *     SQS's JSON protocol (real SDK serialization, signing, HTTP). Floor: a handler that only sends the same
 *     body with the same client. Budget: at most 1.5x the floor.
 *  2. Normalize throughput: callbacks per second per core through the real core (parse, normalize, dedupe
 *     key, event build) on 2-12 KB bodies. Floor: JSON.parse + JSON.stringify of the same bodies.
 *     Budget: at least 50 % of the floor.
 *  3. Bundles and cold start: minified size of each function and the time to import it in a fresh Node
 *     process. Floor: a bundle of only the SDK clients it uses. Budget: ingest at most 300 KB and at most
 *     1.5x its floor's import time.
 *  4. End to end, local: `npm start` under load on loopback: accepted per second, p50/p99 time to
 *     acknowledge, events out = callbacks in. Budget: at least 1,000 per second, p99 under 50 ms.
 *
 * Writes `bench/results/latest.json`. Loopback only; every server it starts, it stops.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { build } from 'esbuild';
import { sqsQueue } from '../functions/commons/aws-adapters';
import { composeIngest } from '../functions/compose/ingest';
import { staticTokenSource } from '../shared/pipeline/ingest/token-source';
import { buildBusEntry } from '../shared/pipeline/normalize/bus-entry';
import { normalizeCallback } from '../shared/pipeline/normalize/normalize-callback';
import { callbackEvent } from './api-gateway-event';
import { callbackBodies } from './payloads';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROOT = join(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const TOKEN = 'bench-token-0123456789abcdefghijklmnopqrstuv';

interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly floor: number | null;
  /** value / floor. */
  readonly ratio: number | null;
  /** The budget, in words, and whether it held. */
  readonly budget: string;
  readonly pass: boolean;
}

const figures: Figure[] = [];
function record(figure: Omit<Figure, 'ratio'>): void {
  const ratio = figure.floor === null || figure.floor === 0 ? null : figure.value / figure.floor;
  figures.push({ ...figure, ratio });
}

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Starts a process and resolves with it once a stdout line matches `ready`. */
function startProcess(
  command: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    const timer = setTimeout(
      () => reject(new Error(`${command} ${args.join(' ')} did not start in time`)),
      60_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const match = ready.exec(buffer);
      if (match !== null && buffer.length > 0) {
        clearTimeout(timer);
        buffer = '';
        // Keep draining stdout so the child never blocks on a full pipe.
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve({ child, match });
      }
    });
    child.stderr?.resume();
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve(child.exitCode);
      return;
    }
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** Powertools Logger and Metrics doing their full work (serialization included) into a sink. */
function quietObservability(): { logger: Logger; metrics: Metrics } {
  const sink = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
  const logger = new Logger({ serviceName: 'bench-ingest', logLevel: 'INFO' });
  (logger as unknown as { console: unknown }).console = sink;
  const metrics = new Metrics({ namespace: 'Bench', serviceName: 'bench-ingest' });
  (metrics as unknown as { console: unknown }).console = sink;
  return { logger, metrics };
}

/** CPU microseconds per call of `fn`, over `iterations` sequential calls. */
async function cpuPerCall(fn: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i += 1) await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

async function benchIngest(): Promise<void> {
  const { child, match } = await startProcess(TSX, ['bench/sqs-stub.ts'], /PORT (\d+)/);
  try {
    const endpoint = `http://127.0.0.1:${match[1]}`;
    const queueUrl = `${endpoint}/123456789012/callbacks`;
    const client = new SQSClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    const { logger, metrics } = quietObservability();
    const handler = composeIngest(
      { allowedSourceCidrs: ['185.40.108.0/22'], maxBodyBytes: 1_044_480 },
      { queue: sqsQueue(client, queueUrl), tokens: staticTokenSource({ token: TOKEN }), logger, metrics },
    );
    const bodies = callbackBodies(64);
    let i = 0;
    const real = async () => {
      const body = bodies[i++ % bodies.length] as string;
      const response = await handler(callbackEvent(TOKEN, body, '185.40.108.10'));
      if (response.statusCode !== 200) throw new Error(`ingest answered ${response.statusCode}`);
    };
    const floor = async () => {
      const body = bodies[i++ % bodies.length] as string;
      // The event is built too, so the floor pays for the same input as the real handler.
      callbackEvent(TOKEN, body, '185.40.108.10');
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    };
    await cpuPerCall(real, 300);
    await cpuPerCall(floor, 300);
    // Alternate rounds and keep the best of each, so a noisy moment does not decide the ratio.
    const reals: number[] = [];
    const floors: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      reals.push(await cpuPerCall(real, 1_500));
      floors.push(await cpuPerCall(floor, 1_500));
    }
    const value = Math.min(...reals);
    const floorValue = Math.min(...floors);
    record({
      name: 'ingest warm CPU per callback',
      unit: 'µs',
      value: round(value, 1),
      floor: round(floorValue, 1),
      budget: '≤ 1.5x floor',
      pass: value <= 1.5 * floorValue,
    });
    client.destroy();
  } finally {
    await stopProcess(child);
  }
}

function benchNormalize(): void {
  const bodies = callbackBodies(500).map((text) => Buffer.from(text));
  const receivedAt = new Date().toISOString();
  const perSecond = (fn: (body: Buffer) => void): number => {
    for (let i = 0; i < 2_000; i += 1) fn(bodies[i % bodies.length] as Buffer);
    const start = process.cpuUsage();
    let n = 0;
    const wall = Date.now();
    while (Date.now() - wall < 2_000) {
      for (let k = 0; k < 100; k += 1, n += 1) fn(bodies[n % bodies.length] as Buffer);
    }
    const used = process.cpuUsage(start);
    return n / ((used.user + used.system) / 1e6);
  };
  const real = (body: Buffer) => {
    const outcome = normalizeCallback(body, receivedAt);
    if (!outcome.ok) throw new Error(outcome.problem);
    const built = buildBusEntry(outcome.detail, 'bunq');
    if (!built.ok) throw new Error(built.problem);
  };
  const floor = (body: Buffer) => {
    JSON.stringify(JSON.parse(body.toString('utf8')));
  };
  const reals: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < 2; i += 1) {
    reals.push(perSecond(real));
    floors.push(perSecond(floor));
  }
  const value = Math.max(...reals);
  const floorValue = Math.max(...floors);
  record({
    name: 'normalize throughput per core',
    unit: 'callbacks/s',
    value: Math.round(value),
    floor: Math.round(floorValue),
    budget: '≥ 50% of floor',
    pass: value >= 0.5 * floorValue,
  });
}

async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'error',
  });
  return statSync(outfile).size;
}

/** Median milliseconds to `require` a bundle in a fresh Node process (what a cold start pays). */
function importMs(file: string, env: Record<string, string>, runs = 7): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const out = execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    times.push(Number(out));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function benchBundles(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bunq-bench-bundles-'));
  try {
    const env: Record<string, string> = {
      AWS_REGION: 'eu-west-1',
      CALLBACK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/callbacks',
      CALLBACK_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token',
      ALLOWED_SOURCE_CIDRS: '185.40.108.0/22',
      MAX_BODY_BYTES: '1044480',
      TOKEN_CACHE_SECONDS: '60',
      DEDUPE_TABLE_NAME: 'dedupe',
      DEDUPE_TTL_SECONDS: '259200',
      EVENT_BUS_NAME: 'bunq',
      EVENT_SOURCE: 'bunq',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/callbacks-dlq',
      RETRY_BACKOFF_BASE_SECONDS: '10',
      RETRY_BACKOFF_MAX_SECONDS: '300',
      CLAIM_CHECK_BUCKET: 'claims',
      RECORD_ARRIVALS: 'false',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    for (const [name, floorEntry, sizeBudget] of [
      ['ingest', join(ROOT, 'bench', 'floors', 'ingest.ts'), 300 * 1024],
      ['normalize', join(ROOT, 'bench', 'floors', 'normalize.ts'), undefined],
    ] as const) {
      const out = join(dir, `${name}.js`);
      const floorOut = join(dir, `floor-${name}.js`);
      const size = await bundle(join(ROOT, 'functions', `${name}.ts`), out);
      const floorSize = await bundle(floorEntry, floorOut);
      record({
        name: `${name} bundle size`,
        unit: 'KB',
        value: round(size / 1024, 1),
        floor: round(floorSize / 1024, 1),
        budget: sizeBudget === undefined ? 'report only' : `≤ ${sizeBudget / 1024} KB`,
        pass: sizeBudget === undefined || size <= sizeBudget,
      });
      const ms = importMs(out, env);
      const floorMs = importMs(floorOut, env);
      record({
        name: `${name} cold import`,
        unit: 'ms',
        value: round(ms, 1),
        floor: round(floorMs, 1),
        budget: name === 'ingest' ? '≤ 1.5x floor' : 'report only',
        pass: name !== 'ingest' || ms <= 1.5 * floorMs,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function post(
  agent: Agent,
  port: number,
  path: string,
  body: string,
): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function benchEndToEnd(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bunq-bench-e2e-'));
  const eventsFile = join(dir, 'events.jsonl');
  const { child, match } = await startProcess(
    TSX,
    [
      'local/main.ts',
      '--port',
      '0',
      '--token',
      TOKEN,
      '--events-file',
      eventsFile,
      '--dead-letter-file',
      join(dir, 'dl.jsonl'),
      // The normalizer works off the backlog after the load; let it finish, then count.
      '--drain-timeout-ms',
      '180000',
    ],
    /http:\/\/127\.0\.0\.1:(\d+)\/callbacks\//,
    { POWERTOOLS_LOG_LEVEL: 'WARN' },
  );
  const port = Number(match[1]);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const path = `/callbacks/${TOKEN}`;
  try {
    const saturate = 4_000;
    const paced = 3_000;
    const ratePerSecond = 1_000;
    const total = 200 + saturate + paced;
    const bodies = callbackBodies(total);
    let failures = 0;
    // Warm the server and the JIT before measuring.
    await Promise.all(Array.from({ length: 200 }, (_, k) => post(agent, port, path, bodies[k] as string)));

    // Throughput: a closed loop of 32 clients posting back to back.
    let next = 200;
    const wall = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < 200 + saturate) {
          const body = bodies[next] as string;
          next += 1;
          if ((await post(agent, port, path, body)).status !== 200) failures += 1;
        }
      }),
    );
    const perSecond = saturate / (Number(process.hrtime.bigint() - wall) / 1e9);

    // Latency at the budget's rate: an open loop sending one callback every millisecond, each timed from
    // when it was due (so a stalled server cannot hide its queue: no coordinated omission).
    const latencies: number[] = [];
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let k = 0; k < paced; k += 1) {
      const due = start + (k * 1_000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const body = bodies[200 + saturate + k] as string;
      pending.push(
        post(agent, port, path, body).then(({ status }) => {
          if (status !== 200) failures += 1;
          latencies.push(performance.now() - due);
        }),
      );
    }
    await Promise.all(pending);
    agent.destroy();
    const exitCode = await stopProcess(child);
    const events = readFileSync(eventsFile, 'utf8').trim().split('\n').filter(Boolean).length;
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    record({
      name: 'local end to end accepted (32 clients)',
      unit: 'callbacks/s',
      value: Math.round(perSecond),
      floor: null,
      budget: '≥ 1000/s',
      pass: perSecond >= 1_000 && failures === 0,
    });
    record({
      name: 'local end to end ack p50 at 1000/s',
      unit: 'ms',
      value: round(p50),
      floor: null,
      budget: 'report only',
      pass: true,
    });
    record({
      name: 'local end to end ack p99 at 1000/s',
      unit: 'ms',
      value: round(p99),
      floor: null,
      budget: '< 50 ms',
      pass: p99 < 50,
    });
    record({
      name: 'local end to end events out',
      unit: 'events',
      value: events,
      floor: total,
      budget: `= ${total} in, exit 0`,
      pass: events === total && exitCode === 0,
    });
  } finally {
    agent.destroy();
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  if (want('ingest')) await benchIngest();
  if (want('normalize')) benchNormalize();
  if (want('bundles')) await benchBundles();
  if (want('e2e')) await benchEndToEnd();

  const rows = figures.map((f) => [
    f.name,
    `${f.value} ${f.unit}`,
    f.floor === null ? '-' : `${f.floor} ${f.unit}`,
    f.ratio === null ? '-' : `${round(f.ratio)}x`,
    f.budget,
    f.pass ? 'ok' : 'OVER BUDGET',
  ]);
  const header = ['figure', 'value', 'floor', 'ratio', 'budget', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row.map(String)));
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const result = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    seconds: round((Date.now() - started) / 1000, 1),
    figures,
  };
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `\n${figures.every((f) => f.pass) ? 'All budgets held' : 'Some budgets did not hold'} (${result.seconds} s); bench/results/latest.json written.`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
