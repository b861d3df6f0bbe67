/**
 * bunq's URL notification filters, per user (`/user/{u}/notification-filter-url`) and per monetary account
 * (`/user/{u}/monetary-account/{m}/notification-filter-url`). A POST replaces the whole set of its scope,
 * which is why one integration can silently remove another's filters. At most 2 URLs per category.
 */
import type { AccountRegistry } from './accounts';
import type { SimFilter, SimFilterInput } from './model';
import { BunqProtocolError, successBody } from './protocol';
import { isRecord, jsonBody, type Route, type RouteContext, type SimContext } from './resource';
import type { SessionRegistry } from './sessions';
import type { UserRegistry } from './users';

export class NotificationFilterStore {
  /** User id → scope (null: user level; else the account id) → that scope's set. */
  private readonly filters = new Map<number, Map<number | null, SimFilter[]>>();

  constructor(
    private readonly context: SimContext,
    private readonly users: UserRegistry,
    private readonly sessions: SessionRegistry,
    private readonly accounts: AccountRegistry,
  ) {}

  routes(): Route[] {
    return [
      {
        pattern: /^\/user\/(\d+)\/notification-filter-url$/,
        methods: { GET: (c) => this.getFilters(c, null), POST: (c) => this.postFilters(c, null) },
      },
      {
        pattern: /^\/user\/(\d+)\/monetary-account\/(\d+)\/notification-filter-url$/,
        methods: {
          GET: (c) => this.getFilters(c, Number(c.params[1])),
          POST: (c) => this.postFilters(c, Number(c.params[1])),
        },
      },
    ];
  }

  /** Replaces the user-level filters (and account-level ones for the accounts named) of a user. */
  set(userId: number, filters: readonly SimFilterInput[]): SimFilter[] {
    this.users.require(userId);
    const byScope = new Map<number | null, SimFilterInput[]>([[null, []]]);
    for (const filter of filters) {
      const scope = filter.monetaryAccountId ?? null;
      byScope.set(scope, [...(byScope.get(scope) ?? []), filter]);
    }
    for (const [scope, group] of byScope) this.replace(userId, scope, group);
    return this.all(userId);
  }

  /** Replaces one scope's set with `filters` (bunq's POST semantics), leaving other scopes alone. */
  clobber(
    userId: number,
    filters: ReadonlyArray<Omit<SimFilterInput, 'monetaryAccountId'>>,
    monetaryAccountId: number | null,
  ): SimFilter[] {
    this.users.require(userId);
    return this.replace(
      userId,
      monetaryAccountId,
      filters.map((filter) => ({ ...filter, monetaryAccountId })),
    );
  }

  /** Every filter of the user, user-level and account-level. */
  all(userId: number): SimFilter[] {
    return [...(this.filters.get(userId)?.values() ?? [])].flat();
  }

  private getFilters(context: RouteContext, monetaryAccountId: number | null): unknown {
    const userId = this.sessions.authorize(context);
    if (monetaryAccountId !== null) this.accounts.requireAccount(userId, monetaryAccountId);
    return successBody(this.scope(userId, monetaryAccountId).map((filter) => filterJson(filter)));
  }

  private postFilters(context: RouteContext, monetaryAccountId: number | null): unknown {
    const userId = this.sessions.authorize(context);
    if (monetaryAccountId !== null) this.accounts.requireAccount(userId, monetaryAccountId);
    const body = jsonBody(context.request, ['notification_filters']);
    if (!Array.isArray(body.notification_filters)) {
      throw new BunqProtocolError(400, 'The field "notification_filters" must be a list.');
    }
    const inputs = body.notification_filters.map((entry: unknown, index: number): SimFilterInput => {
      const item = isRecord(entry) ? entry : {};
      if (typeof item.category !== 'string' || item.category === '') {
        throw new BunqProtocolError(400, `notification_filters[${index}].category is required.`);
      }
      if (typeof item.notification_target !== 'string' || !this.isTargetUrl(item.notification_target)) {
        throw new BunqProtocolError(
          400,
          `notification_filters[${index}].notification_target must be an ${this.context.options.requireHttpsTargets ? 'https' : 'http(s)'} URL.`,
        );
      }
      return { category: item.category, notification_target: item.notification_target, monetaryAccountId };
    });
    const written = this.replace(userId, monetaryAccountId, inputs);
    return successBody(written.map((filter) => filterJson(filter)));
  }

  private isTargetUrl(value: string): boolean {
    try {
      const url = new URL(value);
      return (
        url.protocol === 'https:' || (!this.context.options.requireHttpsTargets && url.protocol === 'http:')
      );
    } catch {
      return false;
    }
  }

  private scope(userId: number, monetaryAccountId: number | null): SimFilter[] {
    return this.filters.get(userId)?.get(monetaryAccountId) ?? [];
  }

  private replace(
    userId: number,
    monetaryAccountId: number | null,
    inputs: readonly SimFilterInput[],
  ): SimFilter[] {
    const perCategory = new Map<string, Set<string>>();
    for (const input of inputs) {
      const targets = perCategory.get(input.category) ?? new Set<string>();
      targets.add(input.notification_target);
      perCategory.set(input.category, targets);
      if (targets.size > 2) {
        throw new BunqProtocolError(
          400,
          `At most 2 callback URLs are allowed per category (${input.category}).`,
        );
      }
    }
    const created = this.context.time();
    const written = inputs.map((input) => ({
      id: this.context.next('filter'),
      userId,
      monetaryAccountId,
      category: input.category,
      target: input.notification_target,
      created,
    }));
    const scopes = this.filters.get(userId) ?? new Map<number | null, SimFilter[]>();
    scopes.set(monetaryAccountId, written);
    this.filters.set(userId, scopes);
    return written;
  }
}

function filterJson(filter: SimFilter): Record<string, unknown> {
  return {
    NotificationFilterUrl: {
      id: filter.id,
      created: filter.created,
      updated: filter.created,
      category: filter.category,
      notification_target: filter.target,
    },
  };
}
