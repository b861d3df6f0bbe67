/**
 * Runs the normalize handler over queued messages with in-memory doubles (dedupe records in a map, a
 * recording bus and dead-letter queue), and says where each message ended: as an event, as a dead letter,
 * or nowhere (which the fuzz properties forbid).
 */
import type { SQSBatchResponse } from 'aws-lambda';
import type { QueueMessage } from '../../shared/pipeline/ports';
import { lambdaContext, sqsRecord } from '../support/lambda';
import { MemoryDedupeStore } from '../support/memory-dedupe';
import { normalizeHandlerOver, type RecordingBus, type RecordingQueue } from '../support/pipeline';

export interface NormalizeRun {
  readonly response: SQSBatchResponse;
  readonly bus: RecordingBus;
  readonly deadLetters: RecordingQueue;
  readonly lines: string[];
}

/** One normalize invocation over `messages`, as one SQS batch, with fresh in-memory doubles. */
export async function normalizeMessages(messages: readonly QueueMessage[]): Promise<NormalizeRun> {
  const { handler, bus, deadLetters, lines } = normalizeHandlerOver({
    dedupe: new MemoryDedupeStore(),
    dedupeTtlSeconds: 3_600,
  });
  const response = await handler({ Records: messages.map((message) => sqsRecord(message)) }, lambdaContext());
  return { response, bus, deadLetters, lines };
}

/** Dead-letter reasons the normalizer gives (docs/OPERATIONS.md, "DeadLettered"). */
export const NORMALIZER_DEAD_LETTER_REASONS = [
  'invalid-message',
  'invalid-encoding',
  'invalid-json',
  'invalid-envelope',
  'event-rejected',
  'event-too-large',
] as const;
