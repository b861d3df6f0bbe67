/**
 * `bunq-webhooks`: the operator CLI of the bunq webhooks pipeline (`npx bunq-webhooks <command>`).
 *
 * `run` parses the command line, runs one command and prints its result: text on stdout, or one JSON
 * document with `--json`; progress, warnings and errors on stderr. It returns the exit code (see
 * {@link EXIT}); `bin/bunq-webhooks.js` runs it under tsx.
 */
import packageJson from '../package.json';
import type { Command } from './command';
import { fleetCommand } from './commands/fleet';
import { listenCommand } from './commands/listen';
import { pinCertificateCommand } from './commands/pin-certificate';
import { redriveCommand } from './commands/redrive';
import { registerCommand } from './commands/register';
import { replayCommand } from './commands/replay';
import { rotateTokenCommand } from './commands/rotate-token';
import { statusCommand } from './commands/status';
import { triggerCommand } from './commands/trigger';
import { unpinCommand } from './commands/unpin';
import { unregisterCommand } from './commands/unregister';
import { CliContext, type CliDeps, type CliIo } from './context';
import { EXIT, toCliError } from './errors';
import { type OptionSpecs, parseFlags, renderOptions } from './options';

/** The package version (`bunq-webhooks --version`), bundled in from package.json. */
export const VERSION: string = packageJson.version;

export const COMMANDS: readonly Command[] = [
  registerCommand,
  unregisterCommand,
  statusCommand,
  rotateTokenCommand,
  pinCertificateCommand,
  unpinCommand,
  replayCommand,
  redriveCommand,
  triggerCommand,
  listenCommand,
  fleetCommand,
];

export const EXIT_CODE_HELP = [
  '  0  done, or nothing needed doing (already as wanted, dry run)',
  '  1  failure: bunq, AWS or the network failed (or AWS credentials are missing), or a replay or redrive ended unsuccessfully',
  '  2  usage: a flag is missing or wrong; the message says which and how to supply it',
  '  3  not found: the stack, a stack output, a secret, a pin or a rule does not exist',
  '  4  refused for safety, nothing changed; the message names the flag that overrides it, if any',
];

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  return [
    'Usage: bunq-webhooks <command> [options]',
    '',
    'Operate the bunq webhooks pipeline: register the callback URL with bunq, rotate its token, pin its',
    'certificate, inspect, replay archived events, redrive dead letters.',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'Run `bunq-webhooks <command> --help` for its options. Most read the stack outputs with --stack <name>.',
    '`bunq-webhooks --version` (or -v) prints the version.',
    '',
    'Exit codes:',
    ...EXIT_CODE_HELP,
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const positional = command.positional === undefined ? '' : ` ${command.positional.name}`;
  return [
    `Usage: bunq-webhooks ${command.name}${positional} [options]`,
    '',
    ...wrap(command.description, 108),
    '',
    ...(command.positional === undefined
      ? []
      : ['Arguments:', `  ${command.positional.name.padEnd(32)} ${command.positional.description}`, '']),
    ...command.sections.flatMap((section) => [`${section.title}:`, ...renderOptions(section.options), '']),
    'Examples:',
    ...command.examples.map((example) => `  ${example}`),
    '',
    'Exit codes:',
    ...command.exitCodes.map((line) => `  ${line}`),
    '',
  ].join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function specsOf(command: Command): OptionSpecs {
  return Object.assign({}, ...command.sections.map((section) => section.options)) as OptionSpecs;
}

export const processIo = (): CliIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function run(
  argv: readonly string[],
  io: CliIo = processIo(),
  deps: CliDeps = {},
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(generalHelp());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout(generalHelp());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout(`bunq-webhooks ${VERSION}\n`);
    return EXIT.ok;
  }
  const wanted = name === 'help' ? rest[0] : name;
  const command = COMMANDS.find((candidate) => candidate.name === wanted);
  if (command === undefined) {
    io.stderr(
      `bunq-webhooks: unknown command "${wanted}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See: bunq-webhooks --help\n`,
    );
    return EXIT.usage;
  }
  if (name === 'help' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandHelp(command));
    return EXIT.ok;
  }

  let json = rest.includes('--json');
  let context: CliContext | undefined;
  try {
    const specs = specsOf(command);
    const flags = parseFlags(rest, specs, io.env, command.name, command.positional !== undefined);
    json = flags.boolean('json');
    context = new CliContext(io, deps, flags, command.name, new Set(Object.keys(specs)));
    const output = await command.run(context);
    const exitCode = output.exitCode ?? EXIT.ok;
    io.stdout(
      json
        ? `${JSON.stringify({ ok: exitCode === EXIT.ok, ...output.json }, null, 2)}\n`
        : `${output.text}\n`,
    );
    const notice = context.sessionNotice();
    if (notice !== undefined) io.stderr(`${notice}\n`);
    return exitCode;
  } catch (error) {
    const failure = toCliError(error);
    io.stderr(`bunq-webhooks ${command.name}: ${failure.message}\n`);
    const notice = context?.sessionNotice();
    if (notice !== undefined) io.stderr(`${notice}\n`);
    if (json) {
      const body = {
        ok: false,
        command: command.name,
        error: { type: failure.name, message: failure.message, exitCode: failure.exitCode },
      };
      io.stdout(`${JSON.stringify(body, null, 2)}\n`);
    }
    return failure.exitCode;
  }
}

/** Process entry: runs `process.argv` and sets the exit code. */
export function main(): void {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bunq-webhooks: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}

if (require.main === module) main();
