/** The object fixtures (`test/fixtures/objects/`): realistic callback bodies built from bunq's specs. */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fixtureText } from '../../../../support/fixtures';

const DIRECTORY = path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'objects');

export interface ObjectFixture {
  /** File name without `.json` (the seed's partner example is `partner-user-provision`). */
  readonly name: string;
  /** The body text as stored. */
  readonly text: string;
  readonly category: string;
  readonly objectType: string;
  readonly object: Record<string, unknown>;
}

function fixture(name: string, text: string): ObjectFixture {
  const body = JSON.parse(text) as {
    NotificationUrl: { category: string; object: Record<string, Record<string, unknown>> };
  };
  const [entry] = Object.entries(body.NotificationUrl.object);
  if (entry === undefined) throw new Error(`fixture ${name} has no object`);
  return { name, text, category: body.NotificationUrl.category, objectType: entry[0], object: entry[1] };
}

/** Every object fixture, plus the seed's PARTNER_USER_PROVISION example. */
export const OBJECT_FIXTURES: readonly ObjectFixture[] = [
  ...readdirSync(DIRECTORY)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => fixture(file.replace(/\.json$/, ''), readFileSync(path.join(DIRECTORY, file), 'utf8'))),
  fixture('partner-user-provision', fixtureText('partner-user-provision')),
];

export function objectFixture(name: string): ObjectFixture {
  const found = OBJECT_FIXTURES.find((entry) => entry.name === name);
  if (found === undefined) throw new Error(`no object fixture ${name}`);
  return found;
}

/** A callback body around an object. */
export function callbackBody(
  category: string,
  objectType: string,
  object: unknown,
  eventType = 'SOMETHING_HAPPENED',
) {
  return JSON.stringify({
    NotificationUrl: {
      target_url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/callbacks/REDACTED',
      category,
      event_type: eventType,
      object: { [objectType]: object },
    },
  });
}
