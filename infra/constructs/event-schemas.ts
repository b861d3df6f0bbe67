/**
 * The event catalog in an EventBridge Schema Registry: one schema per detail-type (bunq category) plus
 * `_default`, the same JSON Schemas as `schemas/events/`, so teams can browse them and download code
 * bindings (console, `aws schemas get-code-binding-source`, or the AWS Toolkits).
 */
import { Names } from 'aws-cdk-lib';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { DEFAULT_EVENT_SOURCE, eventSchemaDocuments } from '../../shared/contract/event-schemas';

/** EventBridge's limit on one schema's content. */
export const MAX_SCHEMA_CONTENT_LENGTH = 100_000;

/** The schema type EventBridge uses for JSON Schema (draft 4 is the draft it supports). */
export const SCHEMA_TYPE = 'JSONSchemaDraft4';

export interface EventSchemasProps {
  /**
   * The `source` of the pipeline's events: named in each schema (`x-amazon-events-source`) and in the schema
   * names (`<source>@<detail-type>`, the convention of discovered schemas).
   * @default 'bunq'
   */
  readonly eventSource?: string;
  /**
   * Name of the registry.
   * @default - unique per stack, derived from the construct path (e.g. `BunqWebhooksEventSchemasB0CBC2BA`)
   */
  readonly registryName?: string;
}

/** A schema registry holding one JSON Schema (draft 4) per detail-type of the pipeline's events. */
export class EventSchemas extends Construct {
  /** The registry. */
  public readonly registry: CfnRegistry;
  /** The schemas, keyed by detail-type (`_default` for categories not in the catalog). */
  public readonly schemas: ReadonlyMap<string, CfnSchema>;

  constructor(scope: Construct, id: string, props: EventSchemasProps = {}) {
    super(scope, id);
    const source = props.eventSource ?? DEFAULT_EVENT_SOURCE;

    this.registry = new CfnRegistry(this, 'Registry', {
      registryName: props.registryName ?? Names.uniqueResourceName(this, { maxLength: 64 }),
      description: `bunq callback events (source "${source}"): one schema per detail-type (bunq category)`,
    });

    const schemas = new Map<string, CfnSchema>();
    for (const { name, detailType, document } of eventSchemaDocuments(source)) {
      const content = JSON.stringify(document);
      if (content.length > MAX_SCHEMA_CONTENT_LENGTH) {
        throw new Error(
          `The event schema ${name} is ${content.length} characters; EventBridge takes at most ${MAX_SCHEMA_CONTENT_LENGTH}. Trim the object schemas of its category in shared/bunq/callback/objects.`,
        );
      }
      const schema = new CfnSchema(this, name, {
        registryName: this.registry.attrRegistryName,
        schemaName: `${source}@${name}`,
        type: SCHEMA_TYPE,
        content,
        description:
          detailType === null
            ? 'Events of a bunq category not in the catalog (detail-type = the category as sent)'
            : `Events with detail-type ${detailType}`,
      });
      schemas.set(name, schema);
    }
    this.schemas = schemas;
  }
}
