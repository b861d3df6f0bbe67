/**
 * Reading a `PARTNER_USER_PROVISION` callback for onboarding, at the ingest, from plain bytes. bunq reports a
 * provision's progress with this callback; once the provision is `ACTIVE` and its OAuth request `ACCEPTED`,
 * `oauth_request.authorization_code` is what the partner exchanges for the user's access token (partner API,
 * `partner-api-swagger.yaml`, PartnerUserProvision).
 *
 * The code, and the provision's `credential.token_value`, are payload secrets. With partner onboarding on,
 * the ingest takes the code out into an {@link OnboardingJob} for the onboarding queue and masks both in the
 * body, so no callback queue message, event, archive entry or team target holds them (the rule the callback
 * token follows, docs/SECURITY.md). Plain JSON checks, no schema library: this runs on the ingest's hot path,
 * and only for bodies that name the category.
 */
import { replaceAll } from '../ingest/token-marker';
import type { QueueMessage } from '../ports';

/** The category whose callbacks carry a provision. */
export const PROVISION_CATEGORY = 'PARTNER_USER_PROVISION';
/** What replaces a payload secret in a stored body. */
export const PAYLOAD_SECRET_MARKER = '{masked}';

/** What the onboarding needs from one provision callback. */
export interface OnboardingJob {
  /** The `PartnerUserProvision` id. */
  readonly provisionId: number;
  /** The provision's `status`, e.g. `ACTIVE`. */
  readonly provisionStatus: string | null;
  /** The OAuth request's `status`, e.g. `ACCEPTED`. */
  readonly oauthStatus: string | null;
  /** The OAuth authorization code; null before the user accepted. A secret. */
  readonly authorizationCode: string | null;
  /** The OAuth request's `callback_url`: the `redirect_uri` the token exchange must repeat. */
  readonly redirectUri: string | null;
  /** The provision's `updated`, as bunq sent it. */
  readonly updated: string | null;
  /** When the ingest received the callback (RFC 3339). */
  readonly receivedAt: string;
}

/** Whether a provision callback is the one to onboard from: active, with an accepted OAuth request. */
export function isActivation(job: OnboardingJob): boolean {
  return job.provisionStatus === 'ACTIVE' && job.oauthStatus === 'ACCEPTED' && job.authorizationCode !== null;
}

const CATEGORY_BYTES = Buffer.from(PROVISION_CATEGORY, 'utf8');
const MARKER_BYTES = Buffer.from(PAYLOAD_SECRET_MARKER, 'utf8');

const record = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The provision object of a callback body, or null when the body is not a provision callback. */
function provisionOf(body: Buffer): Record<string, unknown> | null {
  // Most bodies never name the category: no parse for them.
  if (!body.includes(CATEGORY_BYTES)) return null;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return null; // Not JSON: the normalizer parks it with its reason.
  }
  const notification = record(record(json)?.NotificationUrl);
  if (notification?.category !== PROVISION_CATEGORY) return null;
  return record(record(notification.object)?.PartnerUserProvision);
}

/** The bytes a secret value appears as in the body: verbatim, and JSON-escaped when that differs. */
function encodings(value: string): Buffer[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return [...new Set([value, escaped])].map((form) => Buffer.from(form, 'utf8'));
}

export interface ReadProvision {
  /** The body with the code and `credential.token_value` replaced by {@link PAYLOAD_SECRET_MARKER}. */
  readonly masked: Buffer;
  /** What the onboarding needs; null when the provision has no usable id. */
  readonly job: OnboardingJob | null;
}

/**
 * Reads a provision callback and masks its secrets; null when the body is not one (it is then kept as is).
 * The mask is a byte replace of each secret's value wherever it appears (the code also sits in
 * `redirect_url`), so the rest of the body stays byte-exact.
 */
export function readProvisionCallback(body: Buffer, receivedAt: string): ReadProvision | null {
  const provision = provisionOf(body);
  if (provision === null) return null;
  const oauth = record(provision.oauth_request);
  const code = text(oauth?.authorization_code);
  const secrets = [code, text(record(provision.credential)?.token_value)].filter(
    (value): value is string => value !== null,
  );
  let masked = body;
  // Longest first, so a secret containing another is replaced whole.
  for (const secret of secrets.sort((a, b) => b.length - a.length)) {
    for (const form of encodings(secret)) masked = replaceAll(masked, form, MARKER_BYTES);
  }
  const id = provision.id;
  const job: OnboardingJob | null =
    typeof id === 'number' && Number.isSafeInteger(id) && id > 0
      ? {
          provisionId: id,
          provisionStatus: text(provision.status),
          oauthStatus: text(oauth?.status),
          authorizationCode: code,
          redirectUri: text(oauth?.callback_url),
          updated: text(provision.updated),
          receivedAt,
        }
      : null;
  return { masked, job };
}

/** The onboarding queue's message for a job: its JSON (read back by `decodeOnboardingJob`). */
export function encodeOnboardingJob(job: OnboardingJob): QueueMessage {
  return { body: JSON.stringify(job), attributes: {} };
}
