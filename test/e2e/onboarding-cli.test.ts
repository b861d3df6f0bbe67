/** The local runtime's partner onboarding flags: flags or environment, what they need, clear errors. */
import { UsageError } from '../../cli/errors';
import { parseCommandLine, usage } from '../../local/cli';
import { defaultOAuthTokenUrl } from '../../local/partner-onboarding';

const CONFIG = 'config/examples/partner-fleet.json';
const BASE = 'http://127.0.0.1:3100/v1';

const runOptions = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const command = await parseCommandLine(argv, env);
  if (command.kind !== 'run') throw new Error('expected a run command');
  return command.options;
};

describe('parseCommandLine: partner onboarding', () => {
  it('is off by default', async () => {
    expect((await runOptions([])).partnerOnboarding).toBeUndefined();
  });

  it('takes the switch, the bunq base URL and the OAuth client from flags, without a poller API key', async () => {
    const options = await runOptions([
      '--config',
      CONFIG,
      '--partner-onboarding',
      '--bunq-base-url',
      `${BASE}/`,
      '--oauth-client-id',
      'client-1',
      '--oauth-client-secret',
      'secret-1',
    ]);
    expect(options.partnerOnboarding).toEqual({
      bunqBaseUrl: BASE,
      oauthClientId: 'client-1',
      oauthClientSecret: 'secret-1',
    });
    // No poller without its API key.
    expect(options.bunqApiKey).toBeUndefined();
    expect(options.bunqBaseUrl).toBeUndefined();
  });

  it('takes the same from the environment', async () => {
    const options = await runOptions(['--config', CONFIG], {
      PARTNER_ONBOARDING: 'true',
      BUNQ_BASE_URL: BASE,
      OAUTH_CLIENT_ID: 'client-2',
      OAUTH_CLIENT_SECRET: 'secret-2',
      OAUTH_TOKEN_URL: 'http://127.0.0.1:3100/oauth/v1/token',
    });
    expect(options.partnerOnboarding).toMatchObject({
      oauthClientId: 'client-2',
      oauthTokenUrl: 'http://127.0.0.1:3100/oauth/v1/token',
    });
  });

  it.each([
    [
      ['--partner-onboarding', '--config', CONFIG, '--oauth-client-id', 'a', '--oauth-client-secret', 'b'],
      /--bunq-base-url/,
    ],
    [
      ['--partner-onboarding', '--config', CONFIG, '--bunq-base-url', BASE, '--oauth-client-id', 'a'],
      /--oauth-client-secret/,
    ],
    [
      [
        '--partner-onboarding',
        '--bunq-base-url',
        BASE,
        '--oauth-client-id',
        'a',
        '--oauth-client-secret',
        'b',
      ],
      /partnerOnboarding in the configuration/,
    ],
    [['--oauth-client-id', 'a'], /--oauth-client-id needs --partner-onboarding/],
  ])('refuses %j, naming what is missing', async (argv, message) => {
    await expect(parseCommandLine(argv, {})).rejects.toThrow(UsageError);
    await expect(parseCommandLine(argv, {})).rejects.toThrow(message);
  });

  it('documents the flags in the help', () => {
    for (const flag of [
      '--partner-onboarding',
      '--oauth-client-id',
      '--oauth-client-secret',
      '--oauth-token-url',
    ]) {
      expect(usage()).toContain(flag);
    }
  });

  it("derives bunq's token endpoint from bunq's API URLs, and the simulator's otherwise", () => {
    expect(defaultOAuthTokenUrl('https://api.bunq.com/v1')).toBe('https://api.oauth.bunq.com/v1/token');
    expect(defaultOAuthTokenUrl('https://public-api.sandbox.bunq.com/v1/')).toBe(
      'https://api-oauth.sandbox.bunq.com/v1/token',
    );
    expect(defaultOAuthTokenUrl(BASE)).toBe('http://127.0.0.1:3100/oauth/v1/token');
  });
});
