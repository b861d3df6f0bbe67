/**
 * The local runtime under sustained load (`npm run bench -- runtime`): what `npm start` runs on a fresh data
 * directory, fed an open loop of distinct callbacks at a fixed rate for a fixed time (default 1,500/s, the budget, for
 * 60 s; `BENCH_RUNTIME_RATE`, `BENCH_RUNTIME_SECONDS`). From one run it reports what was acknowledged and
 * what was processed (accepted -> event in the events file) per second, the backlog left on disk, the
 * time-to-200 p99 (each request timed from when it was due, so a stalled server cannot hide its queue), and
 * the runtime process's peak and first/last resident memory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { KeepAliveClient } from './keep-alive-client';
import { openLoop } from './open-loop';
import { callbackBodies } from './payloads';

const ROOT = join(__dirname, '..');
const TOKEN = 'bench-token-0123456789abcdefghijklmnopqrstuv';
/** Distinct bodies cycled through; each send gets its own object id, so none is a duplicate. */
const BODY_TEMPLATES = 64;

/** One figure, in the shape `bench/run.ts` records. */
export interface RuntimeFigure {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly floor: number | null;
  readonly budget: string;
  readonly pass: boolean;
}

/** A body template split around its first object id, so each send only writes a new id between the two. */
function splitAtId(template: string): { head: Buffer; tail: Buffer } {
  const match = /"id":(\d+)/.exec(template);
  if (match === null) throw new Error('a callback body template without an object id');
  const at = match.index + '"id":'.length;
  return {
    head: Buffer.from(template.slice(0, at), 'utf8'),
    tail: Buffer.from(template.slice(at + (match[1] as string).length), 'utf8'),
  };
}

/** Counts the lines appended to a file since the last call. */
export function lineCounter(path: string): () => number {
  const fd = openSync(path, 'a+');
  const buffer = Buffer.alloc(1 << 20);
  let position = 0;
  let lines = 0;
  return () => {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) return lines;
      position += read;
      for (let i = 0; i < read; i += 1) if (buffer[i] === 10) lines += 1;
    }
  };
}

/** Resident memory (current and peak, MiB) of the largest process in the child's process group. */
function memoryOf(group: number): { rss: number; peak: number } {
  let best = { rss: 0, peak: 0 };
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== group) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      const found = { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
      if (found.peak > best.peak) best = found;
    } catch {
      // Gone meanwhile.
    }
  }
  return best;
}

async function waitHealthy(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the runtime exited with ${child.exitCode} before it was ready`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);

/** The runtime once the load has ended, still running: what `bench/runtime-accounting.ts` inspects. */
export interface LoadedRuntime {
  readonly eventsFile: string;
  readonly deadLetterFile: string;
  /** The object ids of the callbacks answered 200. */
  readonly acknowledgedIds: () => number[];
  /** Whether the runtime process is still running. */
  readonly alive: () => boolean;
}

/** The object id the bench writes into send `k`'s body. */
const objectIdOf = (k: number): number => 1_000_000 + k;

/** Runs the sustained-load benchmark and returns its figures; `afterLoad` runs before the runtime stops. */
export async function benchRuntime(
  ratePerSecond = Number(process.env.BENCH_RUNTIME_RATE ?? 1_500),
  seconds = Number(process.env.BENCH_RUNTIME_SECONDS ?? 60),
  afterLoad?: (runtime: LoadedRuntime) => Promise<void>,
): Promise<RuntimeFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bunq-bench-runtime-'));
  const eventsFile = join(dir, 'events.jsonl');
  const deadLetterFile = join(dir, 'dead-letters.jsonl');
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'local/main.ts',
      '--port',
      String(port),
      '--token',
      TOKEN,
      '--data-dir',
      join(dir, 'data'),
      '--events-file',
      eventsFile,
      '--dead-letter-file',
      deadLetterFile,
    ],
    {
      cwd: ROOT,
      // The runtime's own logs (one line per event at INFO) are part of its cost: kept, and thrown away here.
      env: { ...process.env },
      stdio: 'ignore',
      detached: true,
    },
  );
  const group = child.pid ?? 0;
  const client = new KeepAliveClient('127.0.0.1', port, 128);
  try {
    await waitHealthy(port, child);
    const templates = callbackBodies(BODY_TEMPLATES).map(splitAtId);
    const processed = lineCounter(eventsFile);
    const total = Math.round(ratePerSecond * seconds);
    const latencies = new Float64Array(total);
    const acknowledged = new Uint8Array(total);
    let acked = 0;
    let refused = 0;
    let failed = 0;
    let backlogMax = 0;
    const rss: number[] = [];
    const sampler = setInterval(() => {
      rss.push(memoryOf(group).rss);
      backlogMax = Math.max(backlogMax, acked - processed());
    }, 1_000);

    const start = await openLoop({
      count: total,
      ratePerSecond,
      send: (k, due) => {
        const template = templates[k % BODY_TEMPLATES] as { head: Buffer; tail: Buffer };
        // A distinct object id per send: the runtime must publish every one.
        const id = Buffer.from(String(objectIdOf(k)), 'latin1');
        return client.post(`/callbacks/${TOKEN}`, [template.head, id, template.tail]).then((status) => {
          latencies[k] = performance.now() - due;
          if (status === 200) {
            acked += 1;
            acknowledged[k] = 1;
          } else if (status === 503) refused += 1;
          else failed += 1;
        });
      },
      maxPending: 4_096,
    });
    const elapsed = (performance.now() - start) / 1_000;
    const processedInWindow = processed();
    clearInterval(sampler);
    const memory = memoryOf(group);
    const backlog = acked - processedInWindow;
    latencies.sort();
    const p99 = percentile(latencies, 99);
    const processedPerSecond = processedInWindow / elapsed;
    const rssFirst = rss[1] ?? rss[0] ?? memory.rss;
    const rssLast = rss[rss.length - 1] ?? memory.rss;
    const label = `${ratePerSecond}/s for ${seconds} s`;
    await afterLoad?.({
      eventsFile,
      deadLetterFile,
      acknowledgedIds: () =>
        Array.from(acknowledged.keys())
          .filter((k) => acknowledged[k] === 1)
          .map(objectIdOf),
      alive: () => child.exitCode === null && child.signalCode === null,
    });
    return [
      {
        name: `runtime acknowledged (${label})`,
        unit: 'callbacks/s',
        value: Math.round(acked / elapsed),
        floor: null,
        budget: `report only (${refused} x 503, ${failed} other)`,
        pass: failed === 0,
      },
      {
        name: `runtime processed, accepted -> event (${label})`,
        unit: 'callbacks/s',
        value: Math.round(processedPerSecond),
        floor: null,
        // At a fixed offered rate the processed rate cannot exceed it, and `elapsed` includes the last
        // answers' latency: "keeps up" is every callback acknowledged and at most one second of traffic
        // still waiting when the load ends, at an offered rate of at least 1,500/s.
        budget: '≥ 1500/s offered, all acknowledged, backlog at the end ≤ 1 s of it',
        pass: ratePerSecond >= 1_500 && acked === total && acked - processedInWindow <= ratePerSecond,
      },
      {
        name: 'runtime backlog on disk at the end (max during)',
        unit: 'callbacks',
        value: backlog,
        floor: null,
        budget: `report only (max ${backlogMax})`,
        pass: true,
      },
      {
        name: `runtime time-to-200 p99 (${label})`,
        unit: 'ms',
        value: Number(p99.toFixed(2)),
        floor: null,
        budget: '< 50 ms',
        pass: p99 < 50,
      },
      {
        name: 'runtime peak resident memory',
        unit: 'MiB',
        value: Math.round(memory.peak),
        floor: null,
        budget: `report only (RSS ${Math.round(rssFirst)} MiB after 1 s, ${Math.round(rssLast)} MiB at the end)`,
        pass: true,
      },
    ];
  } finally {
    client.destroy();
    try {
      // The data directory goes with it: no need to drain.
      process.kill(-group, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    rmSync(dir, { recursive: true, force: true });
  }
}
