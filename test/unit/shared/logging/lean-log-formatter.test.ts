/** The functions' log lines: Powertools' keys, without those that carry nothing (unsampled trace, rate 0). */
import { createLogger } from '../../../../shared/logging/observability';
import { captureLines } from '../../../support/pipeline';

const UNSAMPLED =
  'Root=1-67a0c3f1-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0;Lineage=1:abcd1234:0';
const SAMPLED = UNSAMPLED.replace('Sampled=0', 'Sampled=1');

function lineWith(trace: string): Record<string, unknown> {
  const saved = process.env._X_AMZN_TRACE_ID;
  process.env._X_AMZN_TRACE_ID = trace;
  try {
    const logger = createLogger('lean-test');
    logger.setLogLevel('INFO');
    const lines = captureLines(logger);
    logger.info('event published', { messageId: 'm-1', eventId: 'e-1' });
    return JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  } finally {
    process.env._X_AMZN_TRACE_ID = saved;
  }
}

describe('lean log lines', () => {
  it('keeps level, message, timestamp, service and the line’s keys, without an unsampled trace or rate 0', () => {
    const line = lineWith(UNSAMPLED);
    expect(Object.keys(line)).toEqual(['level', 'message', 'timestamp', 'service', 'messageId', 'eventId']);
    expect(line).toMatchObject({ level: 'INFO', message: 'event published', service: 'lean-test' });
  });

  it('keeps the trace id when the trace is sampled (tracing on)', () => {
    expect(lineWith(SAMPLED).xray_trace_id).toBe('1-67a0c3f1-0123456789abcdef01234567');
  });
});
