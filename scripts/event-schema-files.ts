/**
 * The committed event catalog files (`schemas/events/`) against the catalog generated in memory: used by
 * `npm run generate:schemas -- --check` and by the unit test that fails when the files are stale.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_EVENT_SOURCE, eventSchemaDocuments } from '../shared/contract/event-schemas';

/**
 * The committed schema files in `directory` that differ from the catalog: missing, changed or no longer in
 * it. Compared as JSON (key order included), not as text, so the formatter's layout does not matter.
 */
export function staleEventSchemaFiles(directory: string, source: string = DEFAULT_EVENT_SOURCE): string[] {
  const documents = eventSchemaDocuments(source);
  const wanted = new Map(documents.map((entry) => [`${entry.name}.json`, JSON.stringify(entry.document)]));
  const present = existsSync(directory)
    ? readdirSync(directory).filter((file) => file.endsWith('.json'))
    : [];
  const stale = present.filter((file) => !wanted.has(file)).map((file) => `${file} (not in the catalog)`);
  for (const [file, json] of wanted) {
    if (!present.includes(file)) {
      stale.push(`${file} (missing)`);
      continue;
    }
    let current: string;
    try {
      current = JSON.stringify(JSON.parse(readFileSync(path.join(directory, file), 'utf8')));
    } catch {
      current = '';
    }
    if (current !== json) stale.push(`${file} (changed)`);
  }
  return stale;
}
