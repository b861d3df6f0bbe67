/** The metrics the alarms are built on: what one EMF document holds. */
import { countWithDimension, createMetrics } from '../../../../shared/logging/observability';

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
});
