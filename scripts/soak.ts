/**
 * `npm run soak`: sustained load on the local runtime, then a reconciliation.
 *
 * Starts `npm start`'s runtime as a child process on loopback (`tsx local/main.ts --port 0`), sends it
 * thousands of callbacks (bunq's examples with fresh ids, repeats of earlier ones as bunq's retries would
 * be, and bad ones: a wrong token, a wrong method, bodies that are not JSON or not bunq's envelope, bodies
 * over the limit), samples the runtime's resident memory while it works, then stops it with SIGTERM (it
 * drains) and reconciles what it answered against its events and dead-letter files:
 *
 *   - every request got the answer its kind calls for (200, 403, 405, 413);
 *   - accepted = events + duplicates suppressed + dead-lettered: every distinct genuine callback that got a
 *     200 is exactly one event, each repeat of it is suppressed, every accepted bad body is one dead letter
 *     (byte-exact, with the normalizer's reason);
 *   - no two events share a dedupe key;
 *   - the runtime kept running and drained everything on SIGTERM (exit code 0);
 *   - memory stayed flat: the median RSS of the last third of the samples is within the tolerance of the
 *     first third's.
 *
 * Bounded in count (`--count`) and time (`--max-seconds`); loopback only; everything it starts it stops.
 * Exit codes: 0 pass, 1 reconciliation failed (or the runtime died), 2 bad flag, 3 memory grew beyond the
 * tolerance.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const FIXTURES = ['partner-user-provision', 'mutation-payment', 'card-transaction', 'request-inquiry'];
const NORMALIZER_REASONS = new Set([
  'invalid-encoding',
  'invalid-json',
  'invalid-envelope',
  'invalid-message',
]);
/** The runtime's body limit in this run (small, so oversized bodies are cheap to send). */
const MAX_BODY_BYTES = 16_384;

interface Options {
  readonly count: number;
  readonly maxSeconds: number;
  readonly concurrency: number;
  /** Requests started per second at most; 0 sends as fast as the runtime answers. */
  readonly rate: number;
  readonly seed: number;
  /** Distinct genuine callbacks at most; beyond it every genuine one is a repeat. 0: no cap. */
  readonly distinct: number;
  readonly sampleMs: number;
  readonly rssTolerancePercent: number;
  readonly rssSlackMb: number;
  readonly drainTimeoutMs: number;
  readonly logLevel: string;
  readonly keep: boolean;
}

const USAGE = `Usage: npm run soak -- [options]

Sends callbacks to the local runtime (a child process on 127.0.0.1) and reconciles its output.

  --count <n>                  callbacks to send (default 12000: a minute at the default rate, long enough
                               for the runtime's garbage collector to go round, so RSS means something)
  --max-seconds <s>            stop sending after this long, whatever the count (default 100)
  --concurrency <n>            requests in flight at once (default 16)
  --rate <n>                   requests per second at most, so the runtime works in a steady state
                               rather than piling up a backlog; 0 for as fast as it answers (default 200)
  --seed <n>                   seed of the callback mix (default 1)
  --distinct <n>               distinct callbacks at most, the rest repeats: the dedupe store then stops
                               growing, so RSS shows leaks only; 0: every genuine one is new (default 1000)
  --sample-ms <ms>             how often the runtime's RSS is sampled (default 250)
  --rss-tolerance-percent <p>  allowed growth of the median RSS, last third vs first third (default 25)
  --rss-slack-mb <mb>          growth always allowed on top of the percentage (default 24)
  --drain-timeout-ms <ms>      how long the runtime may drain on SIGTERM (default 30000)
  --log-level <level>          the runtime's log level (default WARN)
  --keep                       keep the temporary directory (events, dead letters, runtime log)
  --help                       show this help
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' },
      'max-seconds': { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      distinct: { type: 'string' },
      'sample-ms': { type: 'string' },
      'rss-tolerance-percent': { type: 'string' },
      'rss-slack-mb': { type: 'string' },
      'drain-timeout-ms': { type: 'string' },
      'log-level': { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) return 'help';
  const number = (flag: keyof typeof values, fallback: number, min: number, max: number): number => {
    const text = values[flag];
    if (text === undefined) return fallback;
    const value = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${String(text)}"`);
    }
    return value;
  };
  return {
    count: number('count', 12_000, 1, 1_000_000),
    maxSeconds: number('max-seconds', 100, 1, 3_600),
    concurrency: number('concurrency', 16, 1, 256),
    rate: number('rate', 200, 0, 100_000),
    seed: number('seed', 1, 0, 2 ** 31),
    distinct: number('distinct', 1_000, 0, 1_000_000),
    sampleMs: number('sample-ms', 250, 10, 60_000),
    rssTolerancePercent: number('rss-tolerance-percent', 25, 0, 1_000),
    rssSlackMb: number('rss-slack-mb', 24, 0, 4_096),
    drainTimeoutMs: number('drain-timeout-ms', 30_000, 1_000, 600_000),
    logLevel: typeof values['log-level'] === 'string' ? values['log-level'] : 'WARN',
    keep: values.keep === true,
  };
}

/** mulberry32: a small seeded PRNG, so a run's mix can be replayed with `--seed`. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Kind =
  | 'genuine'
  | 'repeat'
  | 'wrong-token'
  | 'wrong-method'
  | 'not-json'
  | 'not-utf8'
  | 'not-envelope'
  | 'oversized';

/** The mix: mostly genuine callbacks and bunq-style repeats, with every kind of bad request in it. */
const MIX: readonly (readonly [Kind, number])[] = [
  ['genuine', 0.6],
  ['repeat', 0.18],
  ['wrong-token', 0.07],
  ['not-json', 0.05],
  ['not-utf8', 0.02],
  ['not-envelope', 0.03],
  ['oversized', 0.03],
  ['wrong-method', 0.02],
];

const EXPECTED_STATUS: Record<Kind, number> = {
  genuine: 200,
  repeat: 200,
  'wrong-token': 403,
  'wrong-method': 405,
  'not-json': 200,
  'not-utf8': 200,
  'not-envelope': 200,
  oversized: 413,
};

interface Planned {
  readonly kind: Kind;
  readonly method: string;
  /** The token in the path. */
  readonly token: string;
  readonly body: Buffer;
  /** The object id of a genuine callback or repeat. */
  readonly objectId: number | null;
}

interface Template {
  readonly json: { NotificationUrl: { object: Record<string, Record<string, unknown>> } };
  readonly type: string;
}

function loadTemplates(): Template[] {
  return FIXTURES.map((name) => {
    const json = JSON.parse(
      readFileSync(join(ROOT, 'test', 'fixtures', `${name}.json`), 'utf8'),
    ) as Template['json'];
    const [type] = Object.keys(json.NotificationUrl.object);
    if (type === undefined) throw new Error(`fixture ${name} has no object`);
    return { json, type };
  });
}

function genuineBody(template: Template, id: number): Buffer {
  const copy = structuredClone(template.json);
  const object = copy.NotificationUrl.object[template.type] as Record<string, unknown>;
  copy.NotificationUrl.object[template.type] = { ...object, id };
  return Buffer.from(JSON.stringify(copy), 'utf8');
}

function plan(options: Options, token: string): Planned[] {
  const random = prng(options.seed);
  const templates = loadTemplates();
  const genuine: Planned[] = [];
  const planned: Planned[] = [];
  const pick = (): Kind => {
    let roll = random();
    for (const [kind, share] of MIX) {
      roll -= share;
      if (roll < 0) return kind;
    }
    return 'genuine';
  };
  const wrongToken = (): string => {
    const at = Math.floor(random() * token.length);
    const swapped = token[at] === 'A' ? 'B' : 'A';
    return random() < 0.5 ? `${token.slice(0, at)}${swapped}${token.slice(at + 1)}` : token.slice(0, -1);
  };
  for (let i = 0; i < options.count; i += 1) {
    let kind = pick();
    if (kind === 'repeat' && genuine.length === 0) kind = 'genuine';
    if (kind === 'genuine' && options.distinct > 0 && genuine.length >= options.distinct) kind = 'repeat';
    const item = ((): Planned => {
      switch (kind) {
        case 'genuine': {
          const template = templates[Math.floor(random() * templates.length)] as Template;
          const objectId = 1_000_000 + i;
          const made: Planned = {
            kind,
            method: 'POST',
            token,
            body: genuineBody(template, objectId),
            objectId,
          };
          genuine.push(made);
          return made;
        }
        case 'repeat': {
          // Mostly a recent one (bunq retries within minutes), sometimes any earlier one.
          const window = random() < 0.8 ? Math.min(genuine.length, 50) : genuine.length;
          const original = genuine[genuine.length - 1 - Math.floor(random() * window)] as Planned;
          return { ...original, kind };
        }
        case 'wrong-token':
          return {
            kind,
            method: 'POST',
            token: wrongToken(),
            body: genuineBody(templates[0] as Template, -i),
            objectId: null,
          };
        case 'wrong-method':
          return {
            kind,
            method: random() < 0.5 ? 'GET' : 'PUT',
            token,
            body: Buffer.alloc(0),
            objectId: null,
          };
        case 'not-json':
          return {
            kind,
            method: 'POST',
            token,
            body: Buffer.from(`not json #${i} ${'<'.repeat(i % 64)}`),
            objectId: null,
          };
        case 'not-utf8':
          return {
            kind,
            method: 'POST',
            token,
            body: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(64)]),
            objectId: null,
          };
        case 'not-envelope':
          return {
            kind,
            method: 'POST',
            token,
            body: Buffer.from(JSON.stringify({ hello: i })),
            objectId: null,
          };
        case 'oversized':
          return {
            kind,
            method: 'POST',
            token,
            body: Buffer.alloc(MAX_BODY_BYTES + 1 + (i % 4_096), 0x20),
            objectId: null,
          };
      }
    })();
    planned.push(item);
  }
  return planned;
}

/** The pid of the process running `local/main.ts` under the tsx wrapper (tsx starts it as a child). */
function runtimePid(wrapperPid: number): number {
  const children = (pid: number): number[] => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
        readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
          .split(' ')
          .filter((part) => part.trim() !== '')
          .map(Number),
      );
    } catch {
      return [];
    }
  };
  const queue = [wrapperPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (pid !== wrapperPid && cmdline.includes('local/main.ts')) return pid;
    } catch {
      // Gone or not Linux: fall through to the wrapper itself.
    }
    queue.push(...children(pid));
  }
  return wrapperPid;
}

/** Resident memory of a process in KiB: /proc on Linux, `ps` elsewhere; null when it is gone. */
function rssKb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match?.[1] !== undefined) return Number(match[1]);
  } catch {
    // Not Linux, or gone.
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const value = Number(ps.stdout.trim());
  return ps.status === 0 && Number.isFinite(value) && value > 0 ? value : null;
}

interface Runtime {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  readonly log: () => string;
}

function startRuntime(dir: string, token: string, options: Options): Promise<Runtime> {
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ ingest: { maxBodyBytes: MAX_BODY_BYTES } }));
  const logPath = join(dir, 'runtime.log');
  const child = spawn(
    TSX,
    [
      'local/main.ts',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--token',
      token,
      '--allowed-cidrs',
      '127.0.0.1/32,::1/128',
      '--config',
      configPath,
      '--events-file',
      join(dir, 'events.jsonl'),
      '--dead-letter-file',
      join(dir, 'dead-letters.jsonl'),
      '--drain-timeout-ms',
      String(options.drainTimeoutMs),
      '--visibility-timeout-ms',
      '500',
    ],
    {
      cwd: ROOT,
      // A clean environment: nothing of the caller's (PORT, CALLBACK_TOKEN, ALLOWED_CIDRS...) leaks in.
      env: {
        ...Object.fromEntries(
          ['PATH', 'HOME', 'TMPDIR', 'LANG'].flatMap((name) => {
            const value = process.env[name];
            return value === undefined ? [] : [[name, value]];
          }),
        ),
        POWERTOOLS_LOG_LEVEL: options.logLevel,
        POWERTOOLS_METRICS_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a failed run can still end every process it started.
      detached: true,
    },
  );
  // The runtime's output goes to a file; the last 64 KiB are kept for the report of a failed run.
  const logFile = createWriteStream(logPath);
  let tail = '';
  const keep = (chunk: Buffer): void => {
    logFile.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-65_536);
  };
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      logFile.end();
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(
      () => reject(new Error(`the runtime did not start within 60 s:\n${tail}`)),
      60_000,
    );
    child.stderr?.on('data', keep);
    child.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (ready) return;
      const match = /Callback URL:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(tail);
      if (match?.[1] !== undefined) {
        ready = true;
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), exited, log: () => tail });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the runtime exited with ${code} before it was ready:\n${tail}`));
    });
  });
}

/** Signals the child's process group (the tsx wrapper, the runtime, esbuild's service): ours alone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

interface Outcome {
  readonly status: number;
  readonly requestId: string;
  readonly ms: number;
}

function send(agent: Agent, port: number, item: Planned): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: item.method,
        path: `/callbacks/${encodeURIComponent(item.token)}`,
        headers: { 'content-type': 'application/json', 'content-length': item.body.length },
      },
      (res) => {
        res.resume();
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            requestId: String(res.headers['apigw-requestid'] ?? ''),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.once('error', () => resolve({ status: 0, requestId: '', ms: performance.now() - started }));
    req.end(item.body);
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0
    ? ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
    : (sorted[middle] as number);
};
const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;

interface JsonLine {
  detail?: { dedupKey?: string; objectId?: unknown };
  reason?: string;
  body?: string;
  bodyEncoding?: string;
  attributes?: Record<string, string>;
}

function readLines(path: string): JsonLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as JsonLine);
}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }

  const token = randomBytes(32).toString('base64url');
  const planned = plan(options, token);
  const dir = mkdtempSync(join(tmpdir(), 'bunq-soak-'));
  const out = (line = ''): void => {
    process.stdout.write(`${line}\n`);
  };
  let runtime: Runtime | undefined;
  const onSignal = (): void => {
    if (runtime !== undefined) killGroup(runtime.child, 'SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    out(
      `soak: ${planned.length} callbacks, ${options.rate > 0 ? `${options.rate}/s` : 'unpaced'}, concurrency ${options.concurrency}, at most ${options.maxSeconds} s, seed ${options.seed}`,
    );
    runtime = await startRuntime(dir, token, options);
    const pid = runtimePid(runtime.child.pid as number);
    out(`runtime: pid ${pid} on 127.0.0.1:${runtime.port} (files in ${dir})`);

    const samples: { at: number; kb: number }[] = [];
    const sampler = setInterval(() => {
      const kb = rssKb(pid);
      if (kb !== null) samples.push({ at: Date.now(), kb });
    }, options.sampleMs);

    const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
    const outcomes: (Outcome | undefined)[] = new Array(planned.length);
    const started = Date.now();
    const deadline = started + options.maxSeconds * 1_000;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < planned.length && Date.now() < deadline && runtime?.child.exitCode === null) {
        const index = next;
        next += 1;
        if (options.rate > 0) {
          const due = started + (index * 1_000) / options.rate;
          if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        }
        outcomes[index] = await send(agent, runtime.port, planned[index] as Planned);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const sendSeconds = (Date.now() - started) / 1_000;
    agent.destroy();
    const aliveAfterLoad = runtime.child.exitCode === null;

    // Drain: SIGTERM to the tsx wrapper, which passes it on; the runtime processes everything it accepted
    // before it exits. (Signalling the whole group would hand the runtime a second SIGTERM.)
    const drainStarted = Date.now();
    runtime.child.kill('SIGTERM');
    const exitCode = await Promise.race([
      runtime.exited,
      new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), options.drainTimeoutMs + 15_000),
      ),
    ]);
    clearInterval(sampler);
    if (exitCode === 'timeout') killGroup(runtime.child, 'SIGKILL');
    const drainSeconds = (Date.now() - drainStarted) / 1_000;

    // Reconciliation.
    const sent = outcomes.flatMap((outcome, index) =>
      outcome === undefined ? [] : [{ item: planned[index] as Planned, outcome }],
    );
    const problems: string[] = [];
    const byKind = new Map<Kind, { sent: number; asExpected: number; statuses: Map<number, number> }>();
    for (const { item, outcome } of sent) {
      const entry = byKind.get(item.kind) ?? { sent: 0, asExpected: 0, statuses: new Map() };
      entry.sent += 1;
      if (outcome.status === EXPECTED_STATUS[item.kind]) entry.asExpected += 1;
      entry.statuses.set(outcome.status, (entry.statuses.get(outcome.status) ?? 0) + 1);
      byKind.set(item.kind, entry);
    }
    for (const [kind, entry] of byKind) {
      if (entry.asExpected !== entry.sent) {
        const seen = [...entry.statuses].map(([status, n]) => `${n}×${status}`).join(', ');
        problems.push(
          `${kind}: ${entry.sent - entry.asExpected} of ${entry.sent} not answered ${EXPECTED_STATUS[kind]} (${seen})`,
        );
      }
    }

    const accepted = sent.filter(({ outcome }) => outcome.status === 200);
    const acceptedGenuineIds = new Set(
      accepted.filter(({ item }) => item.objectId !== null).map(({ item }) => item.objectId as number),
    );
    const acceptedGenuine = accepted.filter(({ item }) => item.objectId !== null).length;
    const acceptedBad = accepted.filter(({ item }) => item.objectId === null);
    const events = readLines(join(dir, 'events.jsonl'));
    const deadLetters = readLines(join(dir, 'dead-letters.jsonl'));
    const duplicates = acceptedGenuine - acceptedGenuineIds.size;

    const dedupKeys = new Set(events.map((event) => event.detail?.dedupKey));
    if (dedupKeys.size !== events.length)
      problems.push(`${events.length - dedupKeys.size} duplicate events (same dedupKey)`);
    const eventIds = new Set(events.map((event) => event.detail?.objectId));
    const missing = [...acceptedGenuineIds].filter((id) => !eventIds.has(id));
    if (missing.length > 0)
      problems.push(`${missing.length} accepted callbacks have no event (e.g. object id ${missing[0]})`);
    const unexpected = [...eventIds].filter((id) => !acceptedGenuineIds.has(id as number));
    if (unexpected.length > 0) problems.push(`${unexpected.length} events for callbacks never accepted`);
    if (events.length !== acceptedGenuineIds.size) {
      problems.push(`events ${events.length} ≠ distinct accepted callbacks ${acceptedGenuineIds.size}`);
    }
    if (deadLetters.length !== acceptedBad.length) {
      problems.push(`dead letters ${deadLetters.length} ≠ accepted bad bodies ${acceptedBad.length}`);
    }
    if (accepted.length !== events.length + duplicates + deadLetters.length) {
      problems.push(
        `accepted ${accepted.length} ≠ events ${events.length} + duplicates ${duplicates} + dead-lettered ${deadLetters.length}`,
      );
    }
    const bodiesById = new Map(acceptedBad.map(({ item, outcome }) => [outcome.requestId, item.body]));
    const reasons = new Map<string, number>();
    for (const line of deadLetters) {
      const reason = line.reason ?? '(none)';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      if (!NORMALIZER_REASONS.has(reason)) problems.push(`dead letter with reason ${reason}`);
      const original = bodiesById.get(line.attributes?.requestId ?? '');
      const bytes = Buffer.from(line.body ?? '', line.bodyEncoding === 'base64' ? 'base64' : 'utf8');
      if (original === undefined || !original.equals(bytes)) {
        problems.push(
          `dead letter ${line.attributes?.requestId ?? '?'} does not hold an accepted body byte-exact`,
        );
      }
    }
    if (!aliveAfterLoad) problems.push('the runtime died under load');
    if (exitCode !== 0)
      problems.push(`the runtime exited with ${String(exitCode)} after SIGTERM (0 means it drained)`);
    if (sent.length < planned.length) {
      out(`note: the time limit stopped sending after ${sent.length} of ${planned.length} callbacks`);
    }

    // Memory: the load phase only (sampling ran from start to exit; drop the drain tail).
    const load = samples.filter((sample) => sample.at <= drainStarted);
    const third = Math.floor(load.length / 3);
    const first = load.slice(0, third).map((sample) => sample.kb);
    const last = load.slice(load.length - third).map((sample) => sample.kb);
    const memoryMeasured = third >= 2;
    const firstMedian = memoryMeasured ? median(first) : Number.NaN;
    const lastMedian = memoryMeasured ? median(last) : Number.NaN;
    const growth = lastMedian - firstMedian;
    const allowed = (firstMedian * options.rssTolerancePercent) / 100 + options.rssSlackMb * 1_024;
    const memoryPass = !memoryMeasured || growth <= allowed;

    const latencies = sent.map(({ outcome }) => outcome.ms).sort((a, b) => a - b);
    out();
    out('=== soak report ===');
    out(
      `sent           ${sent.length} requests in ${sendSeconds.toFixed(1)} s (${(sent.length / sendSeconds).toFixed(0)}/s), p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
    );
    for (const [kind] of MIX) {
      const entry = byKind.get(kind);
      if (entry === undefined) continue;
      out(
        `  ${kind.padEnd(13)}${String(entry.sent).padStart(6)}  expected ${EXPECTED_STATUS[kind]}: ${entry.asExpected === entry.sent ? 'all' : `${entry.asExpected}`}`,
      );
    }
    out(`accepted (200) ${accepted.length}`);
    out(
      `  = events       ${events.length}  (distinct genuine callbacks accepted: ${acceptedGenuineIds.size})`,
    );
    out(`  + duplicates   ${duplicates}  (repeats of accepted callbacks, suppressed by the dedupe store)`);
    out(
      `  + dead letters ${deadLetters.length}  (${[...reasons].map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none'})`,
    );
    out(
      `  ${accepted.length === events.length + duplicates + deadLetters.length ? '✓' : '✗'} ${accepted.length} = ${events.length} + ${duplicates} + ${deadLetters.length}`,
    );
    out(
      `rejected       ${sent.length - accepted.length} (${sent.filter(({ outcome }) => outcome.status === 403).length}×403, ${sent.filter(({ outcome }) => outcome.status === 405).length}×405, ${sent.filter(({ outcome }) => outcome.status === 413).length}×413, ${sent.filter(({ outcome }) => ![200, 403, 405, 413].includes(outcome.status)).length} other)`,
    );
    out(`duplicate events by dedupKey: ${events.length - dedupKeys.size}`);
    out(`drain          SIGTERM → exit ${String(exitCode)} in ${drainSeconds.toFixed(1)} s`);
    out(
      memoryMeasured
        ? `memory (RSS)   ${load.length} samples every ${options.sampleMs} ms: first third median ${mb(firstMedian)}, last third median ${mb(lastMedian)}, growth ${mb(growth)} (allowed ${mb(allowed)}: ${options.rssTolerancePercent} % + ${options.rssSlackMb} MiB), peak ${mb(Math.max(...load.map((s) => s.kb)))} → ${memoryPass ? 'PASS' : 'FAIL'}`
        : `memory (RSS)   too few samples to compare (${load.length}); run longer or sample more often`,
    );
    if (memoryMeasured && sendSeconds < 45) {
      out(
        `  note: ${sendSeconds.toFixed(0)} s of load may end before the runtime's first full garbage collection; RSS then still climbs (run a minute or more for a verdict that means something)`,
      );
    }
    if (load.length >= 10) {
      const step = load.length / 10;
      const timeline = Array.from({ length: 10 }, (_, i) => load[Math.floor(i * step)] as { kb: number });
      out(`  RSS timeline  ${timeline.map((sample) => (sample.kb / 1024).toFixed(0)).join(' → ')} MiB`);
    }
    out(`reconciliation ${problems.length === 0 ? 'PASS' : 'FAIL'}`);
    for (const problem of problems) out(`  ✗ ${problem}`);
    if (problems.length > 0)
      out(`runtime log (last lines):\n${(runtime.log() ?? '').split('\n').slice(-20).join('\n')}`);
    if (problems.length > 0) return 1;
    return memoryPass ? 0 : 3;
  } finally {
    if (runtime !== undefined) killGroup(runtime.child, 'SIGKILL');
    if (options.keep) out(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
