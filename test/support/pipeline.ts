/** In-memory test doubles for the pipeline's ports, recording what passed through them. */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createNormalizeHandler, type NormalizeHandler } from '../../functions/handlers/normalize-handler';
import { redactingJsonReplacer } from '../../shared/logging/redact';
import { createNormalizer, type NormalizerDependencies } from '../../shared/pipeline/normalize/normalizer';
import type {
  BusEntry,
  CallbackQueue,
  DeadLetterQueue,
  EventPublisher,
  PublishResult,
  QueueMessage,
} from '../../shared/pipeline/ports';

export class RecordingQueue implements CallbackQueue, DeadLetterQueue {
  readonly messages: QueueMessage[] = [];
  failNext = 0;
  async send(message: QueueMessage): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('queue unavailable');
    }
    this.messages.push(message);
  }
}

/** A bus that records published entries; `answer` decides each entry's fate (default: accepted). */
export class RecordingBus implements EventPublisher {
  readonly published: BusEntry[] = [];
  calls = 0;
  answer: (entry: BusEntry, index: number) => PublishResult | 'throw' = () => ({
    ok: true,
    eventId: randomUUID(),
  });
  async publish(entries: readonly BusEntry[]): Promise<PublishResult[]> {
    this.calls += 1;
    const results = entries.map((entry, index) => this.answer(entry, index));
    if (results.includes('throw'))
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    return results.map((result, index) => {
      const entry = entries[index];
      if (result !== 'throw' && result.ok && entry !== undefined) this.published.push(entry);
      return result as PublishResult;
    });
  }
  details(): Record<string, unknown>[] {
    return this.published.map((entry) => JSON.parse(entry.detail) as Record<string, unknown>);
  }
}

/** A logger that keeps every line it would print, for assertions about what reaches logs. */
export function capturingLogger(options: { redact?: boolean } = {}): { logger: Logger; lines: string[] } {
  // The same redaction as every function's logger (createLogger), so tests see what operators would see.
  const logger = new Logger({
    serviceName: 'test',
    logLevel: 'DEBUG',
    logRecordOrder: ['level', 'message'],
    jsonReplacerFn: options.redact === false ? undefined : redactingJsonReplacer,
  });
  return { logger, lines: captureLines(logger) };
}

/** Routes every line a Powertools Logger prints into the returned array (it writes through its own console). */
export function captureLines(logger: Logger): string[] {
  const lines: string[] = [];
  const write = (line: unknown) => lines.push(typeof line === 'string' ? line : JSON.stringify(line));
  const target = logger as unknown as { console: Record<string, (line: unknown) => void> };
  target.console = { log: write, info: write, warn: write, error: write, debug: write, trace: write };
  return lines;
}

export function silentMetrics(): Metrics {
  return new Metrics({ namespace: 'Test', serviceName: 'test' });
}

/**
 * Spies on `metrics.addMetric`: the returned function gives the counts added since it was last called, by
 * name, and fails the test if one was not a Count.
 */
export function emittedCounts(metrics: Metrics): () => Record<string, number> {
  const added = jest.spyOn(metrics, 'addMetric');
  return () => {
    const values: Record<string, number> = {};
    for (const [name, unit, value] of added.mock.calls) {
      expect(unit).toBe(MetricUnit.Count);
      values[name] = value;
    }
    added.mockClear();
    return values;
  };
}

export interface RecordedMetric {
  readonly name: string;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * Powertools Metrics that also records every metric added (single metrics included) with the dimensions it
 * was added under, so tests can assert what operators' dashboards and alarms will see.
 */
export class RecordingMetrics extends Metrics {
  readonly recorded: RecordedMetric[];
  readonly #dimensions: Record<string, string> = {};

  constructor(recorded: RecordedMetric[] = []) {
    super({ namespace: 'Test', serviceName: 'test' });
    this.recorded = recorded;
  }

  override addDimension(name: string, value: string): this {
    this.#dimensions[name] = value;
    return super.addDimension(name, value);
  }

  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    const [name, , value] = args;
    this.recorded.push({ name, value, dimensions: { ...this.#dimensions } });
    return super.addMetric(...args);
  }

  override singleMetric(): Metrics {
    return new RecordingMetrics(this.recorded);
  }

  /** The recorded metrics of one name, as `value@dimension=value` strings, for compact assertions. */
  named(name: string): string[] {
    return this.recorded
      .filter((metric) => metric.name === name)
      .map((metric) => {
        const dims = Object.entries(metric.dimensions).map(([k, v]) => `${k}=${v}`);
        return dims.length === 0 ? String(metric.value) : `${metric.value}@${dims.join(',')}`;
      });
  }
}

/** The normalize handler of {@link normalizeHandlerOver} and the doubles it writes to. */
export interface NormalizeDoubles {
  readonly handler: NormalizeHandler;
  readonly bus: RecordingBus;
  readonly deadLetters: RecordingQueue;
  /** The lines of the captured logger (empty when `logger` was given). */
  readonly lines: string[];
}

/**
 * The normalize handler, as Lambda runs it, over recording doubles: a bus and a dead-letter queue that keep
 * what they get, and a captured logger; source `bunq` and silent metrics unless given. The dedupe store is
 * the test's choice (in memory, or DynamoDB on dynalite).
 */
export function normalizeHandlerOver(
  deps: Pick<NormalizerDependencies, 'dedupe' | 'dedupeTtlSeconds'> &
    Partial<Omit<NormalizerDependencies, 'publisher' | 'deadLetters'>> & { readonly bus?: RecordingBus },
): NormalizeDoubles {
  const { bus = new RecordingBus(), ...rest } = deps;
  const deadLetters = new RecordingQueue();
  const captured = capturingLogger();
  const handler = createNormalizeHandler(
    createNormalizer({
      eventSource: 'bunq',
      logger: captured.logger,
      metrics: silentMetrics(),
      ...rest,
      publisher: bus,
      deadLetters,
    }),
  );
  return { handler, bus, deadLetters, lines: deps.logger === undefined ? captured.lines : [] };
}
