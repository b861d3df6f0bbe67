/**
 * The callbacks `bunq-webhooks trigger` sends: the project's bunq callback fixtures (`test/fixtures`, one per
 * object type under `objects/`), picked by category and made fresh (a new object id, `created` and `updated`
 * now) so that each trigger is a distinct callback the pipeline publishes, not a duplicate it suppresses.
 */
import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CALLBACK_CATEGORIES } from '../shared/bunq/callback/categories';
import { NotFoundError, UsageError } from './errors';

/** One fixture file: its envelope and what it carries. */
export interface CallbackFixture {
  /** Path relative to the project root (or as given with `--fixture`). */
  readonly file: string;
  readonly category: string;
  readonly objectType: string;
  readonly body: { readonly NotificationUrl: Record<string, unknown> };
}

/** The project root: the nearest folder up from here with this package's package.json. */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
      if (name === 'bunq-webhooks-aws') return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new NotFoundError(
        `Cannot find this project's folder above ${from}; run the CLI from the repository.`,
      );
    }
  }
}

/** Reads one fixture; `label` names it in errors. */
export function readFixture(file: string, root: string, label = file): CallbackFixture {
  let text: string;
  try {
    text = readFileSync(path.resolve(root, file), 'utf8');
  } catch (error) {
    throw new NotFoundError(
      `${label}: cannot read ${file} (${error instanceof Error ? error.message : error}).`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UsageError(
      `${label}: ${file} is not JSON; give a bunq callback body {"NotificationUrl": {...}}.`,
    );
  }
  const envelope = (body as { NotificationUrl?: unknown } | null)?.NotificationUrl;
  const object = (envelope as { object?: unknown } | undefined)?.object;
  const category = (envelope as { category?: unknown } | undefined)?.category;
  const types = typeof object === 'object' && object !== null ? Object.keys(object) : [];
  if (typeof category !== 'string' || types.length !== 1) {
    throw new UsageError(
      `${label}: ${file} is not a bunq callback; it needs {"NotificationUrl": {"category", "event_type", "object": {"<Type>": {...}}}}.`,
    );
  }
  return {
    file,
    category,
    objectType: types[0] as string,
    body: body as CallbackFixture['body'],
  };
}

/** Every fixture of the project: the top-level ones first (whole callbacks), then one per object type. */
export function projectFixtures(root = projectRoot()): CallbackFixture[] {
  const fixtures: CallbackFixture[] = [];
  for (const dir of ['test/fixtures', 'test/fixtures/objects']) {
    const names = readdirSync(path.join(root, dir)).filter((name) => name.endsWith('.json'));
    for (const name of names.sort()) {
      try {
        fixtures.push(readFixture(`${dir}/${name}`, root));
      } catch {
        // Not a callback body (another kind of fixture): not offered.
      }
    }
  }
  return fixtures;
}

/**
 * The fixture for `category`: one sent with that category, else one carrying an object type the category
 * is documented to carry (its category then set to `category`). Undefined when there is none.
 */
export function fixtureFor(
  category: string,
  fixtures: readonly CallbackFixture[],
): CallbackFixture | undefined {
  const expected: readonly string[] =
    (CALLBACK_CATEGORIES as Record<string, { objectTypes: readonly string[] }>)[category]?.objectTypes ?? [];
  // The category's main object type first (`PAYMENT` sends a Payment, not a PaymentBatch).
  const rank = (fixture: CallbackFixture) => {
    const index = expected.indexOf(fixture.objectType);
    return index === -1 ? expected.length : index;
  };
  const exact = fixtures.filter((fixture) => fixture.category === category);
  if (exact.length > 0) return [...exact].sort((a, b) => rank(a) - rank(b))[0];
  for (const objectType of expected) {
    const byType = fixtures.find((fixture) => fixture.objectType === objectType);
    if (byType !== undefined) {
      return { ...byType, category, body: { NotificationUrl: { ...byType.body.NotificationUrl, category } } };
    }
  }
  return undefined;
}

const BUNQ_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;

/** A time as bunq writes it: UTC, `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function bunqTime(date: Date, micros = 0): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(micros % 1_000).padStart(3, '0')}`;
}

/** What {@link freshCallback} made. */
export interface FreshCallback {
  readonly body: { readonly NotificationUrl: Record<string, unknown> };
  /** The new object id; null when the object has none. */
  readonly objectId: number | null;
  readonly time: string;
}

/**
 * A copy of the fixture as bunq would send it now: a new object id, every bunq time in it set to now, and
 * `target_url` set to where it is sent (bunq echoes the URL it calls).
 */
export function freshCallback(fixture: CallbackFixture, targetUrl: string, now: Date): FreshCallback {
  const time = bunqTime(now, randomInt(1_000));
  const objectId = randomInt(100_000_000, 1_000_000_000);
  const retime = (value: unknown): unknown => {
    if (typeof value === 'string') return BUNQ_TIME.test(value) ? time : value;
    if (Array.isArray(value)) return value.map(retime);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, retime(inner)]));
    }
    return value;
  };
  const envelope = fixture.body.NotificationUrl;
  const objects = envelope.object as Record<string, Record<string, unknown>>;
  const inner = retime(objects[fixture.objectType]) as Record<string, unknown>;
  const object = { ...inner, ...('id' in inner ? { id: objectId } : {}) };
  return {
    body: {
      NotificationUrl: { ...envelope, target_url: targetUrl, object: { [fixture.objectType]: object } },
    },
    objectId: 'id' in inner ? objectId : null,
    time,
  };
}
