/** The metrics the alarms are built on: what one EMF document holds. */
import {
  countSchemaMismatch,
  countWithDimension,
  createMetrics,
} from '../../../../shared/logging/observability';

interface EmfDocument {
  readonly _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  readonly [key: string]: unknown;
}

/** Runs `emit` with metrics enabled and returns the EMF documents written to stdout. */
function emitted(emit: () => void): EmfDocument[] {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    emit();
  } finally {
    spy.mockRestore();
    process.env.POWERTOOLS_METRICS_DISABLED = previous;
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument);
}

describe('countWithDimension', () => {
  it('emits the breakdown and the total in one document, so alarms can use the total', () => {
    const [document, ...rest] = emitted(() => {
      countWithDimension(createMetrics('bunq-webhooks-normalize'), 'DeadLettered', 'reason', 'invalid-json');
    });
    expect(rest).toEqual([]);
    const [directive] = document?._aws.CloudWatchMetrics ?? [];
    expect(directive?.Namespace).toBe('BunqWebhooks');
    expect(directive?.Metrics).toEqual([expect.objectContaining({ Name: 'DeadLettered' })]);
    expect(directive?.Dimensions).toEqual([['service', 'reason'], ['service']]);
    expect(document).toMatchObject({
      service: 'bunq-webhooks-normalize',
      reason: 'invalid-json',
      DeadLettered: 1,
    });
  });

  it('gives every count its own document when one metrics instance counts many (its single metric is reused)', () => {
    const documents = emitted(() => {
      const metrics = createMetrics('bunq-webhooks-normalize');
      countWithDimension(metrics, 'DeadLettered', 'reason', 'invalid-json');
      countSchemaMismatch(metrics, 'Payment', 'amount.value');
      countWithDimension(metrics, 'DeadLettered', 'reason', 'event-rejected', 2);
    });
    expect(documents.map((document) => document._aws.CloudWatchMetrics[0]?.Dimensions)).toEqual([
      [['service', 'reason'], ['service']],
      [['service', 'objectType']],
      [['service', 'reason'], ['service']],
    ]);
    const [first, mismatch, last] = documents;
    expect(first).toMatchObject({ reason: 'invalid-json', DeadLettered: 1 });
    expect(mismatch).toMatchObject({ objectType: 'Payment', path: 'amount.value', SchemaMismatch: 1 });
    expect(mismatch).not.toHaveProperty('reason');
    // Nothing of the earlier documents is carried over: no stale dimension, metadata or count.
    expect(last).toMatchObject({ reason: 'event-rejected', DeadLettered: 2 });
    expect(last).not.toHaveProperty('objectType');
    expect(last).not.toHaveProperty('path');
  });
});
