/** Durations and times on the command line: `90s`, `30m`, `24h`, `2d`, `1h30m`; RFC 3339 timestamps. */
import { UsageError } from './errors';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration such as `24h` or `1h30m`. */
export function parseDuration(text: string, label: string): number {
  const trimmed = text.trim();
  if (!/^(\d+[smhd])+$/.test(trimmed)) {
    throw new UsageError(`${label} must be a duration such as 24h, 90m, 2d or 1h30m, got "${text}"`);
  }
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return total;
}

/** `90000` as `1m30s`. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1_000));
  const parts: string[] = [];
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(rest / seconds);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * seconds;
  }
  return parts.length === 0 ? '0s' : parts.join('');
}

/** An RFC 3339 time with an offset (`2026-01-31T12:00:00Z`). */
export function parseTimestamp(text: string, label: string): Date {
  const trimmed = text.trim();
  const valid = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(trimmed);
  const date = new Date(trimmed);
  if (!valid || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${label} must be an RFC 3339 time with a zone, e.g. 2026-01-31T12:00:00Z, got "${text}"`,
    );
  }
  return date;
}
