/**
 * The event catalog: one JSON Schema per detail-type (= bunq category), generated from the zod schemas, plus
 * `_default` for categories nobody has documented yet. Each schema describes the whole event as an
 * EventBridge rule target receives it, with `detail` typed: the detail fields of Contract 2 and `object` as
 * one of the object types the category is expected to carry, or any object (mismatches and unexpected
 * types are tolerated, so the schema accepts them too).
 *
 * JSON Schema draft 4 is what both EventBridge (schema type `JSONSchemaDraft4`) and zod's `z.toJSONSchema`
 * (`target: 'draft-04'`) support. The committed files in `schemas/events/` are written by
 * `npm run generate:schemas`; a unit test fails when they are stale.
 */
import * as z from 'zod';
import { CALLBACK_CATEGORIES, KNOWN_CATEGORIES, type KnownCategory } from '../bunq/callback/categories';
import { BUNQ_OBJECT_TYPES, BUNQ_OBJECTS, type BunqObjectType } from '../bunq/callback/objects';
import { callbackEventDetailSchema } from './callback-event';

/** The file name (without `.json`) of the schema for categories not in the catalog. */
export const DEFAULT_SCHEMA_NAME = '_default';

/** The event `source` the committed schemas name (the pipeline's default). */
export const DEFAULT_EVENT_SOURCE = 'bunq';

/** Where the generated schemas live, relative to the project root. */
export const EVENT_SCHEMA_DIR = 'schemas/events';

/** `CARD_TRANSACTION_SUCCESSFUL` → `CardTransactionSuccessful` (names for code bindings). */
const pascal = (name: string): string =>
  name
    .toLowerCase()
    .split('_')
    .filter((word) => word !== '')
    .map((word) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`)
    .join('');

const untypedObject = z.record(z.string(), z.unknown()).meta({
  id: 'UntypedObject',
  description:
    'The bunq object as received, when its type has no schema, is not expected here, or did not match its schema.',
});

/** The distinct schemas of some object types (aliases share one). */
function objectSchemas(objectTypes: readonly BunqObjectType[]): z.ZodType[] {
  return [...new Set(objectTypes.map((type) => BUNQ_OBJECTS[type].schema as z.ZodType))];
}

function objectField(objectTypes: readonly BunqObjectType[]) {
  const schemas = objectSchemas(objectTypes);
  const [first, ...rest] = schemas;
  const field = first === undefined ? untypedObject : z.union([first, ...rest, untypedObject]);
  return field.nullable().meta({
    description:
      'The bunq object exactly as received (typed as its objectType when objectSchema is MATCHED); null when it was too large for an event and objectRef says where it is stored.',
  });
}

function eventSchema(name: string, category: KnownCategory | null) {
  const objectTypes = category === null ? BUNQ_OBJECT_TYPES : CALLBACK_CATEGORIES[category].objectTypes;
  const expected =
    objectTypes.length === 0
      ? 'No object types are documented for this category.'
      : `Expected: ${objectTypes.join(', ')}.`;
  const detail = callbackEventDetailSchema
    .extend({
      category: (category === null ? z.string() : z.literal(category)).meta({
        description: 'The bunq category, verbatim (also the detail-type).',
      }),
      objectType: z.string().meta({
        description: `The key under NotificationUrl.object. ${expected} Others are published too.`,
      }),
      object: objectField(objectTypes),
    })
    .meta({
      id: `${name}Detail`,
      description:
        category === null
          ? 'The detail of a bunq callback event of any category.'
          : `The detail of a bunq ${category} callback event: ${CALLBACK_CATEGORIES[category].description}`,
    });
  return z.object({
    version: z.string(),
    id: z.string(),
    'detail-type': category === null ? z.string() : z.literal(category),
    source: z.string(),
    account: z.string(),
    time: z.string(),
    region: z.string(),
    resources: z.array(z.string()),
    detail,
  });
}

type EventSchema = ReturnType<typeof eventSchema>;

/** Built once: schema ids are registered globally, so each may exist only once. */
const CATEGORY_EVENT_SCHEMAS = new Map<KnownCategory, EventSchema>(
  KNOWN_CATEGORIES.map((category) => [category, eventSchema(pascal(category), category)]),
);
const DEFAULT_EVENT_SCHEMA: EventSchema = eventSchema('Bunq', null);

/** The zod schema of the whole event for a detail-type; `_default` for a category not in the catalog. */
export function eventSchemaFor(detailType: string): EventSchema {
  return CATEGORY_EVENT_SCHEMAS.get(detailType as KnownCategory) ?? DEFAULT_EVENT_SCHEMA;
}

export interface EventSchemaDocument {
  /** File name without `.json`: the detail-type, or `_default`. */
  readonly name: string;
  /** The detail-type it describes; null for `_default`. */
  readonly detailType: KnownCategory | null;
  /** The JSON Schema (draft 4) document. */
  readonly document: Record<string, unknown>;
}

function jsonSchemaDocument(
  name: string,
  category: KnownCategory | null,
  source: string,
): EventSchemaDocument {
  const schema = category === null ? DEFAULT_EVENT_SCHEMA : eventSchemaFor(category);
  const { $schema, ...body } = z.toJSONSchema(schema, {
    target: 'draft-04',
    io: 'output',
    unrepresentable: 'throw',
  });
  return {
    name,
    detailType: category,
    document: {
      $schema,
      title: `${category === null ? 'Bunq' : pascal(category)}Event`,
      description:
        category === null
          ? `A bunq callback event of a category not in the catalog (detail-type = the category as sent), source "${source}".`
          : `A bunq ${category} callback event on the pipeline's bus, source "${source}". ${CALLBACK_CATEGORIES[category].description}`,
      'x-amazon-events-source': source,
      ...(category === null ? {} : { 'x-amazon-events-detail-type': category }),
      ...body,
    },
  };
}

/** Every schema of the catalog: one per known category, then `_default`. */
export function eventSchemaDocuments(source: string = DEFAULT_EVENT_SOURCE): EventSchemaDocument[] {
  return [
    ...KNOWN_CATEGORIES.map((category) => jsonSchemaDocument(category, category, source)),
    jsonSchemaDocument(DEFAULT_SCHEMA_NAME, null, source),
  ];
}

/** The text of a committed schema file: two-space JSON and a final newline. */
export const schemaFileText = (document: Record<string, unknown>): string =>
  `${JSON.stringify(document, null, 2)}\n`;
