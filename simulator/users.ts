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

  constructor(private readonly context: SimContext) {}

  /** Creates a user with an API key. For `UserApiKey`, two anchored users are created as well. */
  create(input: CreateUserInput = {}): SimUser {
    const kind: SimUserKind = input.kind ?? 'UserPerson';
    const timeout =
      input.sessionTimeoutSeconds ??
      this.context.options.sessionTimeoutSeconds ??
      DEFAULT_SESSION_TIMEOUT_SECONDS;
    const apiKey = input.apiKey ?? `sim_${randomToken(32)}`;
    if ([...this.users.values()].some((user) => user.apiKey === apiKey)) {
      throw new BunqProtocolError(400, 'A user with this API key exists already.');
    }
    const user: SimUser = {
      id: this.context.next('user'),
      kind,
      apiKey,
      sessionTimeoutSeconds: timeout,
      created: this.context.time(),
      monetaryAccountIds: input.monetaryAccountIds ?? [this.context.next('account')],
      requestedByUserId: kind === 'UserApiKey' ? this.context.next('user') : null,
      grantedByUserId: kind === 'UserApiKey' ? this.context.next('user') : null,
    };
    this.users.set(user.id, user);
    return user;
  }

  list(): SimUser[] {
    return [...this.users.values()];
  }

  /** The user, or 404 naming the id. */
  require(userId: number): SimUser {
    const user = this.users.get(userId);
    if (user === undefined) throw new BunqProtocolError(404, `No simulator user ${userId}.`);
    return user;
  }

  /** The user owning the API key (the `secret` of device-server and session-server), or bunq's 400. */
  byApiKey(secret: unknown): SimUser {
    const user = [...this.users.values()].find((candidate) => candidate.apiKey === secret);
    if (typeof secret !== 'string' || user === undefined) {
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
