/** The local bus logs, for each event, the configured routes it matched. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createLocalEventBus, routeMatcher } from '../../../local/event-bus';
import { parsePipelineConfig } from '../../../shared/config/pipeline-config';
import { capturingLogger } from '../../support/pipeline';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'config', 'examples', 'all-targets.json');
const config = parsePipelineConfig(JSON.parse(readFileSync(EXAMPLE, 'utf8')), EXAMPLE);

function entry(category: string, eventType: string) {
  return {
    source: config.eventSource,
    detailType: category,
    detail: JSON.stringify({ category, eventType, objectType: 'Payment', objectId: 1, dedupKey: 'v1:x' }),
    time: new Date('2025-09-03T08:24:14Z'),
  };
}

/** The `routes` logged with each event on the local bus. */
function loggedRoutes(lines: readonly string[]): unknown[] {
  return lines
    .map((line) => JSON.parse(line) as { message?: string; routes?: unknown })
    .filter((record) => record.message === 'event on local bus')
    .map((record) => record.routes);
}

it('logs each event with the routes of the configuration it matched', async () => {
  const { logger, lines } = capturingLogger();
  const bus = createLocalEventBus({ logger, routes: routeMatcher(config.routes, config.eventSource) });

  await bus.publish([
    entry('MUTATION', 'MUTATION_CREATED'),
    entry('MUTATION', 'MUTATION_RECEIVED'),
    entry('CARD_TRANSACTION_FAILED', 'CARD_TRANSACTION_FAILED'),
    entry('UNHEARD_OF', 'UNHEARD_OF_CREATED'),
  ]);

  expect(loggedRoutes(lines)).toEqual([['payments', 'ledger'], ['payments'], ['card-fraud'], []]);
});

it('logs no routes when none are configured', async () => {
  const { logger, lines } = capturingLogger();
  const bus = createLocalEventBus({ logger });
  await bus.publish([entry('PAYMENT', 'PAYMENT_CREATED')]);
  expect(loggedRoutes(lines)).toEqual([[]]);
});
