/**
 * Onboarding one provisioned user from its activation callback, over ports and without Lambda types:
 * exchange the OAuth code for the user's access token (once: it is stored before anything else, since a
 * code works only once), open the user's bunq context on it, register our notification filters for the
 * configured categories with `register`'s read-merge-write (everyone else's filters kept as they are), and
 * record the user in the fleet registry.
 *
 * Idempotent: bunq repeats the callback, and the queue redelivers after a failure. A repeat finds the stored
 * credentials (no second exchange) and, once the registry says the filters are registered for the same
 * categories, makes no bunq call and no write at all. A failure throws an {@link OnboardingError} naming the
 * step; the caller counts it and lets the queue retry.
 */

import type { FleetCredentialStore } from '../../fleet/credentials';
import { type FleetEntry, type FleetRegistry, sameFleetEntry } from '../../fleet/registry';
import { repairedFilterSet } from '../reconcile/filter-drift';
import {
  type CallbackTarget,
  type OAuthTokenExchange,
  ownsUnder,
  type ProvisionedUserApiFactory,
  userCallbackUrl,
} from './ports';
import { isActivation, type OnboardingJob } from './provision';

/** The steps of an onboarding, as the `step` of an {@link OnboardingError} (a bounded metric dimension). */
export const ONBOARDING_STEPS = [
  'token-exchange',
  'store-credentials',
  'open-session',
  'registry',
  'filters',
] as const;
export type OnboardingStep = (typeof ONBOARDING_STEPS)[number];

/** An onboarding that failed at `step`; the cause is kept (bunq's errors carry no secrets). */
export class OnboardingError extends Error {
  override readonly name = 'OnboardingError';
  constructor(
    readonly step: OnboardingStep,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** bunq's limit of callback URLs per category (bunq's API docs: 2 per notification category). */
const MAX_URLS_PER_CATEGORY = 2;

export interface OnboardingDependencies {
  readonly exchange: OAuthTokenExchange;
  readonly credentials: FleetCredentialStore;
  readonly userApi: ProvisionedUserApiFactory;
  readonly registry: FleetRegistry;
  readonly target: CallbackTarget;
  /** The categories to register for every provisioned user (user level). */
  readonly categories: readonly string[];
  /** The reconciler's cursor key of a user, recorded in its entry. @default none (null) */
  readonly cursorRef?: (userId: number) => string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export type OnboardingOutcome =
  /** Not an activation (not active yet, or no accepted OAuth request): nothing to do. */
  | { readonly status: 'not-active'; readonly provisionId: number }
  /** Already onboarded with these categories: nothing called, nothing written. */
  | { readonly status: 'unchanged'; readonly provisionId: number; readonly userId: number }
  | {
      readonly status: 'onboarded';
      readonly provisionId: number;
      readonly userId: number;
      /** Whether the code was exchanged now (false when a retry found the stored token). */
      readonly exchanged: boolean;
      /** Whether the filters were written (false when bunq already had exactly ours). */
      readonly wroteFilters: boolean;
    };

async function step<T>(name: OnboardingStep, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OnboardingError) throw error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new OnboardingError(name, `${what} failed (${reason})`, { cause: error });
  }
}

const filterKey = (filter: { category: string; notification_target?: string | null }): string =>
  `${filter.category}\u0000${filter.notification_target ?? ''}`;
const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\u0001') === [...b].sort().join('\u0001');

export async function onboardProvisionedUser(
  job: OnboardingJob,
  deps: OnboardingDependencies,
): Promise<OnboardingOutcome> {
  const { provisionId } = job;
  if (!isActivation(job)) return { status: 'not-active', provisionId };
  const now = deps.now ?? (() => new Date());
  const categories = [...new Set(deps.categories)];

  const ref = deps.credentials.refFor(provisionId);
  const stored = await step('store-credentials', 'reading the stored credentials', () =>
    deps.credentials.exists(ref),
  );
  if (!stored) {
    const accessToken = await step(
      'token-exchange',
      `the OAuth token exchange of provision ${provisionId}`,
      () => deps.exchange.exchange({ code: job.authorizationCode as string, redirectUri: job.redirectUri }),
    );
    await step('store-credentials', 'storing the access token', () =>
      deps.credentials.create(ref, accessToken),
    );
  }

  const api = deps.userApi(deps.credentials.stateStore(ref));
  const userId = await step('open-session', `opening the bunq session of provision ${provisionId}`, () =>
    api.getUserId(),
  );
  const existing = await step('registry', `reading the registry entry of user ${userId}`, () =>
    deps.registry.get(userId),
  );
  const at = now().toISOString();
  const entry = (filterState: FleetEntry['filterState']): FleetEntry => ({
    userId,
    provisionId,
    credentialsRef: ref,
    categories,
    filterState,
    reconcileCursorRef: deps.cursorRef?.(userId) ?? null,
    onboardedAt: existing?.onboardedAt ?? at,
    updatedAt: at,
  });
  if (existing !== null && sameFleetEntry(existing, entry('registered'))) {
    return { status: 'unchanged', provisionId, userId };
  }
  if (existing === null) {
    // Recorded before the filters, so a user whose filters fail is visible in the registry.
    await step('registry', `recording user ${userId}`, () => deps.registry.put(entry('pending')));
  }

  const wroteFilters = await step('filters', `registering the filters of user ${userId}`, async () => {
    try {
      return await registerFilters();
    } catch (error) {
      // Best effort: the entry shows the failure; the error is what the caller counts and retries.
      await deps.registry.put(entry('failed')).catch(() => undefined);
      throw error;
    }
  });
  await step('registry', `recording user ${userId}`, () => deps.registry.put(entry('registered')));
  return { status: 'onboarded', provisionId, userId, exchanged: !stored, wroteFilters };

  async function registerFilters(): Promise<boolean> {
    const token = await deps.target.currentToken();
    const target = userCallbackUrl(deps.target.baseUrl, token, userId);
    const owns = ownsUnder(deps.target.baseUrl);
    const current = await api.getNotificationFilterUrls(userId);
    const wanted = repairedFilterSet(current, { target, owns, scopes: [] }, categories);
    const have = current.filter((filter) => typeof filter.notification_target === 'string').map(filterKey);
    if (sameSet(have, wanted.map(filterKey))) return false;
    const over = [...new Set(wanted.map((filter) => filter.category))].filter(
      (category) =>
        new Set(wanted.filter((f) => f.category === category).map((f) => f.notification_target)).size >
        MAX_URLS_PER_CATEGORY,
    );
    if (over.length > 0) {
      throw new OnboardingError(
        'filters',
        `user ${userId} already has ${MAX_URLS_PER_CATEGORY} other callback URLs for ${over.join(', ')}; bunq allows ${MAX_URLS_PER_CATEGORY} per category. Nothing was written.`,
      );
    }
    const answer = await api.setNotificationFilterUrls(userId, wanted);
    if (!sameSet(answer.map(filterKey), wanted.map(filterKey))) {
      throw new OnboardingError(
        'filters',
        `bunq accepted the filters of user ${userId} but answered ${answer.length} filters where ${wanted.length} were written`,
      );
    }
    return true;
  }
}
