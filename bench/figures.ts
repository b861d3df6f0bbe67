/**
 * The bench's figures: every one is the median of its samples with their spread (min, p5, p95, max), beside
 * a floor measured in the same run, and a budget that `npm run bench` checks (exit 1 when one is missed).
 */

/** Median and spread of a set of samples. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly p5: number;
  readonly p95: number;
  readonly max: number;
  readonly samples: number;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** The spread of `samples`; throws on an empty set (a figure without samples is a bench defect). */
export function spreadOf(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new RangeError('a figure needs at least one sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = Number.isInteger(middle)
    ? ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
    : (sorted[Math.floor(middle)] as number);
  return {
    median,
    min: sorted[0] as number,
    p5: percentile(sorted, 5),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1] as number,
    samples: sorted.length,
  };
}

/** One measured figure. `value` is the median of `spread`. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly spread: Spread | null;
  readonly floor: number | null;
  readonly floorSpread: Spread | null;
  /** What the floor is, in words. */
  readonly floorIs: string | null;
  /** value / floor (medians). */
  readonly ratio: number | null;
  /** The budget, in words, and whether it held. */
  readonly budget: string;
  readonly pass: boolean;
}

export interface FigureInput {
  readonly name: string;
  readonly unit: string;
  /** The samples, or one exact value (a size, a count). */
  readonly samples: readonly number[] | number;
  readonly floor?: { readonly samples: readonly number[] | number; readonly is: string };
  readonly budget: string;
  /** Decides the budget from the figure (ratio is null without a floor). */
  readonly holds: (value: number, ratio: number | null, floor: number | null) => boolean;
}

const round = (value: number): number =>
  Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3));

function summarize(samples: readonly number[] | number): { value: number; spread: Spread | null } {
  if (typeof samples === 'number') return { value: samples, spread: null };
  const spread = spreadOf(samples);
  return { value: spread.median, spread };
}

/** Builds a figure from its samples and checks its budget. */
export function figure(input: FigureInput): Figure {
  const { value, spread } = summarize(input.samples);
  const floor = input.floor === undefined ? null : summarize(input.floor.samples);
  const ratio = floor === null || floor.value === 0 ? null : value / floor.value;
  return {
    name: input.name,
    unit: input.unit,
    value,
    spread,
    floor: floor?.value ?? null,
    floorSpread: floor?.spread ?? null,
    floorIs: input.floor?.is ?? null,
    ratio,
    budget: input.budget,
    pass: input.holds(value, ratio, floor?.value ?? null),
  };
}

/** `median (min–max)`, or `median (p5–p95)` when there are 20 samples or more. */
export function formatSpread(value: number, spread: Spread | null, unit: string): string {
  if (spread === null) return `${round(value)} ${unit}`;
  const [low, high] = spread.samples >= 20 ? [spread.p5, spread.p95] : [spread.min, spread.max];
  return `${round(value)} ${unit} (${round(low)}–${round(high)})`;
}

/** The figures as an aligned text table, one line each. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    formatSpread(f.value, f.spread, f.unit),
    f.floor === null ? '-' : formatSpread(f.floor, f.floorSpread, f.unit),
    f.ratio === null ? '-' : `${f.ratio.toFixed(2)}x`,
    f.budget,
    f.pass ? 'ok' : 'OVER BUDGET',
  ]);
  const header = ['figure', 'median (spread)', 'floor (spread)', 'ratio', 'budget', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
