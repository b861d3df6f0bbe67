/**
 * Command-line options of the local runtime: each flag also settable by an environment variable (the flag
 * wins). Parsing is separate from `main.ts` so it can be tested without starting anything.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../cli/errors';
import { ConfigError, type PipelineConfig, parsePipelineConfig } from '../shared/config/pipeline-config';
import { parseCidr } from '../shared/pipeline/ingest/cidr';
import { callbackTokenSecretSchema } from '../shared/pipeline/ingest/token';
import { DEFAULT_RECONCILE_GRACE_MS } from '../shared/pipeline/reconcile/reconcile';
import { DEFAULT_FAILURE_POLL_INTERVAL_MS } from './failure-poller';
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS } from './http-server';
import { openJsonLinesFile } from './json-lines-file';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_BACKLOG,
  DEFAULT_PORT,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  type LocalRuntimeOptions,
} from './runtime';
import { DEFAULT_SYNCHRONOUS, SYNCHRONOUS_MODES, type SynchronousMode } from './sqlite/database';

export const DEFAULT_CONFIG_PATH = 'config/sandbox.json';

/** Where `npm start` appends its events when no --events-file is given: beside its other local state. */
/** Where events go without `--events-file`: beside the rest of the runtime's state, in its data directory. */
export function defaultEventsFile(dataDir: string | undefined): string {
  return join(dataDir ?? DEFAULT_DATA_DIR, 'events.jsonl');
}

interface FlagSpec {
  readonly env: string;
  readonly value: string;
  readonly description: string;
}

const FLAGS = {
  port: {
    env: 'PORT',
    value: '<n>',
    description: `port to listen on, 0 for any free port (default ${DEFAULT_PORT})`,
  },
  host: { env: 'HOST', value: '<addr>', description: `address to listen on (default ${DEFAULT_HOST})` },
  token: {
    env: 'CALLBACK_TOKEN',
    value: '<t>',
    description: 'callback token, at least 32 of A-Z a-z 0-9 _ - (default: generated and printed)',
  },
  'events-file': {
    env: 'EVENTS_FILE',
    value: '<path>',
    description: `append each event put on the bus as one JSON line (default <data-dir>/events.jsonl)`,
  },
  'dead-letter-file': {
    env: 'DEAD_LETTER_FILE',
    value: '<path>',
    description: 'append each dead-lettered message as one JSON line (default: memory and log)',
  },
  'allowed-cidrs': {
    env: 'ALLOWED_CIDRS',
    value: '<list>',
    description: 'comma-separated source ranges allowed to call (default: any source)',
  },
  config: {
    env: 'PIPELINE_CONFIG',
    value: '<path>',
    description: `pipeline configuration JSON (default ${DEFAULT_CONFIG_PATH})`,
  },
  'data-dir': {
    env: 'DATA_DIR',
    value: '<path>',
    description: `where the queue, dedupe records and claim checks live; a restart on it resumes (default ${DEFAULT_DATA_DIR}, created)`,
  },
  'sqlite-synchronous': {
    env: 'SQLITE_SYNCHRONOUS',
    value: '<mode>',
    description: `full: a 200 survives a power loss; normal: a process kill only, with fewer fsyncs (default ${DEFAULT_SYNCHRONOUS})`,
  },
  'max-backlog': {
    env: 'MAX_BACKLOG',
    value: '<n>',
    description: `callbacks held on disk at most; beyond it answer 503 so bunq retries (default ${DEFAULT_MAX_BACKLOG})`,
  },
  'headers-timeout-ms': {
    env: 'HEADERS_TIMEOUT_MS',
    value: '<ms>',
    description: `cut off (408) a client that has not sent its headers in this time (default ${DEFAULT_HEADERS_TIMEOUT_MS})`,
  },
  'body-timeout-ms': {
    env: 'BODY_TIMEOUT_MS',
    value: '<ms>',
    description: `cut off (408) a client that has not sent its body in this time (default ${DEFAULT_BODY_TIMEOUT_MS})`,
  },
  'max-connections': {
    env: 'MAX_CONNECTIONS',
    value: '<n>',
    description: `open connections at most; more are refused (default ${DEFAULT_MAX_CONNECTIONS})`,
  },
  'drain-timeout-ms': {
    env: 'DRAIN_TIMEOUT_MS',
    value: '<ms>',
    description: `on SIGINT/SIGTERM, wait this long for the queue to drain; the rest stays on disk for the next start (default ${DEFAULT_DRAIN_TIMEOUT_MS})`,
  },
  'visibility-timeout-ms': {
    env: 'VISIBILITY_TIMEOUT_MS',
    value: '<ms>',
    description: `how long a failed message waits before redelivery (default ${DEFAULT_VISIBILITY_TIMEOUT_MS})`,
  },
  'bunq-base-url': {
    env: 'BUNQ_BASE_URL',
    value: '<url>',
    description:
      'run the failure poller against this bunq API, with /v1 (the simulator or https://public-api.sandbox.bunq.com/v1)',
  },
  'bunq-api-key': {
    env: 'BUNQ_API_KEY',
    value: '<key>',
    description: 'bunq API key of the failure poller (needed with --bunq-base-url; never printed)',
  },
  'failure-poll-interval-ms': {
    env: 'FAILURE_POLL_INTERVAL_MS',
    value: '<ms>',
    description: `time between two failure polls (default ${DEFAULT_FAILURE_POLL_INTERVAL_MS})`,
  },
  'reconcile-interval-ms': {
    env: 'RECONCILE_INTERVAL_MS',
    value: '<ms>',
    description:
      "run the reconciler (bunq's event listing vs. the callbacks that arrived) this often; needs --bunq-base-url",
  },
  'reconcile-grace-ms': {
    env: 'RECONCILE_GRACE_MS',
    value: '<ms>',
    description: `time after a bunq event before the reconciler settles it (default ${DEFAULT_RECONCILE_GRACE_MS})`,
  },
  'oauth-client-id': {
    env: 'OAUTH_CLIENT_ID',
    value: '<id>',
    description: "the partner's OAuth client id (needed with --partner-onboarding)",
  },
  'oauth-client-secret': {
    env: 'OAUTH_CLIENT_SECRET',
    value: '<secret>',
    description: "the partner's OAuth client secret (needed with --partner-onboarding; never printed)",
  },
  'oauth-token-url': {
    env: 'OAUTH_TOKEN_URL',
    value: '<url>',
    description:
      "bunq's OAuth token endpoint for --partner-onboarding (default: bunq's for its API URLs, else <origin>/oauth/v1/token)",
  },
} as const satisfies Record<string, FlagSpec>;

/** The one switch: `--partner-onboarding`, or `PARTNER_ONBOARDING=true`. */
const PARTNER_ONBOARDING_ENV = 'PARTNER_ONBOARDING';

type FlagName = keyof typeof FLAGS;

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, spec]) => {
    const flag = `--${name} ${spec.value}`.padEnd(30);
    return `  ${flag} ${spec.description}\n  ${''.padEnd(30)} env: ${spec.env}`;
  });
  return [
    'Usage: npm start -- [options]',
    '',
    'Runs the bunq callback pipeline locally: HTTP endpoint -> ingest -> queue -> normalize -> event bus.',
    '',
    'Options:',
    ...lines,
    `  ${'--partner-onboarding'.padEnd(30)} onboard provisioned users from PARTNER_USER_PROVISION callbacks (needs --bunq-base-url, --oauth-client-id, --oauth-client-secret and partnerOnboarding in --config)\n  ${''.padEnd(30)} env: ${PARTNER_ONBOARDING_ENV}=true`,
    `  ${'--help'.padEnd(30)} show this help`,
    '',
  ].join('\n');
}

export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly options: LocalRuntimeOptions & { readonly configPath: string } };

function wholeNumber(label: string, text: string, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > max) {
    throw new UsageError(`${label} must be a whole number from 0 to ${max}, got "${text}"`);
  }
  return value;
}

async function checkWritable(label: string, path: string): Promise<void> {
  try {
    await (await openJsonLinesFile(path)).close();
  } catch (error) {
    throw new UsageError(`${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function loadConfig(label: string, path: string): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${label}: cannot read ${path}: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${label}: ${path} is not valid JSON: ${reason}`);
  }
  try {
    return parsePipelineConfig(json, path);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`${label}: ${error.message}`);
    throw error;
  }
}

/**
 * Parses the command line and environment into runtime options (loading the configuration file). Throws a
 * {@link UsageError} naming the flag for any bad value.
 */
export async function parseCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliCommand> {
  let values: Partial<Record<FlagName | 'help' | 'partner-onboarding', string | boolean>>;
  try {
    const options = Object.fromEntries(
      Object.keys(FLAGS).map((name) => [name, { type: 'string' as const }]),
    ) as Record<FlagName, { type: 'string' }>;
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        ...options,
        help: { type: 'boolean', short: 'h' },
        'partner-onboarding': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return { kind: 'help' };

  const read = (flag: FlagName): string | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') {
      if (fromFlag.trim() === '') throw new UsageError(`--${flag} needs a value`);
      return fromFlag;
    }
    const fromEnv = env[FLAGS[flag].env];
    return fromEnv === undefined || fromEnv.trim() === '' ? undefined : fromEnv;
  };

  // Names the option as the user set it: the flag, or the flag and the environment variable it came from.
  const label = (flag: FlagName): string =>
    typeof values[flag] === 'string' ? `--${flag}` : `--${flag} (from ${FLAGS[flag].env})`;

  const portText = read('port');
  const port = portText === undefined ? DEFAULT_PORT : wholeNumber(label('port'), portText, 65_535);

  const host = read('host')?.trim() ?? DEFAULT_HOST;

  const token = read('token')?.trim();
  if (token !== undefined) {
    const parsed = callbackTokenSecretSchema.shape.token.safeParse(token);
    if (!parsed.success) {
      // The value itself is a secret: name the problem, not the token.
      throw new UsageError(
        `${label('token')} is not a valid callback token: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
  }

  const cidrsText = read('allowed-cidrs');
  let allowedCidrs: string[] | undefined;
  if (cidrsText !== undefined) {
    allowedCidrs = cidrsText
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    if (allowedCidrs.length === 0)
      throw new UsageError(`${label('allowed-cidrs')} needs at least one range, e.g. 10.0.0.0/8`);
    for (const cidr of allowedCidrs) {
      try {
        parseCidr(cidr);
      } catch (error) {
        throw new UsageError(
          `${label('allowed-cidrs')}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  const drainText = read('drain-timeout-ms');
  const drainTimeoutMs =
    drainText === undefined
      ? DEFAULT_DRAIN_TIMEOUT_MS
      : wholeNumber(label('drain-timeout-ms'), drainText, 3_600_000);
  const visibilityText = read('visibility-timeout-ms');
  const visibilityTimeoutMs =
    visibilityText === undefined
      ? DEFAULT_VISIBILITY_TIMEOUT_MS
      : wholeNumber(label('visibility-timeout-ms'), visibilityText, 43_200_000);

  const dataDir = read('data-dir') ?? DEFAULT_DATA_DIR;
  const synchronousText = read('sqlite-synchronous')?.trim().toLowerCase();
  if (synchronousText !== undefined && !SYNCHRONOUS_MODES.includes(synchronousText as SynchronousMode)) {
    throw new UsageError(
      `${label('sqlite-synchronous')} must be one of ${SYNCHRONOUS_MODES.join(', ')}, got "${synchronousText}"`,
    );
  }
  const synchronous = (synchronousText as SynchronousMode | undefined) ?? DEFAULT_SYNCHRONOUS;
  const positive = (flag: FlagName, fallback: number, max: number): number => {
    const text = read(flag);
    if (text === undefined) return fallback;
    const value = wholeNumber(label(flag), text, max);
    if (value < 1) throw new UsageError(`${label(flag)} must be at least 1, got "${text}"`);
    return value;
  };
  const maxBacklog = positive('max-backlog', DEFAULT_MAX_BACKLOG, 1_000_000_000);
  const headersTimeoutMs = positive('headers-timeout-ms', DEFAULT_HEADERS_TIMEOUT_MS, 3_600_000);
  const bodyTimeoutMs = positive('body-timeout-ms', DEFAULT_BODY_TIMEOUT_MS, 3_600_000);
  const maxConnections = positive('max-connections', DEFAULT_MAX_CONNECTIONS, 1_000_000);

  const eventsFile = read('events-file');
  if (eventsFile !== undefined) await checkWritable(label('events-file'), eventsFile);
  const deadLetterFile = read('dead-letter-file');
  if (deadLetterFile !== undefined) await checkWritable(label('dead-letter-file'), deadLetterFile);

  const bunqBaseUrl = read('bunq-base-url')?.trim().replace(/\/+$/, '');
  if (bunqBaseUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(bunqBaseUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new UsageError(
        `${label('bunq-base-url')} must be an http(s) URL ending in /v1, e.g. http://127.0.0.1:3100/v1, got "${bunqBaseUrl}"`,
      );
    }
  }
  const bunqApiKey = read('bunq-api-key')?.trim();
  const partnerOnboarding =
    values['partner-onboarding'] === true || /^(1|true)$/i.test(env[PARTNER_ONBOARDING_ENV]?.trim() ?? '');
  // Onboarding alone needs the bunq API but no API key of its own (the users' come from OAuth).
  const onboardingOnly = partnerOnboarding && bunqBaseUrl !== undefined && bunqApiKey === undefined;
  if (!onboardingOnly && (bunqBaseUrl === undefined) !== (bunqApiKey === undefined)) {
    throw new UsageError(
      bunqBaseUrl === undefined
        ? `${label('bunq-api-key')} needs --bunq-base-url (BUNQ_BASE_URL) too: the bunq API the failure poller calls`
        : `${label('bunq-base-url')} needs --bunq-api-key (BUNQ_API_KEY) too: the failure poller signs in with it`,
    );
  }
  const pollText = read('failure-poll-interval-ms');
  const failurePollIntervalMs =
    pollText === undefined
      ? DEFAULT_FAILURE_POLL_INTERVAL_MS
      : wholeNumber(label('failure-poll-interval-ms'), pollText, 86_400_000);
  if (pollText !== undefined && bunqBaseUrl === undefined) {
    throw new UsageError(
      `${label('failure-poll-interval-ms')} needs --bunq-base-url and --bunq-api-key: without them no poller runs`,
    );
  }

  const reconcileText = read('reconcile-interval-ms');
  const graceText = read('reconcile-grace-ms');
  if ((reconcileText !== undefined || graceText !== undefined) && bunqBaseUrl === undefined) {
    throw new UsageError(
      `${label(reconcileText !== undefined ? 'reconcile-interval-ms' : 'reconcile-grace-ms')} needs --bunq-base-url and --bunq-api-key: the reconciler reads bunq's event listing`,
    );
  }
  const reconcile =
    reconcileText === undefined
      ? {}
      : {
          reconcileIntervalMs: wholeNumber(label('reconcile-interval-ms'), reconcileText, 86_400_000),
          reconcileGraceMs:
            graceText === undefined
              ? DEFAULT_RECONCILE_GRACE_MS
              : wholeNumber(label('reconcile-grace-ms'), graceText, 86_400_000),
        };
  if (graceText !== undefined && reconcileText === undefined) {
    throw new UsageError(
      `${label('reconcile-grace-ms')} needs --reconcile-interval-ms (RECONCILE_INTERVAL_MS): without it no reconciler runs`,
    );
  }

  const configPath = read('config') ?? DEFAULT_CONFIG_PATH;
  const config = await loadConfig(label('config'), configPath);
  const onboarding = partnerOnboardingOptions(partnerOnboarding, bunqBaseUrl, config, read, label);

  return {
    kind: 'run',
    options: {
      port,
      host,
      token,
      eventsFile,
      deadLetterFile,
      allowedCidrs,
      config,
      configPath,
      drainTimeoutMs,
      visibilityTimeoutMs,
      dataDir,
      synchronous,
      maxBacklog,
      headersTimeoutMs,
      bodyTimeoutMs,
      maxConnections,
      // The poller's pair; with onboarding alone the base URL goes to the onboarding only.
      bunqBaseUrl: bunqApiKey === undefined ? undefined : bunqBaseUrl,
      bunqApiKey,
      failurePollIntervalMs,
      ...reconcile,
      ...onboarding,
    },
  };
}

/** `--partner-onboarding` and its flags, checked together; the OAuth flags alone are a mistake too. */
function partnerOnboardingOptions(
  on: boolean,
  bunqBaseUrl: string | undefined,
  config: PipelineConfig,
  read: (flag: FlagName) => string | undefined,
  label: (flag: FlagName) => string,
): { partnerOnboarding?: LocalRuntimeOptions['partnerOnboarding'] } {
  const oauthFlags = ['oauth-client-id', 'oauth-client-secret', 'oauth-token-url'] as const;
  if (!on) {
    const stray = oauthFlags.find((flag) => read(flag) !== undefined);
    if (stray !== undefined) throw new UsageError(`${label(stray)} needs --partner-onboarding`);
    return {};
  }
  if (bunqBaseUrl === undefined) {
    throw new UsageError(
      '--partner-onboarding needs --bunq-base-url (BUNQ_BASE_URL): the bunq API to onboard users at',
    );
  }
  const clientId = read('oauth-client-id')?.trim();
  const clientSecret = read('oauth-client-secret')?.trim();
  if (clientId === undefined || clientSecret === undefined) {
    throw new UsageError(
      "--partner-onboarding needs --oauth-client-id (OAUTH_CLIENT_ID) and --oauth-client-secret (OAUTH_CLIENT_SECRET): the partner's OAuth client",
    );
  }
  if (config.partnerOnboarding === undefined) {
    throw new UsageError(
      '--partner-onboarding needs partnerOnboarding in the configuration (--config), e.g. {"partnerOnboarding": {"categories": ["MUTATION"]}}',
    );
  }
  const tokenUrl = read('oauth-token-url')?.trim();
  return {
    partnerOnboarding: {
      bunqBaseUrl,
      oauthClientId: clientId,
      oauthClientSecret: clientSecret,
      ...(tokenUrl === undefined ? {} : { oauthTokenUrl: tokenUrl }),
    },
  };
}
