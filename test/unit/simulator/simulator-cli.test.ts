import { DEFAULT_SIMULATOR_PORT, parseCli } from '../../../simulator/main';

describe('simulator command line', () => {
  it('has bunq-like defaults', () => {
    expect(parseCli([])).toEqual({
      server: {
        port: DEFAULT_SIMULATOR_PORT,
        host: '127.0.0.1',
        retryIntervalMs: 60_000,
        maxDeliveryRetries: 5,
        redelivery: 'single-try',
        sessionTimeoutSeconds: 604_800,
      },
      createUser: null,
      quiet: false,
    });
  });

  it('reads every flag', () => {
    const cli = parseCli([
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--retry-interval-ms',
      '20',
      '--max-retries',
      '2',
      '--redelivery',
      'full-schedule',
      '--session-timeout-seconds',
      '60',
      '--no-rate-limits',
      '--sign-callbacks',
      '--create-user',
      'UserApiKey',
      '--quiet',
    ]);
    expect(cli).toEqual({
      server: {
        port: 0,
        host: '0.0.0.0',
        retryIntervalMs: 20,
        maxDeliveryRetries: 2,
        redelivery: 'full-schedule',
        sessionTimeoutSeconds: 60,
        rateLimits: false,
        signCallbacks: true,
      },
      createUser: 'UserApiKey',
      quiet: true,
    });
    expect(parseCli(['--help'])).toBe('help');
  });

  it.each([
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--retry-interval-ms', 'soon'], /--retry-interval-ms/],
    [['--redelivery', 'twice'], /--redelivery must be single-try or full-schedule/],
    [['--create-user', 'Robot'], /--create-user takes/],
    [['--bogus'], /Unknown option/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });
});
