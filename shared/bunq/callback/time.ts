/**
 * bunq timestamps. bunq writes UTC times as `YYYY-MM-DD hh:mm:ss.ssssss` (e.g. `2017-01-13 13:19:16.215235`),
 * not ISO 8601, with microseconds that a JavaScript Date would drop. These helpers convert the text, never
 * through a Date, so the microseconds survive.
 */

const BUNQ_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/**
 * `2018-04-10 20:22:11.505656` → `2018-04-10T20:22:11.505656Z`. Also accepts the `T` separator and a
 * trailing `Z`. Returns null for anything that is not a real UTC calendar time in that form.
 */
export function bunqTimeToRfc3339(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = BUNQ_TIME.exec(value.trim());
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, fraction] = match;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  const check = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (
    check.getUTCFullYear() !== y ||
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== d ||
    check.getUTCHours() !== h ||
    check.getUTCMinutes() !== mi ||
    check.getUTCSeconds() !== s
  ) {
    return null;
  }
  const fractionPart = fraction === undefined ? '' : `.${fraction}`;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${fractionPart}Z`;
}
