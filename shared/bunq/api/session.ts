/**
 * The bunq API context behind every session call: installation → device-server → session-server, each step
 * saved to the {@link BunqStateStore} as it completes, the keys loaded from the stored PEMs, and the session
 * renewed before its computed expiry or when bunq says it is gone. {@link BunqApiClient} asks it for the
 * current session and the keys to sign and verify with.
 */
import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { Clock } from './clock';
import {
  generateRsaKeyPair,
  privateKeyFromPem,
  publicKeyFromPem,
  publicKeyPemOf,
  type RsaKeyPair,
} from './crypto';
import { BunqResponseFormatError, BunqStateError } from './errors';
import type { BunqLogger } from './logger';
import { parseWith, unwrapOne } from './responses';
import {
  bunqIdSchema,
  serverPublicKeySchema,
  tokenSchema,
  userApiKeySchema,
  userObjectSchema,
} from './schemas';
import type { BunqState, BunqStateStore } from './state';
import type { BunqTransport } from './transport';

/**
 * Which id a `UserApiKey` session (an OAuth access token used as API key) yields for `/user/{id}` paths.
 * - `user-api-key` (default): the UserApiKey's own id. bunq's OAuth documentation says to use it as the user
 *   id in paths, and bunq's SDKs do the same.
 * - `granted-by-user`: the bunq user who granted access (the account owner).
 * - `requested-by-user`: the user who requested access (the app owner).
 */
export type ApiKeyUserChoice = 'user-api-key' | 'granted-by-user' | 'requested-by-user';

/** How sessions are set up; the fields of `BunqApiClientOptions` of the same names. */
export interface BunqSessionSettings {
  /** @default 'bunq-webhooks-aws' */
  readonly deviceDescription?: string;
  /** @default ['*'] */
  readonly permittedIps?: readonly string[];
  /** @default 'user-api-key' */
  readonly apiKeyUser?: ApiKeyUserChoice;
  /** @default 30000 */
  readonly sessionExpiryMarginMs?: number;
  /** @default 3600 */
  readonly defaultSessionTimeoutSeconds?: number;
  /** @default generateRsaKeyPair (2048-bit RSA) */
  readonly generateKeyPair?: () => Promise<RsaKeyPair>;
}

/** A live session: its token, the user id for paths, and when it expires. */
export interface ActiveSession {
  readonly token: string;
  readonly userId: number;
  readonly expiresAtMs: number;
}

/** The keys of the current installation, for signing request bodies and verifying answers. */
export interface SessionKeys {
  readonly signingKey: KeyObject | undefined;
  readonly serverPublicKey: KeyObject | undefined;
}

type UserType = 'UserPerson' | 'UserCompany' | 'UserApiKey' | 'UserPaymentServiceProvider';

/** Sets up and renews the bunq API context; one per client. */
export class BunqSessions {
  private state: BunqState | undefined;
  private signingKey: KeyObject | undefined;
  private serverKey: KeyObject | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      readonly baseUrl: string;
      readonly store: BunqStateStore;
      readonly transport: BunqTransport;
      readonly clock: Clock;
      readonly logger: BunqLogger;
      readonly settings: BunqSessionSettings;
    },
  ) {}

  /** The keys of the installation loaded last. */
  keys(): SessionKeys {
    return { signingKey: this.signingKey, serverPublicKey: this.serverKey };
  }

  /**
   * The current session, set up as needed. With `staleToken`, a session with that token counts as gone
   * (unless another caller already replaced it, in which case the replacement is returned).
   */
  active(staleToken?: string): Promise<ActiveSession> {
    return this.serialized(async () => {
      const state = await this.loadState();
      const margin = this.deps.settings.sessionExpiryMarginMs ?? 30_000;
      const expiresAtMs =
        state.sessionExpiresAt === undefined ? Number.NaN : Date.parse(state.sessionExpiresAt);
      if (
        state.sessionToken !== undefined &&
        state.sessionToken !== staleToken &&
        state.userId !== undefined &&
        expiresAtMs - margin > this.deps.clock.now()
      ) {
        return { token: state.sessionToken, userId: state.userId, expiresAtMs };
      }
      await this.ensureInstallation();
      await this.ensureDevice();
      return this.createSession();
    });
  }

  /** Replaces every known secret in server text (error descriptions) with a marker. */
  redact(text: string): string {
    const state = this.state;
    if (state === undefined) return text;
    let result = text;
    for (const secret of [state.apiKey, state.installationToken, state.sessionToken]) {
      if (secret !== undefined && secret.length >= 8) result = result.split(secret).join('[redacted]');
    }
    return result;
  }

  /** Runs `task` after every earlier one: session set-up is never done twice at once. */
  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async loadState(): Promise<BunqState> {
    if (this.state !== undefined) return this.state;
    let state = await this.deps.store.load();
    if (
      state.baseUrl !== undefined &&
      state.baseUrl !== this.deps.baseUrl &&
      state.installationToken !== undefined
    ) {
      this.deps.logger.warn('stored bunq installation belongs to another base URL; installing again', {
        storedBaseUrl: state.baseUrl,
        baseUrl: this.deps.baseUrl,
      });
      state = { apiKey: state.apiKey, privateKeyPem: state.privateKeyPem };
    }
    this.state = state;
    this.loadKeys(state);
    return state;
  }

  private loadKeys(state: BunqState): void {
    try {
      this.signingKey =
        state.privateKeyPem === undefined ? undefined : privateKeyFromPem(state.privateKeyPem);
      this.serverKey =
        state.serverPublicKeyPem === undefined ? undefined : publicKeyFromPem(state.serverPublicKeyPem);
    } catch (error) {
      throw new BunqStateError(
        'The stored bunq state holds a key that does not parse (privateKeyPem or serverPublicKeyPem). Remove ' +
          'the installation fields from the state so the client installs again.',
        { cause: error instanceof Error ? new Error(error.name) : undefined },
      );
    }
  }

  private async update(patch: Partial<BunqState>): Promise<BunqState> {
    const next = { ...(this.state ?? (await this.loadState())), ...patch };
    this.state = next;
    this.loadKeys(next);
    await this.deps.store.save(next);
    return next;
  }

  private async ensureInstallation(): Promise<void> {
    const state = await this.loadState();
    if (state.installationToken !== undefined && state.serverPublicKeyPem !== undefined && this.signingKey)
      return;
    const privateKeyPem =
      state.privateKeyPem ??
      (await (this.deps.settings.generateKeyPair ?? generateRsaKeyPair)()).privateKeyPem;
    const publicKeyPem = publicKeyPemOf(privateKeyFromPem(privateKeyPem));
    const path = '/installation';
    const result = await this.deps.transport.call({
      method: 'POST',
      path,
      body: { client_public_key: publicKeyPem },
    });
    const id = unwrapOne(result.items, 'Id', bunqIdSchema, `POST ${path}`);
    const token = unwrapOne(result.items, 'Token', tokenSchema, `POST ${path}`);
    const serverKey = unwrapOne(result.items, 'ServerPublicKey', serverPublicKeySchema, `POST ${path}`);
    await this.update({
      baseUrl: this.deps.baseUrl,
      privateKeyPem,
      installationId: id.id,
      installationToken: token.token,
      serverPublicKeyPem: serverKey.server_public_key,
      deviceId: undefined,
      sessionId: undefined,
      sessionToken: undefined,
      sessionExpiresAt: undefined,
      userId: undefined,
    });
    this.deps.logger.info('bunq installation created', { installationId: id.id });
  }

  private async ensureDevice(): Promise<void> {
    const state = await this.loadState();
    if (state.deviceId !== undefined) return;
    const permittedIps = this.deps.settings.permittedIps ?? ['*'];
    const path = '/device-server';
    const result = await this.deps.transport.call({
      method: 'POST',
      path,
      body: {
        description: this.deps.settings.deviceDescription ?? 'bunq-webhooks-aws',
        secret: state.apiKey,
        ...(permittedIps.length > 0 ? { permitted_ips: [...permittedIps] } : {}),
      },
      authToken: this.installationToken(state),
      signingKey: this.signingKey,
      serverPublicKey: this.serverKey,
    });
    const id = unwrapOne(result.items, 'Id', bunqIdSchema, `POST ${path}`);
    await this.update({ deviceId: id.id });
    this.deps.logger.info('bunq device registered', { deviceId: id.id });
  }

  private async createSession(): Promise<ActiveSession> {
    const state = await this.loadState();
    const path = '/session-server';
    const result = await this.deps.transport.call({
      method: 'POST',
      path,
      body: { secret: state.apiKey },
      authToken: this.installationToken(state),
      signingKey: this.signingKey,
      serverPublicKey: this.serverKey,
    });
    const id = unwrapOne(result.items, 'Id', bunqIdSchema, `POST ${path}`);
    const token = unwrapOne(result.items, 'Token', tokenSchema, `POST ${path}`);
    const user = this.sessionUser(result.items, `POST ${path}`);
    const timeoutSeconds =
      user.sessionTimeoutSeconds ?? this.deps.settings.defaultSessionTimeoutSeconds ?? 3_600;
    const expiresAtMs = this.deps.clock.now() + timeoutSeconds * 1_000;
    await this.update({
      sessionId: id.id,
      sessionToken: token.token,
      sessionExpiresAt: new Date(expiresAtMs).toISOString(),
      userId: user.userId,
    });
    this.deps.logger.info('bunq session created', {
      sessionId: id.id,
      userId: user.userId,
      userType: user.userType,
      expiresAt: new Date(expiresAtMs).toISOString(),
    });
    return { token: token.token, userId: user.userId, expiresAtMs };
  }

  private installationToken(state: BunqState): string {
    if (state.installationToken === undefined) {
      throw new BunqStateError(
        'No bunq installation token in the state; the installation step did not complete.',
      );
    }
    return state.installationToken;
  }

  /** Picks the user object of a session answer and the id to use in paths. */
  private sessionUser(
    items: ReadonlyArray<Record<string, unknown>>,
    where: string,
  ): { userId: number; userType: UserType; sessionTimeoutSeconds: number | null } {
    for (const userType of ['UserPerson', 'UserCompany', 'UserPaymentServiceProvider'] as const) {
      const item = items.find((entry) => userType in entry);
      if (item !== undefined) {
        const user = parseWith(userObjectSchema, item[userType], `${where} ${userType}`);
        return { userId: user.id, userType, sessionTimeoutSeconds: user.session_timeout ?? null };
      }
    }
    const apiKeyItem = items.find((entry) => 'UserApiKey' in entry);
    if (apiKeyItem !== undefined) {
      const apiKey = parseWith(userApiKeySchema, apiKeyItem.UserApiKey, `${where} UserApiKey`);
      const requested = anchored(apiKey.requested_by_user);
      const granted = anchored(apiKey.granted_by_user);
      const choice = this.deps.settings.apiKeyUser ?? 'user-api-key';
      const chosen =
        choice === 'granted-by-user' ? granted : choice === 'requested-by-user' ? requested : null;
      if (choice !== 'user-api-key' && chosen === null) {
        throw new BunqResponseFormatError(
          `${where}: the UserApiKey has no ${choice === 'granted-by-user' ? 'granted_by_user' : 'requested_by_user'} ` +
            'user object; use apiKeyUser "user-api-key".',
        );
      }
      // bunq's SDKs take the session lifetime from the requesting user.
      const timeout = requested?.session_timeout ?? granted?.session_timeout ?? null;
      return { userId: chosen?.id ?? apiKey.id, userType: 'UserApiKey', sessionTimeoutSeconds: timeout };
    }
    throw new BunqResponseFormatError(
      `${where}: the answer holds no UserPerson, UserCompany, UserApiKey or UserPaymentServiceProvider object.`,
    );
  }
}

function anchored(
  value: z.infer<typeof userApiKeySchema>['requested_by_user'],
): z.infer<typeof userObjectSchema> | null {
  if (value === null || value === undefined) return null;
  return value.UserPerson ?? value.UserCompany ?? value.UserPaymentServiceProvider ?? null;
}
