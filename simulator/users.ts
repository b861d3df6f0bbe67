/**
 * The simulator's users: created through the control API (there is no bunq endpoint that creates one), found
 * by API key when a device or session is registered, and rendered the way the session answer shows them.
 */
import {
  type CreateUserInput,
  DEFAULT_SESSION_TIMEOUT_SECONDS,
  type SimUser,
  type SimUserKind,
} from './model';
import { BunqProtocolError, randomToken } from './protocol';
import type { SimContext } from './resource';

export class UserRegistry {
  private readonly users = new Map<number, SimUser>();
  private readonly byKey = new Map<string, SimUser>();
  /** API keys that exist but do not work yet (a provisioned user's access token before the exchange). */
  private readonly unissued = new Set<string>();
  /** Partner id → the ids of the UserApiKeys it requested (its provisioned users). */
  private readonly members = new Map<number, Set<number>>();

  constructor(private readonly context: SimContext) {}

  /** Creates a user with an API key. For `UserApiKey`, two anchored users are created as well. */
  create(input: CreateUserInput = {}): SimUser {
    const kind: SimUserKind = input.kind ?? 'UserPerson';
    if (input.partner === true && kind !== 'UserCompany') {
      throw new BunqProtocolError(400, 'Only a UserCompany can be a partner.');
    }
    const timeout =
      input.sessionTimeoutSeconds ??
      this.context.options.sessionTimeoutSeconds ??
      DEFAULT_SESSION_TIMEOUT_SECONDS;
    const apiKey = input.apiKey ?? `sim_${randomToken(32)}`;
    if (this.byKey.has(apiKey)) {
      throw new BunqProtocolError(400, 'A user with this API key exists already.');
    }
    const anchored = kind === 'UserApiKey';
    const user: SimUser = {
      id: this.context.next('user'),
      kind,
      apiKey,
      sessionTimeoutSeconds: timeout,
      created: this.context.time(),
      monetaryAccountIds: input.monetaryAccountIds ?? [this.context.next('account')],
      requestedByUserId: anchored ? (input.requestedByUserId ?? this.context.next('user')) : null,
      grantedByUserId: anchored ? (input.grantedByUserId ?? this.context.next('user')) : null,
      partner:
        input.partner === true
          ? {
              id: this.context.next('oauth-client'),
              clientId: randomToken(32),
              clientSecret: randomToken(32),
              redirectUri: 'https://partner.invalid/oauth/callback',
            }
          : null,
    };
    this.users.set(user.id, user);
    this.byKey.set(apiKey, user);
    if (input.apiKeyIssued === false) this.unissued.add(apiKey);
    if (user.requestedByUserId !== null && this.users.get(user.requestedByUserId)?.partner) {
      const members = this.members.get(user.requestedByUserId) ?? new Set<number>();
      members.add(user.id);
      this.members.set(user.requestedByUserId, members);
    }
    return user;
  }

  list(): SimUser[] {
    return [...this.users.values()];
  }

  has(userId: number): boolean {
    return this.users.has(userId);
  }

  /** The user, or 404 naming the id. */
  require(userId: number): SimUser {
    const user = this.users.get(userId);
    if (user === undefined) throw new BunqProtocolError(404, `No simulator user ${userId}.`);
    return user;
  }

  /** Makes a key created with `apiKeyIssued: false` work. */
  issue(apiKey: string): void {
    this.unissued.delete(apiKey);
  }

  /** The partner whose provisioned user this is, or null. */
  partnerOf(userId: number): number | null {
    const requestedBy = this.users.get(userId)?.requestedByUserId ?? null;
    return requestedBy !== null && this.members.get(requestedBy)?.has(userId) ? requestedBy : null;
  }

  /** The user owning the API key (the `secret` of device-server and session-server), or bunq's 400. */
  byApiKey(secret: unknown): SimUser {
    const user = typeof secret === 'string' ? this.byKey.get(secret) : undefined;
    if (typeof secret !== 'string' || user === undefined || this.unissued.has(secret)) {
      throw new BunqProtocolError(400, 'User credentials are incorrect. Incorrect API key or IP address.');
    }
    return user;
  }
}

/** The user object of the session answer: `{"UserPerson": {...}}`, or a UserApiKey with its two anchors. */
export function userJson(user: SimUser): Record<string, unknown> {
  const person = (id: number, kind: 'UserPerson' | 'UserCompany') => ({
    id,
    created: user.created,
    updated: user.created,
    status: 'ACTIVE',
    display_name: `Simulated ${kind === 'UserPerson' ? 'person' : 'company'} ${id}`,
    public_nick_name: `Simulated ${id}`,
    session_timeout: user.sessionTimeoutSeconds,
  });
  if (user.kind === 'UserPaymentServiceProvider') {
    // A PSD2 provider's own user (bunq's spec: `UserPaymentServiceProvider` in the session answer).
    const { status: _status, public_nick_name: _nick, ...provider } = person(user.id, 'UserCompany');
    return { UserPaymentServiceProvider: { ...provider, display_name: `Simulated provider ${user.id}` } };
  }
  if (user.kind !== 'UserApiKey') return { [user.kind]: person(user.id, user.kind) };
  return {
    UserApiKey: {
      id: user.id,
      created: user.created,
      updated: user.created,
      requested_by_user: { UserCompany: person(user.requestedByUserId ?? 0, 'UserCompany') },
      granted_by_user: { UserPerson: person(user.grantedByUserId ?? 0, 'UserPerson') },
    },
  };
}
