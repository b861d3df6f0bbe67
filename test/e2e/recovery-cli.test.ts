/** The local runtime's failure poller flags: values, environment variables, defaults and clear errors. */
import { UsageError } from '../../cli/errors';
import { parseCommandLine, usage } from '../../local/cli';
import { DEFAULT_FAILURE_POLL_INTERVAL_MS } from '../../local/failure-poller';

const runOptions = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const command = await parseCommandLine(argv, env);
  if (command.kind !== 'run') throw new Error('expected a run command');
  return command.options;
};

const API_KEY = 'sandbox_0123456789abcdef0123456789abcdef';

describe('parseCommandLine: failure poller', () => {
  it('runs no poller by default', async () => {
    expect(await runOptions([])).toMatchObject({ bunqBaseUrl: undefined, bunqApiKey: undefined });
  });

  it('takes the bunq base URL, API key and interval from flags', async () => {
    const options = await runOptions([
      '--bunq-base-url',
      'http://127.0.0.1:3100/v1/',
      '--bunq-api-key',
      API_KEY,
      '--failure-poll-interval-ms',
      '500',
    ]);
    expect(options).toMatchObject({
      bunqBaseUrl: 'http://127.0.0.1:3100/v1',
      bunqApiKey: API_KEY,
      failurePollIntervalMs: 500,
    });
  });

  it('reads them from BUNQ_BASE_URL, BUNQ_API_KEY and FAILURE_POLL_INTERVAL_MS, with a default interval', async () => {
    const env = { BUNQ_BASE_URL: 'https://public-api.sandbox.bunq.com/v1', BUNQ_API_KEY: API_KEY };
    expect(await runOptions([], env)).toMatchObject({
      bunqBaseUrl: env.BUNQ_BASE_URL,
      bunqApiKey: API_KEY,
      failurePollIntervalMs: DEFAULT_FAILURE_POLL_INTERVAL_MS,
    });
    expect(await runOptions([], { ...env, FAILURE_POLL_INTERVAL_MS: '1000' })).toMatchObject({
      failurePollIntervalMs: 1_000,
    });
  });

  it.each<[string, string[], RegExp]>([
    [
      'a base URL without a key',
      ['--bunq-base-url', 'http://127.0.0.1:3100/v1'],
      /--bunq-base-url needs --bunq-api-key/,
    ],
    ['a key without a base URL', ['--bunq-api-key', API_KEY], /--bunq-api-key needs --bunq-base-url/],
    [
      'a base URL that is not http(s)',
      ['--bunq-base-url', 'ftp://x/v1', '--bunq-api-key', API_KEY],
      /--bunq-base-url must be an http\(s\) URL/,
    ],
    [
      'an interval that is not a number',
      [
        '--bunq-base-url',
        'http://127.0.0.1:3100/v1',
        '--bunq-api-key',
        API_KEY,
        '--failure-poll-interval-ms',
        'soon',
      ],
      /--failure-poll-interval-ms must be a whole number/,
    ],
    [
      'an interval without a poller',
      ['--failure-poll-interval-ms', '100'],
      /needs --bunq-base-url and --bunq-api-key/,
    ],
  ])('rejects %s, naming the flag', async (_name, argv, message) => {
    const parsing = parseCommandLine(argv, {});
    await expect(parsing).rejects.toBeInstanceOf(UsageError);
    await expect(parsing).rejects.toThrow(message);
  });

  it('never repeats the API key in an error', async () => {
    await expect(parseCommandLine(['--bunq-api-key', API_KEY], {})).rejects.not.toThrow(API_KEY);
  });

  it('lists the flags and their environment variables in the help', () => {
    const text = usage();
    for (const part of [
      '--bunq-base-url',
      'BUNQ_BASE_URL',
      '--bunq-api-key',
      'BUNQ_API_KEY',
      '--failure-poll-interval-ms',
      'FAILURE_POLL_INTERVAL_MS',
    ]) {
      expect(text).toContain(part);
    }
  });
});
