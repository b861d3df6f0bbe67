/**
 * Runs the bunq simulator on its own:
 *
 *   npm run bunq-simulator -- --port 3100 [--host 127.0.0.1] [--retry-interval-ms 60000] [--create-user]
 *
 * Prints the bunq API base URL on start and stops cleanly on SIGINT/SIGTERM. See README.md for the API.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../cli/errors';
import { type StartBunqSimulatorOptions, startBunqSimulator } from './server';
import type { SimUserKind } from './simulator';

export const DEFAULT_SIMULATOR_PORT = 3100;

const USAGE = `Usage: npm run bunq-simulator -- [options]
  --port <n>                     port to listen on, 0 for any free port (default ${DEFAULT_SIMULATOR_PORT})
  --host <addr>                  address to listen on (default 127.0.0.1)
  --retry-interval-ms <ms>       time between callback tries (default 60000, bunq's minute)
  --max-retries <n>              tries after the first before a failure is stored (default 5)
  --redelivery <mode>            single-try | full-schedule: what a failure retry POST does (default single-try)
  --session-timeout-seconds <s>  session lifetime of created users (default 604800)
  --no-rate-limits               do not answer 429 when bunq's rate limits are exceeded
  --sign-callbacks               add X-Bunq-Server-Signature to callbacks (bunq documents none)
  --create-user [kind]           create a user at start (UserPerson, UserCompany, UserApiKey,
                                 UserPaymentServiceProvider) and print
                                 {"userId","apiKey"} as one JSON line
  --quiet                        do not print a line per API request
  --help                         show this text`;

interface CliOptions {
  readonly server: StartBunqSimulatorOptions;
  readonly createUser: SimUserKind | null;
  readonly quiet: boolean;
}

export function parseCli(argv: readonly string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'retry-interval-ms': { type: 'string' },
      'max-retries': { type: 'string' },
      redelivery: { type: 'string' },
      'session-timeout-seconds': { type: 'string' },
      'no-rate-limits': { type: 'boolean' },
      'sign-callbacks': { type: 'boolean' },
      'create-user': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) return 'help';
  const port = integer(values.port, '--port', DEFAULT_SIMULATOR_PORT, 0, 65_535);
  const retryIntervalMs = integer(values['retry-interval-ms'], '--retry-interval-ms', 60_000, 1, 86_400_000);
  const maxDeliveryRetries = integer(values['max-retries'], '--max-retries', 5, 0, 100);
  const sessionTimeoutSeconds = integer(
    values['session-timeout-seconds'],
    '--session-timeout-seconds',
    604_800,
    1,
    10 ** 9,
  );
  const redelivery = values.redelivery ?? 'single-try';
  if (redelivery !== 'single-try' && redelivery !== 'full-schedule') {
    throw new UsageError(`--redelivery must be single-try or full-schedule, got "${redelivery}".`);
  }
  const kind = values['create-user'];
  const kinds = ['UserPerson', 'UserCompany', 'UserApiKey', 'UserPaymentServiceProvider'];
  if (kind !== undefined && kind !== '' && !kinds.includes(kind)) {
    throw new UsageError(`--create-user takes ${kinds.join(', ')}; got "${kind}".`);
  }
  return {
    server: {
      port,
      host: values.host ?? '127.0.0.1',
      retryIntervalMs,
      maxDeliveryRetries,
      redelivery,
      sessionTimeoutSeconds,
      ...(values['no-rate-limits'] ? { rateLimits: false as const } : {}),
      ...(values['sign-callbacks'] ? { signCallbacks: true } : {}),
    },
    createUser: kind === undefined ? null : ((kind || 'UserPerson') as SimUserKind),
    quiet: values.quiet ?? false,
  };
}

function integer(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}".`);
  }
  return value;
}

async function main(): Promise<void> {
  // `--create-user` without a kind: parseArgs wants a value, so give it an empty one.
  const argv = process.argv
    .slice(2)
    .flatMap((arg, index, all) =>
      arg === '--create-user' && (all[index + 1] === undefined || all[index + 1]?.startsWith('--'))
        ? [arg, '']
        : [arg],
    );
  let cli: CliOptions | 'help';
  try {
    cli = parseCli(argv);
  } catch (error) {
    // parseArgs throws a TypeError for an unknown flag or a missing value: a usage error too.
    const usage = error instanceof UsageError ? error : new UsageError(String((error as Error).message));
    process.stderr.write(`error: ${usage.message}\n\n${USAGE}\n`);
    process.exit(usage.exitCode);
  }
  if (cli === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = cli.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`);
  const running = await startBunqSimulator({ ...cli.server, ...(log ? { log } : {}) });
  process.stdout.write(`bunq simulator listening on ${running.baseUrl}\n`);
  process.stdout.write(`control API at ${running.origin}/_simulator\n`);
  if (cli.createUser !== null) {
    const user = running.simulator.createUser({ kind: cli.createUser });
    process.stdout.write(`${JSON.stringify({ userId: user.id, apiKey: user.apiKey, kind: user.kind })}\n`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping the bunq simulator\n`);
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `bunq simulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
