import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { staleEventSchemaFiles } from '../../../../scripts/event-schema-files';
import { KNOWN_CATEGORIES } from '../../../../shared/bunq/callback/categories';
import {
  DEFAULT_SCHEMA_NAME,
  eventSchemaDocuments,
  eventSchemaFor,
  schemaFileText,
} from '../../../../shared/contract/event-schemas';
import { buildBusEntry } from '../../../../shared/pipeline/normalize/bus-entry';
import { normalizeCallback } from '../../../../shared/pipeline/normalize/normalize-callback';
import { fixtureText } from '../../../support/fixtures';
import { busEventOf, eventValidator, publishedDocument, SCHEMA_DIRECTORY } from './published-schemas';

const RECEIVED_AT = '2025-09-03T08:24:15.123Z';

function eventFor(body: string): Record<string, unknown> {
  const outcome = normalizeCallback(Buffer.from(body, 'utf8'), RECEIVED_AT);
  if (!outcome.ok) throw new Error(outcome.problem);
  const built = buildBusEntry(outcome.detail, 'bunq');
  if (!built.ok) throw new Error(built.problem);
  return busEventOf(built.entry);
}

describe('the committed event catalog (schemas/events)', () => {
  it('is current: regenerating it in memory gives the committed files (run `npm run generate:schemas`)', () => {
    expect(staleEventSchemaFiles(SCHEMA_DIRECTORY)).toEqual([]);
  });

  it('has one schema per known category and a _default, and nothing else', () => {
    const files = readdirSync(SCHEMA_DIRECTORY).filter((file) => file.endsWith('.json'));
    expect(files.sort()).toEqual(
      [...KNOWN_CATEGORIES, DEFAULT_SCHEMA_NAME].map((name) => `${name}.json`).sort(),
    );
  });

  it.each([...KNOWN_CATEGORIES])(
    '%s.json is a draft-4 schema of the whole event, named for EventBridge',
    (category) => {
      const document = publishedDocument(category);
      expect(document).toMatchObject({
        $schema: 'http://json-schema.org/draft-04/schema#',
        type: 'object',
        'x-amazon-events-source': 'bunq',
        'x-amazon-events-detail-type': category,
        properties: {
          'detail-type': { enum: [category] },
          detail: { $ref: expect.stringMatching(/^#\/definitions\//) },
        },
      });
      // EventBridge takes at most 100,000 characters per schema.
      expect(JSON.stringify(document).length).toBeLessThan(100_000);
    },
  );

  it('_default.json accepts any detail-type and names every known object type', () => {
    const document = publishedDocument(DEFAULT_SCHEMA_NAME);
    expect(document).toMatchObject({ properties: { 'detail-type': { type: 'string' } } });
    expect(document['x-amazon-events-detail-type']).toBeUndefined();
    expect(Object.keys(document.definitions ?? {})).toEqual(
      expect.arrayContaining(['Payment', 'MasterCardAction', 'PartnerUserProvision', 'UntypedObject']),
    );
  });
});

describe('validation against the published JSON Schema', () => {
  const valid = eventFor(fixtureText('mutation-payment'));
  const detail = valid.detail as Record<string, unknown>;
  const validator = eventValidator('MUTATION');

  it('accepts a published event', () => {
    expect(validator.safeParse(valid).success).toBe(true);
  });

  it.each([
    ['another detail-type', { ...valid, 'detail-type': 'PAYMENT' }],
    ['a detail field missing', { ...valid, detail: { ...detail, status: undefined } }],
    ['a detail field nobody documented', { ...valid, detail: { ...detail, extra: 1 } }],
    ['an amount as a number', { ...valid, detail: { ...detail, amount: { value: -20, currency: 'EUR' } } }],
    ['a direction outside CREDIT/DEBIT', { ...valid, detail: { ...detail, direction: 'OUT' } }],
    ['a time that is not RFC 3339', { ...valid, detail: { ...detail, updatedAt: '2018-04-10 20:22:11' } }],
  ])('refuses %s (the validator is not vacuous)', (_name, event) => {
    expect(validator.safeParse(event).success).toBe(false);
  });

  it('round-trips: the JSON Schema and the zod schema it came from agree on these events', () => {
    const samples = [
      valid,
      {
        ...valid,
        detail: { ...detail, object: null, objectRef: { uri: 's3://b/k', bytes: 3, sha256: 'a'.repeat(64) } },
      },
      { ...valid, detail: { ...detail, objectSchema: 'MISMATCH', amount: null, direction: null } },
      { ...valid, detail: { ...detail, objectType: 'Unheard', object: { anything: [1, { deep: null }] } } },
      { ...valid, detail: { ...detail, counterparty: { iban: null } } },
      { ...valid, resources: 'none' },
    ];
    for (const sample of samples) {
      expect([sample, validator.safeParse(sample).success]).toEqual([
        sample,
        eventSchemaFor('MUTATION').safeParse(sample).success,
      ]);
    }
  });
});

describe('staleEventSchemaFiles', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'event-schemas-'));
    for (const { name, document } of eventSchemaDocuments()) {
      writeFileSync(path.join(directory, `${name}.json`), schemaFileText(document));
    }
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('finds nothing in a freshly generated directory, whatever the formatting', () => {
    const file = path.join(directory, 'MUTATION.json');
    writeFileSync(file, JSON.stringify(JSON.parse(readFileSync(file, 'utf8'))));
    expect(staleEventSchemaFiles(directory)).toEqual([]);
  });

  it('names changed, missing and extra files', () => {
    const changed = JSON.parse(readFileSync(path.join(directory, 'CHAT.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(path.join(directory, 'CHAT.json'), JSON.stringify({ ...changed, title: 'Old' }));
    rmSync(path.join(directory, 'BILLING.json'));
    writeFileSync(path.join(directory, 'RETIRED.json'), '{}');
    expect(staleEventSchemaFiles(directory).sort()).toEqual([
      'BILLING.json (missing)',
      'CHAT.json (changed)',
      'RETIRED.json (not in the catalog)',
    ]);
  });

  it('names the source given for the registry in every schema', () => {
    const documents = eventSchemaDocuments('acme.bunq');
    expect(new Set(documents.map((entry) => entry.document['x-amazon-events-source']))).toEqual(
      new Set(['acme.bunq']),
    );
    expect(staleEventSchemaFiles(directory, 'acme.bunq')).toHaveLength(documents.length);
  });
});
