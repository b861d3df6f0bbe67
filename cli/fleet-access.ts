/**
 * What `fleet` works with: the fleet registry (the stack's table, or the local runtime's database) and, per
 * provisioned user, a bunq client on the credentials its entry names. Credentials are read and copied into
 * memory, never written back: the onboarding and the reconciler own them, and a session the CLI opens is its
 * own. Every user's client goes through one rate gate, so the CLI stays within bunq's limits for the fleet.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { dynamoFleetRegistry } from '../functions/commons/fleet-registry';
import { loadConfig } from '../infra/app-settings';
import { DEFAULT_DATA_DIR } from '../local/runtime';
import { DATABASE_FILE, LocalDatabase } from '../local/sqlite/database';
import { sqliteFleetRegistry } from '../local/sqlite/fleet-registry';
import { BUNQ_PRODUCTION_BASE_URL, BunqApiClient } from '../shared/bunq/api/client';
import {
  createRateGate,
  RATE_LIMIT_SCOPES,
  type RateGate,
  type RateLimitScope,
} from '../shared/bunq/api/rate-gate';
import { SecretsManagerBunqStateStore } from '../shared/bunq/api/secrets-manager-state-store';
import { type BunqState, InMemoryBunqStateStore, parseBunqState } from '../shared/bunq/api/state';
import { ConfigError } from '../shared/config/pipeline-config';
import type { FleetEntry, FleetRegistry } from '../shared/fleet/registry';
import { STACK_OUTPUTS } from '../shared/wiring/stack-outputs';
import { type BunqSession, CLI_BUNQ_BACKOFF, type CliContext } from './context';
import { NotFoundError, UsageError } from './errors';
import { resolveBunqBaseUrl } from './urls';

/** The registry and how it was found (for the output). */
export interface FleetSource {
  readonly registry: FleetRegistry;
  /** `table <name>` or `data directory <path>`. */
  readonly label: string;
  close(): void;
}

export async function openFleetRegistry(context: CliContext): Promise<FleetSource> {
  const dataDir = context.flags.string('data-dir');
  if (dataDir !== undefined) {
    if (!existsSync(join(dataDir, DATABASE_FILE))) {
      throw new NotFoundError(
        `--data-dir ${dataDir} holds no local runtime database (${DATABASE_FILE}); give the directory \`npm start\` uses (its --data-dir, default ${DEFAULT_DATA_DIR}).`,
      );
    }
    const database = new LocalDatabase({ dataDir });
    return {
      registry: sqliteFleetRegistry(database),
      label: `data directory ${dataDir}`,
      close: () => database.close(),
    };
  }
  const tableName = await context.optional('fleet-table', STACK_OUTPUTS.fleetTableName);
  if (tableName === undefined) {
    throw new UsageError(
      context.stackName === undefined
        ? 'No fleet registry: pass --stack <name> (output FleetTableName), --fleet-table <name>, or --data-dir <path> of the local runtime.'
        : `Stack "${context.stackName}" has no output FleetTableName: partner onboarding is off. Pass --fleet-table <name>, or turn partnerOnboarding on and deploy.`,
    );
  }
  return {
    registry: dynamoFleetRegistry({ client: context.dynamoDb(), tableName }),
    label: `table ${tableName}`,
    close: () => undefined,
  };
}

/**
 * `--rate-limit-scope`; by default `partnerOnboarding.rateLimitScope` of the `--config` file, else `address`
 * (what bunq documents).
 */
export function rateLimitScope(context: CliContext): RateLimitScope {
  const text = context.flags.string('rate-limit-scope') ?? configuredRateLimitScope(context) ?? 'address';
  if (!(RATE_LIMIT_SCOPES as readonly string[]).includes(text)) {
    throw new UsageError(`--rate-limit-scope must be ${RATE_LIMIT_SCOPES.join(' or ')}, got "${text}".`);
  }
  return text as RateLimitScope;
}

function configuredRateLimitScope(context: CliContext): RateLimitScope | undefined {
  const file = context.flags.string('config');
  if (file === undefined) return undefined;
  try {
    return loadConfig(file).partnerOnboarding?.rateLimitScope;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/** Reads a user's credentials: a file path (the local runtime) or a Secrets Manager secret name. */
async function readCredentials(context: CliContext, entry: FleetEntry): Promise<BunqState> {
  const ref = entry.credentialsRef;
  if (isAbsolute(ref)) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(ref, 'utf8'));
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      // Never the parser's message: it would quote the file.
      throw missing
        ? new NotFoundError(`the credentials of user ${entry.userId} (${ref}) do not exist`)
        : new Error(`the credentials of user ${entry.userId} (${ref}) cannot be read as JSON`);
    }
    return parseBunqState(json);
  }
  try {
    return await new SecretsManagerBunqStateStore({ secretId: ref, client: context.secretsManager() }).load();
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') {
      throw new NotFoundError(`the credentials secret of user ${entry.userId} (${ref}) does not exist`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Opens provisioned users' bunq contexts, all through one rate gate. */
export class FleetSessions {
  readonly gate: RateGate;

  constructor(private readonly context: CliContext) {
    this.gate = createRateGate({
      scope: rateLimitScope(context),
      ...(context.deps.bunq?.clock === undefined ? {} : { clock: context.deps.bunq.clock }),
    });
  }

  /** The user's client on a copy of its credentials; the session is reused when still valid. */
  async open(entry: FleetEntry): Promise<BunqSession> {
    const { context } = this;
    const state = await readCredentials(context, entry);
    const baseText = context.flags.string('bunq-base-url');
    const baseUrl =
      baseText === undefined
        ? (state.baseUrl ?? BUNQ_PRODUCTION_BASE_URL)
        : resolveBunqBaseUrl(
            baseText,
            context.flags.label('bunq-base-url'),
            context.flags.boolean('allow-http'),
          );
    const inner = context.deps.bunq?.fetch ?? ((url, init) => fetch(url, init));
    const client = new BunqApiClient({
      baseUrl,
      stateStore: new InMemoryBunqStateStore(state),
      logger: context.bunqLogger(),
      backoff: CLI_BUNQ_BACKOFF,
      userAgent: 'bunq-webhooks-cli',
      deviceDescription: 'bunq-webhooks CLI',
      ...context.deps.bunq,
      // The gate counts every user's calls together (or per session): the client's own limiter is off.
      rateLimits: false,
      fetch: this.gate.fetchFor(entry.userId, inner),
    });
    const userId = await client.getUserId();
    if (userId !== entry.userId) {
      throw new Error(
        `the credentials of user ${entry.userId} open bunq user ${userId}; the registry entry is wrong`,
      );
    }
    return { client, userId, baseUrl };
  }
}

/** Our callback URL for one provisioned user: `<callback URL>/u/<userId>`. */
export function fleetUserUrl(callbackUrl: string, userId: number): string {
  return `${callbackUrl.replace(/\/+$/, '')}/u/${userId}`;
}
