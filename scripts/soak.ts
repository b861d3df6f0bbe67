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
 * The pieces: `soak/options.ts` (flags), `soak/plan.ts` (the mix), `soak/runtime-process.ts` (the child
 * process); this file sends, reconciles and reports.
 *
 * Bounded in count (`--count`) and time (`--max-seconds`); loopback only; everything it starts it stops.
 * Exit codes: 0 pass, 1 reconciliation failed (or the runtime died), 2 bad flag, 3 memory grew beyond the
 * tolerance.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli/errors';
import { generateCallbackToken } from '../shared/pipeline/ingest/token';
import { type Options, parseOptions, USAGE } from './soak/options';
import { EXPECTED_STATUS, type Kind, MIX, type Planned, plan } from './soak/plan';
import { killGroup, type Runtime, rssKb, runtimePid, startRuntime } from './soak/runtime-process';

const NORMALIZER_REASONS = new Set([
  'invalid-encoding',
  'invalid-json',
  'invalid-envelope',
  'invalid-message',
]);

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
    // parseArgs throws a TypeError for an unknown flag or a missing value: a usage error too.
    const usage = error instanceof UsageError ? error : new UsageError(String((error as Error).message));
    process.stderr.write(`error: ${usage.message}\n\n${USAGE}`);
    return usage.exitCode;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }

  const token = generateCallbackToken();
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
