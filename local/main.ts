/**
 * `npm start`: runs the whole pipeline locally (Contract 3) until SIGINT/SIGTERM, then drains what it
 * accepted and exits 0 (or non-zero when the drain timed out and messages went to the dead-letter file).
 *
 * Exit codes: 0 stopped cleanly, 1 failed to start or drain timed out, 2 bad flag or configuration.
 */

// First: sets the environment the SDK and Powertools read when they load.
import './env-defaults';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../cli/errors';
import { defaultEventsFile, parseCommandLine, usage } from './cli';
import { startLocalRuntime } from './runtime';

const EXAMPLE_BODY = JSON.stringify({
  NotificationUrl: {
    target_url: 'http://localhost/callbacks',
    category: 'MUTATION',
    event_type: 'MUTATION_CREATED',
    object: {
      Payment: {
        id: 1,
        created: '2025-09-03 08:24:13.795007',
        updated: '2025-09-03 08:24:14.266407',
        monetary_account_id: 2,
        amount: { value: '-20.00', currency: 'EUR' },
        description: 'local example',
      },
    },
  },
});

const write = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

async function main(): Promise<number> {
  let command: Awaited<ReturnType<typeof parseCommandLine>>;
  try {
    command = await parseCommandLine(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\nRun with --help for the options.\n`);
      return error.exitCode;
    }
    throw error;
  }
  if (command.kind === 'help') {
    write(usage());
    return 0;
  }

  const { configPath, ...parsed } = command.options;
  // A first run shows its events without any flag: one line each here, and every event in a file.
  const eventsFile = parsed.eventsFile ?? defaultEventsFile(parsed.dataDir);
  const options = { ...parsed, eventsFile };
  if (parsed.eventsFile === undefined) await mkdir(dirname(eventsFile), { recursive: true });
  const runtime = await startLocalRuntime({ ...options, printEvents: true });
  const stopped = new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        process.stderr.write(
          `${signal} again: still draining; whatever is left after the drain timeout goes to the dead-letter file.\n`,
        );
        return;
      }
      const queue = runtime.stats().queue;
      process.stderr.write(
        `${signal}: no new requests; draining ${queue.visible + queue.inFlight + queue.delayed} queued message(s)...\n`,
      );
      runtime.stop().then(
        (result) => {
          if (result.leftOnDisk > 0) {
            process.stderr.write(
              `${result.leftOnDisk} callback(s) not processed in time stay in ${runtime.dataDir ?? 'the data directory'}; the next start on it processes them.\n`,
            );
          }
          resolve(result.drained ? 0 : 1);
        },
        (error: unknown) => {
          process.stderr.write(
            `error while stopping: ${error instanceof Error ? error.stack : String(error)}\n`,
          );
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  write('');
  write('bunq callback pipeline running locally');
  write(`  Callback URL:  ${runtime.callbackUrl}`);
  if (runtime.tokenGenerated)
    write('  (token generated; pass --token or CALLBACK_TOKEN to keep it across restarts)');
  write(`  Config:        ${configPath}`);
  write(
    `  Events:        ${runtime.eventsFile}${parsed.eventsFile === undefined ? ' (the default; --events-file <path> to change)' : ''}`,
  );
  write(
    `  Dead letters:  ${runtime.deadLetterFile ?? 'kept in memory and logged (add --dead-letter-file <path>)'}`,
  );
  write(
    options.allowedCidrs === undefined
      ? "  Sources:       any address (bunq's sandbox calls from changing AWS addresses; --allowed-cidrs to restrict)"
      : `  Sources:       ${options.allowedCidrs.join(', ')}`,
  );
  write(
    `  Data dir:      ${runtime.dataDir ?? 'temporary'} (synchronous=${runtime.synchronous}: a 200 survives ${runtime.synchronous === 'full' ? 'a process kill and a power loss' : 'a process kill'})`,
  );
  write(`  Health:        ${runtime.baseUrl}/healthz`);
  write(
    runtime.failurePoller === undefined
      ? '  Failure poll:  off (add --bunq-base-url and --bunq-api-key to retry what bunq gave up on)'
      : `  Failure poll:  every ${runtime.failurePoller.intervalMs} ms against ${runtime.failurePoller.bunqBaseUrl}`,
  );
  write('');
  write('Try it (any category; --list shows them):');
  write(`  npx bunq-webhooks trigger MUTATION --url '${runtime.callbackUrl}'`);
  write('or by hand:');
  write(
    `  curl -i -X POST '${runtime.callbackUrl}' -H 'content-type: application/json' --data-binary '${EXAMPLE_BODY}'`,
  );
  write('');
  write('Ctrl+C drains what was accepted, then exits.');
  write('');

  return stopped;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
