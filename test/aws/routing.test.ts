/**
 * Routing against moto's EventBridge: one rule per configured route, with the pattern the stack deploys
 * (`eventPatternForRoute`), each delivering to an SQS queue. Every category reaches exactly the routes the
 * configuration names, so moto's pattern matcher checks the project's own (which the local runtime uses).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateEventBusCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { KNOWN_CATEGORIES } from '../../shared/bunq/callback/categories';
import { parsePipelineConfig } from '../../shared/config/pipeline-config';
import { buildBusEntry } from '../../shared/pipeline/normalize/bus-entry';
import { normalizeCallback } from '../../shared/pipeline/normalize/normalize-callback';
import { createRouteMatcher, eventPatternForRoute } from '../../shared/routing/event-pattern';
import {
  type AwsClients,
  awsClients,
  createQueue,
  describeAws,
  destroyClients,
  queueDepth,
  receive,
  uniqueName,
} from './support/aws';

const CONFIG_PATH = join(__dirname, '..', '..', 'config', 'examples', 'all-targets.json');

/** One callback per documented category, MUTATION with both event types, and a category nobody knows. */
function callbacks(): Array<{ category: string; eventType: string }> {
  const list: Array<{ category: string; eventType: string }> = KNOWN_CATEGORIES.map((category) => ({
    category,
    eventType: `${category}_CREATED`,
  }));
  list.push({ category: 'MUTATION', eventType: 'MUTATION_RECEIVED' });
  list.push({ category: 'NOT_YET_DOCUMENTED', eventType: 'NOT_YET_DOCUMENTED_HAPPENED' });
  return list;
}

/** The bus entry the normalizer publishes for a minimal callback of this category and event type. */
function entryFor(category: string, eventType: string, id: number, source: string) {
  const body = JSON.stringify({
    NotificationUrl: {
      target_url: 'https://example.com/callbacks/REDACTED',
      category,
      event_type: eventType,
      object: {
        Payment: { id, created: '2026-01-02 03:04:05.000000', updated: '2026-01-02 03:04:05.000000' },
      },
    },
  });
  const normalized = normalizeCallback(Buffer.from(body), '2026-01-02T03:04:06.000Z');
  if (!normalized.ok) throw new Error(`fixture did not normalize: ${normalized.problem}`);
  const built = buildBusEntry(normalized.detail, source);
  if (!built.ok) throw new Error(built.problem);
  return built.entry;
}

describeAws('routes from the configuration, on moto EventBridge', () => {
  let clients: AwsClients;
  beforeAll(() => {
    clients = awsClients();
  });
  afterAll(() => destroyClients(clients));

  it('delivers every category to the routes that name it and to no other', async () => {
    const config = parsePipelineConfig(JSON.parse(readFileSync(CONFIG_PATH, 'utf8')), CONFIG_PATH);
    expect(config.routes.length).toBeGreaterThan(3);
    const busName = uniqueName('bunq');
    await clients.events.send(new CreateEventBusCommand({ Name: busName }));

    const queues = new Map<string, string>();
    for (const route of config.routes) {
      const queue = await createQueue(clients.sqs, uniqueName(`route-${route.name}`));
      queues.set(route.name, queue.url);
      const ruleName = uniqueName(route.name);
      await clients.events.send(
        new PutRuleCommand({
          Name: ruleName,
          EventBusName: busName,
          EventPattern: JSON.stringify(eventPatternForRoute(route, config.eventSource)),
        }),
      );
      await clients.events.send(
        new PutTargetsCommand({
          Rule: ruleName,
          EventBusName: busName,
          Targets: [{ Id: 'queue', Arn: queue.arn }],
        }),
      );
    }

    const sent = callbacks();
    const entries = sent.map(({ category, eventType }, index) =>
      entryFor(category, eventType, 1_000 + index, config.eventSource),
    );
    for (let start = 0; start < entries.length; start += 10) {
      const answer = await clients.events.send(
        new PutEventsCommand({
          Entries: entries.slice(start, start + 10).map((entry) => ({
            EventBusName: busName,
            Source: entry.source,
            DetailType: entry.detailType,
            Detail: entry.detail,
            Time: entry.time,
          })),
        }),
      );
      expect(answer.FailedEntryCount).toBe(0);
    }

    // What the configuration says, computed from the routes directly (not through any matcher).
    const expected = new Map<string, string[]>();
    for (const route of config.routes) {
      expected.set(
        route.name,
        sent
          .filter(
            ({ category, eventType }) =>
              route.categories.includes(category) &&
              (route.eventTypes === undefined || route.eventTypes.includes(eventType)),
          )
          .map(({ category, eventType }) => `${category}/${eventType}`)
          .sort(),
      );
    }

    const delivered = new Map<string, string[]>();
    for (const [routeName, url] of queues) {
      const want = expected.get(routeName)?.length ?? 0;
      const got: string[] = [];
      // moto delivers to SQS targets within PutEvents; read until the expected count (or the queue is empty).
      for (
        let messages = await receive(clients.sqs, url);
        messages.length > 0;
        messages = await receive(clients.sqs, url)
      ) {
        for (const message of messages) {
          const event = JSON.parse(message.Body ?? '{}') as {
            'detail-type': string;
            detail: { eventType: string };
          };
          got.push(`${event['detail-type']}/${event.detail.eventType}`);
        }
        if (got.length >= want) break;
      }
      delivered.set(routeName, got.sort());
      // Nothing beyond what was read is waiting.
      expect((await queueDepth(clients.sqs, url)).visible).toBe(0);
    }
    expect(delivered).toEqual(expected);

    // The project's own matcher (the local runtime's) agrees with moto event by event.
    const matcher = createRouteMatcher(config.routes, config.eventSource);
    for (const [index, entry] of entries.entries()) {
      const event = {
        source: entry.source,
        'detail-type': entry.detailType,
        detail: JSON.parse(entry.detail),
      };
      const key = `${sent[index]?.category}/${sent[index]?.eventType}`;
      const byMoto = [...delivered].filter(([, keys]) => keys.includes(key)).map(([name]) => name);
      expect({ key, routes: matcher(event).sort() }).toEqual({ key, routes: byMoto.sort() });
    }
  });
});
