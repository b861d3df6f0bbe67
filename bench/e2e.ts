/**
 * End to end on loopback: `npm start` (the local runtime, the same handler code as Lambda) under load.
 * Accepted per second with 32 clients back to back; time to acknowledge in an open loop at 1,000 a second,
 * each timed from when it was due (no coordinated omission); events out = callbacks in after the drain.
 * Every process it starts, it stops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Figure, figure } from './figures';
import { openLoop } from './open-loop';
import { callbackBodies } from './payloads';

const ROOT = join(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const TOKEN = 'bench-token-0123456789abcdefghijklmnopqrstuv';

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

/** `npm start` under load on loopback: accepted per second, time to acknowledge, events out. */
export async function benchEndToEnd(): Promise<Figure[]> {
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
    await openLoop({
      count: paced,
      ratePerSecond,
      send: (k, due) =>
        post(agent, port, path, bodies[200 + saturate + k] as string).then(({ status }) => {
          if (status !== 200) failures += 1;
          latencies.push(performance.now() - due);
        }),
    });
    agent.destroy();
    const exitCode = await stopProcess(child);
    const events = readFileSync(eventsFile, 'utf8').trim().split('\n').filter(Boolean).length;
    const sorted = [...latencies].sort((a, b) => a - b);
    const at99 = sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? Number.NaN;
    return [
      figure({
        name: 'local end to end accepted (32 clients)',
        unit: 'callbacks/s',
        samples: Math.round(perSecond),
        budget: '≥ 1000/s',
        holds: () => perSecond >= 1_000 && failures === 0,
      }),
      figure({
        // The median of every callback's time to acknowledge, with p5-p95 as its spread.
        name: 'local end to end ack at 1000/s',
        unit: 'ms',
        samples: latencies,
        budget: 'report only',
        holds: () => latencies.length === paced,
      }),
      figure({
        name: 'local end to end ack p99 at 1000/s',
        unit: 'ms',
        samples: at99,
        budget: '< 50 ms',
        holds: () => at99 < 50,
      }),
      figure({
        name: 'local end to end events out',
        unit: 'events',
        samples: events,
        floor: { samples: total, is: 'callbacks in' },
        budget: `= ${total} in, exit 0`,
        holds: () => events === total && exitCode === 0,
      }),
    ];
  } finally {
    agent.destroy();
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  }
}
