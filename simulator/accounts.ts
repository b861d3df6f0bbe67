/**
 * The users' monetary accounts, as far as an integration reads them: `GET /user/{u}/monetary-account-bank`
 * and `GET /user/{u}/monetary-account` (listings; bunq's spec: "Currently the only MonetaryAccount type is
 * MonetaryAccountBank"), one account by id, and the 404 bunq answers for an account the user does not have
 * (also on the account-level notification filter paths).
 */
import type { SimUser } from './model';
import { BunqProtocolError, successBody } from './protocol';
import { paginate, type Route, type RouteContext, type SimContext } from './resource';
import type { SessionRegistry } from './sessions';
import type { UserRegistry } from './users';

export class AccountRegistry {
  constructor(
    private readonly context: SimContext,
    private readonly users: UserRegistry,
    private readonly sessions: SessionRegistry,
  ) {}

  routes(): Route[] {
    return [
      {
        pattern: /^\/user\/(\d+)\/(monetary-account-bank|monetary-account)$/,
        methods: { GET: (c) => this.list(c) },
      },
      {
        pattern: /^\/user\/(\d+)\/(monetary-account-bank|monetary-account)\/(\d+)$/,
        methods: { GET: (c) => this.get(c) },
      },
    ];
  }

  /**
   * 404 unless the user has the account. With `strictMonetaryAccounts: false` any account id is accepted
   * (for callers that make ids up).
   */
  requireAccount(userId: number, monetaryAccountId: number): void {
    if (this.context.options.strictMonetaryAccounts === false) return;
    if (!this.users.require(userId).monetaryAccountIds.includes(monetaryAccountId)) {
      throw new BunqProtocolError(404, 'MonetaryAccount not found.');
    }
  }

  private list(context: RouteContext): unknown {
    const userId = this.sessions.authorize(context);
    const user = this.users.require(userId);
    const accounts = [...user.monetaryAccountIds].sort((a, b) => b - a).map((id) => ({ id }));
    const { page, pagination } = paginate(accounts, context.query, `/v1/user/${userId}/${context.params[1]}`);
    return successBody(
      page.map(({ id }) => ({ MonetaryAccountBank: accountJson(user, id) })),
      pagination,
    );
  }

  private get(context: RouteContext): unknown {
    const userId = this.sessions.authorize(context);
    const id = Number(context.params[2]);
    const user = this.users.require(userId);
    if (!user.monetaryAccountIds.includes(id)) throw new BunqProtocolError(404, 'MonetaryAccount not found.');
    return successBody([{ MonetaryAccountBank: accountJson(user, id) }]);
  }
}

/** The `MonetaryAccountBankListing` fields an integration reads. */
function accountJson(user: SimUser, id: number): Record<string, unknown> {
  const iban = `NL00SIMU${String(id).padStart(10, '0')}`;
  return {
    id,
    created: user.created,
    updated: user.created,
    currency: 'EUR',
    description: `Simulated account ${id}`,
    daily_limit: { value: '1000.00', currency: 'EUR' },
    balance: { value: '0.00', currency: 'EUR' },
    alias: [{ type: 'IBAN', value: iban, name: `Simulated ${user.id}` }],
    status: 'ACTIVE',
    sub_status: 'NONE',
    user_id: user.id,
    display_name: `Simulated ${user.id}`,
    setting: {
      color: '#FE2851',
      default_avatar_status: 'AVATAR_DEFAULT',
      restriction_chat: 'ALLOW_INCOMING',
    },
  };
}
