/**
 * The size of the events the pipeline puts on the bus, for the archive and EventBridge lines of the cost
 * model: every spec-shaped callback fixture (`test/fixtures/`, shaped after bunq's documented objects)
 * through the real normalizer, measured as EventBridge counts an entry. Real callbacks with avatars and
 * attachments are larger; `npm run cost` says which size it used.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusEntry } from '../shared/pipeline/normalize/bus-entry';
import { normalizeCallback } from '../shared/pipeline/normalize/normalize-callback';
import { busEntrySize } from '../shared/pipeline/ports';
import { type Figure, figure } from './figures';

const FIXTURES = join(__dirname, '..', 'test', 'fixtures');

/** Bytes of each fixture's event, in file order. */
export function fixtureEventSizes(): number[] {
  const files = [
    ...readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(FIXTURES, f)),
    ...readdirSync(join(FIXTURES, 'objects'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(FIXTURES, 'objects', f)),
  ];
  return files.map((file) => {
    const outcome = normalizeCallback(readFileSync(file), '2026-01-01T00:00:00.000Z');
    if (!outcome.ok) throw new Error(`${file} does not normalize: ${outcome.problem}`);
    const built = buildBusEntry(outcome.detail, 'bunq');
    if (!built.ok) throw new Error(`${file} does not build an event: ${built.problem}`);
    return busEntrySize(built.entry);
  });
}

export function benchEventSize(): Figure[] {
  const sizes = fixtureEventSizes();
  const mean = sizes.reduce((sum, size) => sum + size, 0) / sizes.length;
  return [
    figure({
      name: 'event size, spec-shaped fixtures (mean)',
      unit: 'B',
      samples: Math.round(mean),
      budget: 'report only',
      holds: () => true,
    }),
    figure({
      name: 'event size, spec-shaped fixtures (spread)',
      unit: 'B',
      samples: sizes,
      budget: 'report only',
      holds: () => true,
    }),
  ];
}
