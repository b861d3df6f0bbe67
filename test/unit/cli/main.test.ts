import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { COMMANDS } from '../../../cli/main';
import packageJson from '../../../package.json';
import { runCli } from './support';

describe('bunq-webhooks command line', () => {
  it('lists the commands and exit codes with --help (exit 0) and without a command (exit 2)', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(command.name);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*4 {2}refused/);
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: bunq-webhooks <command>');
  });

  it.each(COMMANDS.map((command) => command.name))(
    '%s --help shows usage, flags, examples and exit codes',
    async (name) => {
      const result = await runCli([name, '--help']);
      expect(result.code).toBe(0);
      const command = COMMANDS.find((candidate) => candidate.name === name);
      const positional = command?.positional === undefined ? '' : ` ${command.positional.name}`;
      expect(result.stdout).toContain(`Usage: bunq-webhooks ${name}${positional} [options]`);
      expect(result.stdout).toContain('--json');
      expect(result.stdout).toContain('Examples:');
      expect(result.stdout).toContain('Exit codes:');
      expect((await runCli(['help', name])).stdout).toBe(result.stdout);
    },
  );

  it.each(['--version', '-v'])('prints the version with %s (exit 0)', async (flag) => {
    const result = await runCli([flag]);
    expect(result).toMatchObject({ code: 0, stdout: `bunq-webhooks ${packageJson.version}\n`, stderr: '' });
  });

  it('fails with exit 1, not 2 (usage), when AWS credentials are missing', async () => {
    const cloudFormation = mockClient(CloudFormationClient);
    const missing = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    cloudFormation.onAnyCommand().rejects(missing);
    try {
      const result = await runCli(['status', '--stack', 'BunqWebhooks'], {
        cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('AWS credentials are missing or expired');
      expect(result.stderr).toContain('AWS_PROFILE');
    } finally {
      cloudFormation.restore();
    }
  });

  it('names an unknown command (exit 2)', async () => {
    const result = await runCli(['regster']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "regster"');
  });

  it('says what is missing and how to supply it (exit 2)', async () => {
    const noCategories = await runCli(['register', '--callback-url', 'https://x.example/callbacks/t']);
    expect(noCategories.code).toBe(2);
    expect(noCategories.stderr).toContain('Missing --categories <list>');

    const noKey = await runCli([
      'register',
      '--callback-url',
      'https://x.example/c/t',
      '--categories',
      'MUTATION',
    ]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(
      /No bunq API key: set BUNQ_API_KEY or pass --api-key <key>, or --stack <name>/,
    );

    const noUrl = await runCli(['register', '--categories', 'MUTATION', '--api-key', 'k']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/Missing the callback URL: pass --callback-url .* or --stack <name>/);
  });

  it('refuses a non-HTTPS callback URL before talking to bunq (exit 4), and reports errors as JSON', async () => {
    const fetch = jest.fn();
    const result = await runCli(
      [
        'register',
        '--json',
        '--api-key',
        'k',
        '--callback-url',
        'http://10.0.0.1/callbacks/t',
        '--categories',
        'MUTATION',
      ],
      { bunq: { fetch } },
    );
    expect(result.code).toBe(4);
    expect(fetch).not.toHaveBeenCalled();
    expect(result.json()).toEqual({
      ok: false,
      command: 'register',
      error: { type: 'RefusedError', message: expect.stringContaining('--allow-http'), exitCode: 4 },
    });
  });

  it('needs --id or --all to unpin, and something to show for status', async () => {
    expect((await runCli(['unpin', '--api-key', 'k'])).code).toBe(2);
    const status = await runCli(['status']);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('Nothing to show: pass --stack <name>');
  });
});
