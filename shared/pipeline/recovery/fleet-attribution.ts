/**
 * The failure poller for a partner's fleet. bunq's partner API says the `userId` of
 * notification-filter-failure "should be the UserCompany.id of the partner: the response will include failed
 * notifications for all underlying provisioned users" (`partner-api-swagger.yaml`), and the partner's retry
 * POST takes their ids. So the poller runs as the partner, as it does for one user: one listing, one attempt
 * store, chunks of at most 100 ids. What the fleet adds is knowing whose failure each one is, for the log
 * and the report: a failure record names no user, but the filter it failed on does, since every provisioned
 * user's filters point at its own URL `/callbacks/{token}/u/{userId}` (bunq lists the filter's target on the
 * failure, or nothing once that filter is deleted).
 *
 * {@link attributingFailuresApi} wraps the poller's bunq API so the core stays as it is.
 */
import type { NotificationFilterFailure } from '../../bunq/api/schemas';
import type { BunqFailuresApi } from './ports';

/** The `/u/{userId}` segment of a per-user callback URL (the ingest reads the same segment). */
const USER_SEGMENT = /\/u\/(\d+)(?=$|[/?#])/;

/** The provisioned user a target of ours is for, or null (not ours, or no user segment). */
export function userIdOfTarget(target: string, owns: (target: string) => boolean): number | null {
  if (!owns(target)) return null;
  const match = USER_SEGMENT.exec(target);
  const userId = match === null ? Number.NaN : Number(match[1]);
  return Number.isSafeInteger(userId) && userId > 0 ? userId : null;
}

/** The targets a failure record names: its filters' targets, and the top-level one bunq's partner example shows. */
function targetsOf(failure: NotificationFilterFailure): string[] {
  const top = (failure as { notification_target?: unknown }).notification_target;
  return [
    ...(typeof top === 'string' ? [top] : []),
    ...(failure.notification_filters ?? []).flatMap((filter) =>
      typeof filter.notification_target === 'string' ? [filter.notification_target] : [],
    ),
  ];
}

/** The provisioned user of one failure, or null when no target of ours names one. */
export function attributeFailure(
  failure: NotificationFilterFailure,
  owns: (target: string) => boolean,
): number | null {
  for (const target of targetsOf(failure)) {
    const userId = userIdOfTarget(target, owns);
    if (userId !== null) return userId;
  }
  return null;
}

/** The failures of one listing by provisioned user; the rest (the partner's own, or a deleted filter's) apart. */
export interface FleetFailureAttribution {
  readonly byUser: ReadonlyMap<number, readonly NotificationFilterFailure[]>;
  readonly unattributed: readonly NotificationFilterFailure[];
}

export function attributeFailures(
  failures: readonly NotificationFilterFailure[],
  owns: (target: string) => boolean,
): FleetFailureAttribution {
  const byUser = new Map<number, NotificationFilterFailure[]>();
  const unattributed: NotificationFilterFailure[] = [];
  for (const failure of failures) {
    const userId = attributeFailure(failure, owns);
    if (userId === null) unattributed.push(failure);
    else byUser.set(userId, [...(byUser.get(userId) ?? []), failure]);
  }
  return { byUser, unattributed };
}

export interface AttributingOptions {
  /** Whether a target is ours (under our callback base URL). */
  readonly owns: (target: string) => boolean;
  /** Told after every listing: the partner's id and whose failures they are. */
  readonly onListed: (partnerUserId: number, attribution: FleetFailureAttribution) => void;
}

/**
 * The poller's bunq API, listing as before (once, as the partner) and telling `onListed` whose failures it
 * found. Nothing else changes: retries go to the partner's retry POST, attempts are kept per partner.
 */
export function attributingFailuresApi(api: BunqFailuresApi, options: AttributingOptions): BunqFailuresApi {
  return {
    getUserId: () => api.getUserId(),
    retryNotificationFilterFailures: (userId, ids) => api.retryNotificationFilterFailures(userId, ids),
    async listNotificationFilterFailures(userId) {
      const failures = await api.listNotificationFilterFailures(userId);
      options.onListed(userId, attributeFailures(failures, options.owns));
      return failures;
    },
  };
}

/** Users named one by one in a log line at most (a fleet can have thousands with failures). */
const USERS_IN_SUMMARY = 50;

/** One line per listing for the log: how many failures per provisioned user (ids only, never a URL). */
export function attributionSummary(attribution: FleetFailureAttribution): Record<string, unknown> {
  const users = [...attribution.byUser].sort((a, b) => b[1].length - a[1].length);
  return {
    users: attribution.byUser.size,
    failures: users.reduce((sum, [, failures]) => sum + failures.length, 0),
    unattributed: attribution.unattributed.length,
    byUser: Object.fromEntries(
      users.slice(0, USERS_IN_SUMMARY).map(([userId, failures]) => [userId, failures.length]),
    ),
  };
}
