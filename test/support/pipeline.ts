/** In-memory test doubles for the pipeline's ports, recording what passed through them. */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
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
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = new Logger({
    serviceName: 'test',
    logLevel: 'DEBUG',
    logRecordOrder: ['level', 'message'],
  });
  const write = (line: unknown) => lines.push(typeof line === 'string' ? line : JSON.stringify(line));
  // Powertools writes through console methods it creates; route them into the array.
  const target = logger as unknown as { console: Record<string, (line: unknown) => void> };
  target.console = { log: write, info: write, warn: write, error: write, debug: write, trace: write };
  return { logger, lines };
}

export function silentMetrics(): Metrics {
  return new Metrics({ namespace: 'Test', serviceName: 'test' });
}
