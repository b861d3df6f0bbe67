/**
 * Writes the event catalog: one JSON Schema per detail-type into `schemas/events/<detail-type>.json`, plus
 * `schemas/events/_default.json`, generated from the zod schemas (`shared/contract/event-schemas.ts`), then
 * formats them with the project's formatter (biome).
 *
 *   npm run generate:schemas            # write the files (and remove schemas no longer in the catalog)
 *   npm run generate:schemas -- --check # exit 1 when the committed files are stale
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EVENT_SCHEMA_DIR, eventSchemaDocuments, schemaFileText } from '../shared/contract/event-schemas';
import { staleEventSchemaFiles } from './event-schema-files';

const root = path.join(__dirname, '..');
const directory = path.join(root, EVENT_SCHEMA_DIR);
const check = process.argv.includes('--check');

mkdirSync(directory, { recursive: true });
const stale = staleEventSchemaFiles(directory);
if (check) {
  if (stale.length > 0) {
    console.error(
      `Stale event schemas in ${EVENT_SCHEMA_DIR}: ${stale.join(', ')}. Run: npm run generate:schemas`,
    );
    process.exit(1);
  }
  console.log(`The event schemas in ${EVENT_SCHEMA_DIR} are current`);
} else {
  const documents = eventSchemaDocuments();
  const wanted = new Set(documents.map((entry) => `${entry.name}.json`));
  for (const file of readdirSync(directory)) {
    if (file.endsWith('.json') && !wanted.has(file)) rmSync(path.join(directory, file));
  }
  for (const entry of documents) {
    writeFileSync(path.join(directory, `${entry.name}.json`), schemaFileText(entry.document));
  }
  const biome = spawnSync(
    path.join(root, 'node_modules', '.bin', 'biome'),
    ['format', '--write', EVENT_SCHEMA_DIR],
    { cwd: root, stdio: 'inherit' },
  );
  if (biome.status !== 0) process.exit(biome.status ?? 1);
  console.log(`${documents.length} event schemas written to ${EVENT_SCHEMA_DIR}`);
}
