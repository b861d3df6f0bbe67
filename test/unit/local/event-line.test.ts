/** The line `npm start` prints per event: category, object type and id, amount, routes; no payload. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createLocalEventBus, type LocalBusEvent, routeMatcher } from '../../../local/event-bus';
import { formatEventLine } from '../../../local/event-line';
import { parsePipelineConfig } from '../../../shared/config/pipeline-config';
import { capturingLogger } from '../../support/pipeline';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'config', 'examples', 'all-targets.json');
const config = parsePipelineConfig(JSON.parse(readFileSync(EXAMPLE, 'utf8')), EXAMPLE);

const detail = {
  category: 'MUTATION',
  eventType: 'MUTATION_CREATED',
  objectType: 'Payment',
  objectId: 1278,
  amount: { value: '-20.00', currency: 'EUR' },
  dedupKey: 'v1:x',
  object: { Payment: { id: 1278, authorization_code: 'secret-code-123' } },
};

it('hands each event and its routes to onEvent, and the line names what a newcomer looks for', async () => {
  const { logger } = capturingLogger();
  const seen: string[] = [];
  const bus = createLocalEventBus({
    logger,
    routes: routeMatcher(config.routes, config.eventSource),
    onEvent: (event, routes) => seen.push(formatEventLine(event, routes)),
  });
  await bus.publish([
    {
      source: config.eventSource,
      detailType: 'MUTATION',
      detail: JSON.stringify(detail),
      time: new Date('2025-09-03T08:24:14Z'),
    },
  ]);
  expect(seen).toEqual(['event  MUTATION  Payment 1278  -20.00 EUR  routes: payments, ledger']);
  expect(seen.join('\n')).not.toContain('secret-code-123');
});

it('says so when there is no amount, no object id or no route', () => {
  const event = {
    'detail-type': 'OAUTH',
    detail: { ...detail, objectType: 'OauthClient', objectId: null, amount: null },
  } as unknown as LocalBusEvent;
  expect(formatEventLine(event, [])).toBe('event  OAUTH  OauthClient  no amount  routes: none');
});
