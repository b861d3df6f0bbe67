/**
 * Validation against the committed JSON Schemas (`schemas/events/`), independent of the zod schemas they were
 * generated from: each file is read as JSON and turned into a validator by `z.fromJSONSchema` (zod's JSON
 * Schema reader; no other validator is installed). Also builds the event a rule target receives.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { DEFAULT_SCHEMA_NAME, EVENT_SCHEMA_DIR } from '../../../../shared/contract/event-schemas';
import type { BusEntry } from '../../../../shared/pipeline/ports';

export const SCHEMA_DIRECTORY = path.join(__dirname, '..', '..', '..', '..', EVENT_SCHEMA_DIR);

type JsonDocument = Record<string, unknown> & { definitions?: Record<string, unknown> };

const documents = new Map<string, JsonDocument>();
const validators = new Map<string, z.ZodType>();

/** The committed schema file `<name>.json`, parsed. */
export function publishedDocument(name: string): JsonDocument {
  let document = documents.get(name);
  if (document === undefined) {
    document = JSON.parse(readFileSync(path.join(SCHEMA_DIRECTORY, `${name}.json`), 'utf8')) as JsonDocument;
    documents.set(name, document);
  }
  return document;
}

/** The schema file that describes a detail-type: its own, or `_default` for one not in the catalog. */
export function schemaNameFor(detailType: string, known: readonly string[]): string {
  return known.includes(detailType) ? detailType : DEFAULT_SCHEMA_NAME;
}

function cached(key: string, build: () => z.ZodType): z.ZodType {
  let validator = validators.get(key);
  if (validator === undefined) {
    validator = build();
    validators.set(key, validator);
  }
  return validator;
}

/** A validator for whole events, read from the committed schema `<name>.json`. */
export function eventValidator(name: string): z.ZodType {
  return cached(name, () => z.fromJSONSchema(publishedDocument(name) as z.core.JSONSchema.JSONSchema));
}

/** A validator for one definition (`#/definitions/<id>`) of the committed schema `<name>.json`. */
export function definitionValidator(name: string, id: string): z.ZodType {
  return cached(`${name}#${id}`, () => {
    const document = publishedDocument(name);
    if (document.definitions?.[id] === undefined) throw new Error(`${name}.json has no definition ${id}`);
    return z.fromJSONSchema({
      $schema: document.$schema,
      definitions: document.definitions,
      $ref: `#/definitions/${id}`,
    } as z.core.JSONSchema.JSONSchema);
  });
}

/** The first problem, as `path: message`, or null when valid. */
export function problemOf(validator: z.ZodType, value: unknown): string | null {
  const result = validator.safeParse(value);
  if (result.success) return null;
  const issue = result.error.issues[0];
  return `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`;
}

/** The event an EventBridge rule target receives for a bus entry. */
export function busEventOf(entry: BusEntry): Record<string, unknown> {
  return {
    version: '0',
    id: '6f2b1a3c-0d4e-4f5a-9b8c-7d6e5f4a3b2c',
    'detail-type': entry.detailType,
    source: entry.source,
    account: '123456789012',
    time: entry.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-1',
    resources: [],
    detail: JSON.parse(entry.detail) as unknown,
  };
}
