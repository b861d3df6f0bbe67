/**
 * `npx tsx bench/runtime-accounting.ts [--rate 2500] [--seconds 30] [--idle-seconds 10]
 * [--max-drain-seconds 900]`: the runtime bench's open loop of distinct callbacks (`bench/runtime.ts`), then,
 * with the runtime still running, a drain wait (until events + dead letters reach the acknowledged count,
 * or neither file grew for `--idle-seconds`), then the accounting of every acknowledged callback against
 * the events and dead-letter files (`bench/accounting.ts`). Writes no bench results.
 * Exit codes: 0 every acknowledged callback is one event or one dead letter; 1 something was lost or
 * doubled, or the runtime died; 2 bad flag.
 */
import { parseArgs } from 'node:util';
import {
  type Accounting,
  account,
  accountingFails,
  type DeadLetterLine,
  type EventLine,
  formatAccounting,
  readJsonLines,
} from './accounting';
import { benchRuntime, type LoadedRuntime, lineCounter } from './runtime';

interface Drained {
  readonly seconds: number;
  readonly why: string;
}

async function drain(runtime: LoadedRuntime, idleMs: number, maxMs: number): Promise<Drained> {
  const events = lineCounter(runtime.eventsFile);
  const letters = lineCounter(runtime.deadLetterFile);
  const started = Date.now();
  let last = -1;
  let lastChange = started;
  for (;;) {
    const seen = events() + letters();
    // Read each time: an answer let go by the open loop may still arrive.
    const expected = runtime.acknowledgedIds().length;
    const now = Date.now();
    if (seen !== last) {
      last = seen;
      lastChange = now;
    }
    const seconds = (now - started) / 1_000;
    if (seen >= expected) return { seconds, why: `${seen} lines for ${expected} acknowledged` };
    if (!runtime.alive()) return { seconds, why: 'the runtime exited' };
    if (now - lastChange >= idleMs)
      return { seconds, why: `no progress for ${idleMs / 1_000} s at ${seen} of ${expected}` };
    if (now - started >= maxMs) return { seconds, why: `gave up after ${maxMs / 1_000} s` };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        rate: { type: 'string', default: '2500' },
        seconds: { type: 'string', default: '30' },
        'idle-seconds': { type: 'string', default: '10' },
        'max-drain-seconds': { type: 'string', default: '900' },
      },
    }));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 2;
  }
  const number = (name: string): number => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`--${name} must be a positive number`);
    return value;
  };
  let rate: number;
  let seconds: number;
  let idleMs: number;
  let maxMs: number;
  try {
    [rate, seconds, idleMs, maxMs] = [
      number('rate'),
      number('seconds'),
      number('idle-seconds') * 1_000,
      number('max-drain-seconds') * 1_000,
    ];
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 2;
  }
  let result: { drained: Drained; accounting: Accounting; alive: boolean } | undefined;
  const figures = await benchRuntime(rate, seconds, async (runtime) => {
    const drained = await drain(runtime, idleMs, maxMs);
    // Of an event only its object id is kept: the events of a long run are gigabytes.
    const events = await readJsonLines(runtime.eventsFile, (line): EventLine => {
      const detail = line.detail as { objectId?: unknown } | undefined;
      return { detail: { objectId: detail?.objectId } };
    });
    const deadLetters = await readJsonLines(runtime.deadLetterFile, (line) => line as DeadLetterLine);
    result = {
      drained,
      accounting: account(runtime.acknowledgedIds(), events, deadLetters),
      alive: runtime.alive(),
    };
  });
  for (const figure of figures)
    process.stdout.write(`${figure.name}: ${figure.value} ${figure.unit} (${figure.budget})\n`);
  if (result === undefined) throw new Error('the bench ended without the accounting');
  process.stdout.write(`drain wait ${result.drained.seconds.toFixed(1)} s: ${result.drained.why}\n`);
  for (const line of formatAccounting(result.accounting)) process.stdout.write(`${line}\n`);
  if (!result.alive) process.stdout.write('the runtime died\n');
  return accountingFails(result.accounting) || !result.alive ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
