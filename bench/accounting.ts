/**
 * Accounting for "200 means durable, nothing genuine is lost": given the object ids the runtime
 * acknowledged (200) and the lines of its events and dead-letter files, says for every acknowledged
 * callback whether it became exactly one event, was dead-lettered (and why), became more than one event
 * (doubled), or left no trace at all (lost). Pure, so it is tested on its own (`test/unit/bench`).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** What became of the acknowledged callbacks. */
export interface Accounting {
  readonly acknowledged: number;
  readonly exactlyOnce: number;
  /** Dead-lettered (and not also an event), by reason. */
  readonly deadLettered: ReadonlyMap<string, number>;
  /** Object ids with more than one event. */
  readonly doubled: readonly number[];
  /** Object ids with an event and a dead letter: published and also parked, a replay would double it. */
  readonly eventAndDeadLetter: readonly number[];
  /** Object ids acknowledged with neither an event nor a dead letter. */
  readonly lost: readonly number[];
  /** Events and dead letters for ids never acknowledged (a 200 lost on the way back is one). */
  readonly unacknowledged: number;
  /** Lines whose object id could not be read. */
  readonly unreadable: number;
}

export interface EventLine {
  readonly detail?: { readonly objectId?: unknown };
}

export interface DeadLetterLine {
  readonly reason?: string;
  readonly body?: string;
  readonly bodyEncoding?: string;
}

/**
 * Reads a JSON-lines file line by line (an events file of a long run outgrows one string), keeping what
 * `pick` takes of each; a line that is not JSON (torn while still being written) becomes `{}`, which
 * {@link account} counts as unreadable.
 */
export async function readJsonLines<T>(
  path: string,
  pick: (line: Record<string, unknown>) => T,
): Promise<T[]> {
  const values: T[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.length === 0) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    values.push(pick(parsed));
  }
  return values;
}

/** The object id of a dead-lettered callback: the first `"id":` of its body, as the bench writes it. */
function deadLetterId(line: DeadLetterLine): number | null {
  const body = Buffer.from(line.body ?? '', line.bodyEncoding === 'base64' ? 'base64' : 'utf8').toString();
  const match = /"id":(\d+)/.exec(body);
  return match === null ? null : Number(match[1]);
}

export function account(
  acknowledged: Iterable<number>,
  events: readonly EventLine[],
  deadLetters: readonly DeadLetterLine[],
): Accounting {
  const acked = new Set(acknowledged);
  let unreadable = 0;
  let unacknowledged = 0;
  const eventCount = new Map<number, number>();
  for (const event of events) {
    const id = event.detail?.objectId;
    if (typeof id !== 'number') {
      unreadable += 1;
      continue;
    }
    if (!acked.has(id)) unacknowledged += 1;
    eventCount.set(id, (eventCount.get(id) ?? 0) + 1);
  }
  const reasonOf = new Map<number, string>();
  for (const line of deadLetters) {
    const id = deadLetterId(line);
    if (id === null) {
      unreadable += 1;
      continue;
    }
    if (!acked.has(id)) unacknowledged += 1;
    reasonOf.set(id, line.reason ?? '(none)');
  }
  let exactlyOnce = 0;
  const deadLettered = new Map<string, number>();
  const doubled: number[] = [];
  const eventAndDeadLetter: number[] = [];
  const lost: number[] = [];
  for (const id of acked) {
    const count = eventCount.get(id) ?? 0;
    const reason = reasonOf.get(id);
    if (count > 1) doubled.push(id);
    else if (count === 1 && reason !== undefined) eventAndDeadLetter.push(id);
    else if (count === 1) exactlyOnce += 1;
    else if (reason !== undefined) deadLettered.set(reason, (deadLettered.get(reason) ?? 0) + 1);
    else lost.push(id);
  }
  return {
    acknowledged: acked.size,
    exactlyOnce,
    deadLettered,
    doubled,
    eventAndDeadLetter,
    lost,
    unacknowledged,
    unreadable,
  };
}

/** Lost, doubled, or both published and parked: what breaks the promise. */
export const accountingFails = (a: Accounting): boolean =>
  a.lost.length > 0 || a.doubled.length > 0 || a.eventAndDeadLetter.length > 0;

const sample = (ids: readonly number[]): string =>
  ids.length === 0 ? '' : ` (e.g. object id ${ids.slice(0, 5).join(', ')})`;

/** The report, one line each. */
export function formatAccounting(a: Accounting): string[] {
  const deadLettered = [...a.deadLettered.values()].reduce((sum, n) => sum + n, 0);
  const reasons = [...a.deadLettered].map(([reason, n]) => `${reason} ${n}`).join(', ');
  return [
    `acknowledged (200, distinct)  ${a.acknowledged}`,
    `  exactly one event           ${a.exactlyOnce}`,
    `  dead-lettered               ${deadLettered}${reasons === '' ? '' : ` (${reasons})`}`,
    `  DOUBLED (> 1 event)         ${a.doubled.length}${sample(a.doubled)}`,
    `  event AND dead letter       ${a.eventAndDeadLetter.length}${sample(a.eventAndDeadLetter)}`,
    `  LOST (no event, no letter)  ${a.lost.length}${sample(a.lost)}`,
    `events/letters not acknowledged ${a.unacknowledged}, unreadable lines ${a.unreadable}`,
    `accounting ${accountingFails(a) ? 'FAIL' : 'PASS'}`,
  ];
}
