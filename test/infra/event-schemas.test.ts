import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventSchemas, SCHEMA_TYPE } from '../../infra/constructs/event-schemas';
import { KNOWN_CATEGORIES } from '../../shared/bunq/callback/categories';
import { DEFAULT_SCHEMA_NAME, EVENT_SCHEMA_DIR } from '../../shared/contract/event-schemas';
import { onlyLogicalId, PROJECT_ROOT, SYNTH_TIMEOUT_MS, synthStack } from './support/synth';

const SCHEMA_NAMES = [...KNOWN_CATEGORIES, DEFAULT_SCHEMA_NAME];

function templateOf(props?: ConstructorParameters<typeof EventSchemas>[2]): Template {
  const stack = new Stack(new App(), 'SchemasStack');
  new EventSchemas(stack, 'EventSchemas', props);
  return Template.fromStack(stack);
}

const committed = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, EVENT_SCHEMA_DIR, `${name}.json`), 'utf8'));

describe('EventSchemas', () => {
  const template = templateOf();

  test('creates one registry, with a name unique per stack that fits the registry name rules', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    template.hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: Match.stringLikeRegexp('^SchemasStackEventSchemas[A-Za-z0-9]{8}$'),
    });
  });

  test('holds one JSON Schema draft 4 per detail-type and a _default, in that registry', () => {
    const registryId = onlyLogicalId(template, 'AWS::EventSchemas::Registry');
    template.resourceCountIs('AWS::EventSchemas::Schema', SCHEMA_NAMES.length);
    for (const name of SCHEMA_NAMES) {
      template.hasResourceProperties('AWS::EventSchemas::Schema', {
        SchemaName: `bunq@${name}`,
        Type: SCHEMA_TYPE,
        RegistryName: { 'Fn::GetAtt': [registryId, 'RegistryName'] },
      });
    }
  });

  test('publishes exactly the committed schemas/events files', () => {
    const schemas = template.findResources('AWS::EventSchemas::Schema');
    const contents = new Map(
      Object.values(schemas).map((resource) => {
        const { SchemaName, Content } = resource.Properties as { SchemaName: string; Content: string };
        return [SchemaName.replace(/^bunq@/, ''), JSON.parse(Content) as unknown];
      }),
    );
    for (const name of SCHEMA_NAMES) expect(contents.get(name)).toEqual(committed(name));
  });

  test('names a custom event source in schema names and contents', () => {
    const custom = templateOf({ eventSource: 'acme.bunq', registryName: 'bunq-events' });
    custom.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'bunq-events' });
    custom.hasResourceProperties('AWS::EventSchemas::Schema', {
      SchemaName: 'acme.bunq@MUTATION',
      Content: Match.stringLikeRegexp('"x-amazon-events-source":"acme.bunq"'),
    });
  });
});

describe('the pipeline stack', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthStack({ eventSource: 'payments.bunq' }, { bundle: false }));
  }, SYNTH_TIMEOUT_MS);

  test('carries the schema registry with the event catalog, for the configured event source', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    template.resourceCountIs('AWS::EventSchemas::Schema', SCHEMA_NAMES.length);
    template.hasResourceProperties('AWS::EventSchemas::Schema', {
      SchemaName: 'payments.bunq@PARTNER_USER_PROVISION',
      Type: 'JSONSchemaDraft4',
    });
  });
});
