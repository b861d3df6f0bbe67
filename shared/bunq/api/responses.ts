/**
 * Reading bunq answers: every success answer is a `Response` array of items, each one type key around an
 * object (`{"Id": {...}}`, `{"Token": {...}}`, `{"NotificationFilterFailure": {...}}`). These pick the items
 * of a type and parse them, so a shape bunq did not promise is a {@link BunqResponseFormatError} that says
 * where.
 */
import type { z } from 'zod';
import { BunqResponseFormatError } from './errors';
import { describeIssues, type NotificationFilterUrl, notificationFilterUrlSchema } from './schemas';

/** `value` parsed with `schema`, or a format error naming `where` and the issues. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new BunqResponseFormatError(`${where}: unexpected shape (${describeIssues(parsed.error)}).`);
  }
  return parsed.data;
}

/** The object of the first item of type `key`; a format error when there is none. */
export function unwrapOne<T extends z.ZodType>(
  items: ReadonlyArray<Record<string, unknown>>,
  key: string,
  schema: T,
  where: string,
): z.infer<T> {
  const item = items.find((entry) => key in entry);
  if (item === undefined) throw new BunqResponseFormatError(`${where}: the answer has no ${key} item.`);
  return parseWith(schema, item[key], `${where} ${key}`);
}

/** The objects of every item of type `key`, in order. */
export function unwrapAll<T extends z.ZodType>(
  items: ReadonlyArray<Record<string, unknown>>,
  key: string,
  schema: T,
  where: string,
): Array<z.infer<T>> {
  return items
    .filter((item) => key in item)
    .map((item, index) => parseWith(schema, item[key], `${where} ${key}[${index}]`));
}

/** bunq has used more than one type key for filters; accept any `NotificationFilterUrl*`. */
export function unwrapFilters(
  items: ReadonlyArray<Record<string, unknown>>,
  where: string,
): NotificationFilterUrl[] {
  const filters: NotificationFilterUrl[] = [];
  items.forEach((item, index) => {
    const key = Object.keys(item).find((name) => name.startsWith('NotificationFilterUrl'));
    if (key !== undefined)
      filters.push(parseWith(notificationFilterUrlSchema, item[key], `${where} ${key}[${index}]`));
  });
  return filters;
}
