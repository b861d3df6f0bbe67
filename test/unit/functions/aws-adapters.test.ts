import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { eventBridgePublisher } from '../../../functions/commons/aws-adapters';
import type { BusEntry } from '../../../shared/pipeline/ports';

const eventBridge = mockClient(EventBridgeClient);
const entry = (detailType: string): BusEntry => ({
  source: 'bunq',
  detailType,
  detail: '{"category":"x"}',
  time: new Date('2026-01-01T00:00:00Z'),
});

beforeEach(() => eventBridge.reset());

describe('eventBridgePublisher', () => {
  it('sends each entry to the pipeline bus with its source, detail-type, detail and time', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const results = await eventBridgePublisher(new EventBridgeClient({}), 'bunq-bus').publish([
      entry('MUTATION'),
    ]);
    expect(results).toEqual([{ ok: true, eventId: 'e-1' }]);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'bunq-bus',
          Source: 'bunq',
          DetailType: 'MUTATION',
          Detail: '{"category":"x"}',
          Time: new Date('2026-01-01T00:00:00Z'),
        },
      ],
    });
  });

  it('maps a partial failure to per-entry results in order', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'e-1' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const results = await eventBridgePublisher(new EventBridgeClient({}), 'bus').publish([
      entry('A'),
      entry('B'),
    ]);
    expect(results).toEqual([
      { ok: true, eventId: 'e-1' },
      { ok: false, errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' },
    ]);
  });

  it('treats a missing result as a failure, never as published', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const [result] = await eventBridgePublisher(new EventBridgeClient({}), 'bus').publish([entry('A')]);
    expect(result).toMatchObject({ ok: false, errorCode: 'MissingResult' });
  });

  it('refuses more than ten entries per call', async () => {
    const publisher = eventBridgePublisher(new EventBridgeClient({}), 'bus');
    await expect(publisher.publish(Array.from({ length: 11 }, () => entry('A')))).rejects.toThrow(RangeError);
  });
});
