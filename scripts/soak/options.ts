/** The soak's command line: `npm run soak -- --help` prints {@link USAGE}. */
import { parseArgs } from 'node:util';
import { UsageError } from '../../cli/errors';

export interface Options {
  readonly count: number;
  readonly maxSeconds: number;
  readonly concurrency: number;
  /** Requests started per second at most; 0 sends as fast as the runtime answers. */
  readonly rate: number;
  readonly seed: number;
  /** Distinct genuine callbacks at most; beyond it every genuine one is a repeat. 0: no cap. */
  readonly distinct: number;
  readonly sampleMs: number;
  readonly rssTolerancePercent: number;
  readonly rssSlackMb: number;
  readonly drainTimeoutMs: number;
  readonly logLevel: string;
  readonly keep: boolean;
}

export const USAGE = `Usage: npm run soak -- [options]

Sends callbacks to the local runtime (a child process on 127.0.0.1) and reconciles its output.

  --count <n>                  callbacks to send (default 12000: a minute at the default rate, long enough
                               for the runtime's garbage collector to go round, so RSS means something)
  --max-seconds <s>            stop sending after this long, whatever the count (default 100)
  --concurrency <n>            requests in flight at once (default 16)
  --rate <n>                   requests per second at most, so the runtime works in a steady state
                               rather than piling up a backlog; 0 for as fast as it answers (default 200)
  --seed <n>                   seed of the callback mix (default 1)
  --distinct <n>               distinct callbacks at most, the rest repeats: the dedupe store then stops
                               growing, so RSS shows leaks only; 0: every genuine one is new (default 1000)
  --sample-ms <ms>             how often the runtime's RSS is sampled (default 250)
  --rss-tolerance-percent <p>  allowed growth of the median RSS, last third vs first third (default 25)
  --rss-slack-mb <mb>          growth always allowed on top of the percentage (default 24)
  --drain-timeout-ms <ms>      how long the runtime may drain on SIGTERM (default 30000)
  --log-level <level>          the runtime's log level (default WARN)
  --keep                       keep the temporary directory (events, dead letters, runtime log)
  --help                       show this help
`;

export function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string' },
      'max-seconds': { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      distinct: { type: 'string' },
      'sample-ms': { type: 'string' },
      'rss-tolerance-percent': { type: 'string' },
      'rss-slack-mb': { type: 'string' },
      'drain-timeout-ms': { type: 'string' },
      'log-level': { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) return 'help';
  const number = (flag: keyof typeof values, fallback: number, min: number, max: number): number => {
    const text = values[flag];
    if (text === undefined) return fallback;
    const value = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${String(text)}"`);
    }
    return value;
  };
  return {
    count: number('count', 12_000, 1, 1_000_000),
    maxSeconds: number('max-seconds', 100, 1, 3_600),
    concurrency: number('concurrency', 16, 1, 256),
    rate: number('rate', 200, 0, 100_000),
    seed: number('seed', 1, 0, 2 ** 31),
    distinct: number('distinct', 1_000, 0, 1_000_000),
    sampleMs: number('sample-ms', 250, 10, 60_000),
    rssTolerancePercent: number('rss-tolerance-percent', 25, 0, 1_000),
    rssSlackMb: number('rss-slack-mb', 24, 0, 4_096),
    drainTimeoutMs: number('drain-timeout-ms', 30_000, 1_000, 600_000),
    logLevel: typeof values['log-level'] === 'string' ? values['log-level'] : 'WARN',
    keep: values.keep === true,
  };
}
