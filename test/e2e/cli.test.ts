/** The local runtime's command line: flags, their environment variables, defaults and clear errors. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../cli/errors';
import { parseCommandLine, usage } from '../../local/cli';
import { runOptions, TEST_TOKEN } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bunq-local-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseCommandLine', () => {
  it('defaults to port 3000 on 127.0.0.1, any source, a generated token and config/sandbox.json', async () => {
    const options = await runOptions([]);
    expect(options).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      token: undefined,
      allowedCidrs: undefined,
      eventsFile: undefined,
      deadLetterFile: undefined,
      configPath: 'config/sandbox.json',
      drainTimeoutMs: 30_000,
    });
    expect(options.config?.eventSource).toBe('bunq');
  });

  it('reads each option from its environment variable, and lets the flag win', async () => {
    const env = {
      PORT: '4000',
      HOST: '0.0.0.0',
      CALLBACK_TOKEN: TEST_TOKEN,
      EVENTS_FILE: join(dir, 'env-events.jsonl'),
      DEAD_LETTER_FILE: join(dir, 'env-dead.jsonl'),
      ALLOWED_CIDRS: '10.0.0.0/8, 192.168.0.0/16',
      DRAIN_TIMEOUT_MS: '500',
    };
    expect(await runOptions([], env)).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      token: TEST_TOKEN,
      eventsFile: env.EVENTS_FILE,
      deadLetterFile: env.DEAD_LETTER_FILE,
      allowedCidrs: ['10.0.0.0/8', '192.168.0.0/16'],
      drainTimeoutMs: 500,
    });
    expect(await runOptions(['--port', '0', '--allowed-cidrs', '127.0.0.1/32'], env)).toMatchObject({
      port: 0,
      allowedCidrs: ['127.0.0.1/32'],
    });
  });

  it('loads and validates the configuration file', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ queue: { batchSize: 3 }, ingest: { maxBodyBytes: 2048 } }));
    const options = await runOptions(['--config', path]);
    expect(options.config?.queue.batchSize).toBe(3);
    expect(options.config?.ingest.maxBodyBytes).toBe(2048);
  });

  it.each([
    [['--port', 'eighty'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--token', 'short'], /--token is not a valid callback token: .*32/],
    [['--allowed-cidrs', '10.0.0.0/33'], /--allowed-cidrs: .*prefix/],
    [['--allowed-cidrs', ','], /--allowed-cidrs needs at least one range/],
    [['--drain-timeout-ms=-1'], /--drain-timeout-ms must be a whole number/],
    [['--events-file', '/nonexistent-dir/events.jsonl'], /--events-file: cannot append/],
    [['--config', '/nonexistent-dir/config.json'], /--config: cannot read/],
    [['--unknown'], /Unknown option '--unknown'/],
  ])('rejects %j naming the flag', async (argv, message) => {
    const attempt = parseCommandLine(argv, {});
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(parseCommandLine(argv, {})).rejects.toThrow(message);
  });

  it('names the environment variable when the bad value came from there', async () => {
    await expect(parseCommandLine([], { PORT: 'abc' })).rejects.toThrow(
      /--port \(from PORT\) must be a whole number/,
    );
  });

  it('names the field of an invalid configuration', async () => {
    const path = join(dir, 'bad-config.json');
    await writeFile(path, JSON.stringify({ queue: { batchSize: 0 } }));
    await expect(parseCommandLine(['--config', path], {})).rejects.toThrow(/--config: .*queue\.batchSize/s);
  });

  it('does not echo an invalid token', async () => {
    const secret = 'not/a/valid/token/but/secret/anyway!!!!';
    await expect(parseCommandLine(['--token', secret], {})).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });

  it('answers --help with the usage, listing every flag with its environment variable', async () => {
    expect(await parseCommandLine(['--help'], {})).toEqual({ kind: 'help' });
    const text = usage();
    for (const flag of [
      '--port',
      '--host',
      '--token',
      '--events-file',
      '--dead-letter-file',
      '--allowed-cidrs',
      '--config',
    ]) {
      expect(text).toContain(flag);
    }
    expect(text).toContain('CALLBACK_TOKEN');
  });
});
