/**
 * Contract 2: the event teams receive. One EventBridge event per distinct callback, `detail-type` = the
 * callback's category verbatim, `source` = the configured source (default `bunq`).
 *
 * This schema is the source of the published types; consumers may import {@link CallbackEventDetail}.
 */
import * as z from 'zod';
import { amountSchema } from '../bunq/callback/amount';

/** Which way money moved for `monetaryAccountId`: from the primary amount's sign, where money moves. */
export const directionSchema = z.enum(['CREDIT', 'DEBIT']).meta({
  id: 'Direction',
  description: 'CREDIT: money came into the account; DEBIT: money left it (from the sign of the amount).',
});

/** The other party of the object: an account (IBAN) and/or a name. */
export const counterpartySchema = z
  .object({
    /** The counterparty's IBAN, or null (cards, users, or none given). */
    iban: z.string().nullable(),
    /** The name bunq shows for the counterparty, or null. */
    displayName: z.string().nullable(),
  })
  .meta({ id: 'Counterparty', description: 'The other party: IBAN and display name, either may be null.' });

/**
 * Whether `object` matched the schema of its `objectType`: MATCHED (the typed fields are read from it),
 * MISMATCH (a known type that does not match: typed fields null, counted in the `SchemaMismatch` metric),
 * UNKNOWN (an object type without a schema: typed fields null except a top-level `amount`).
 */
export const objectSchemaStatusSchema = z.enum(['MATCHED', 'MISMATCH', 'UNKNOWN']).meta({
  id: 'ObjectSchemaStatus',
  description:
    'MATCHED: typed fields read from the object; MISMATCH: known type, unexpected shape; UNKNOWN: no schema.',
});

/** How a callback bunq did not deliver on its own was recovered. */
export const recoveredBySchema = z.enum(['failure-retry', 'reconciliation']).meta({
  id: 'RecoveredBy',
  description:
    "failure-retry: re-sent by bunq at the failure poller's request; reconciliation: rebuilt from bunq's event listing.",
});
export type RecoveredBy = z.infer<typeof recoveredBySchema>;

const rfc3339 = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'an RFC 3339 UTC time');

export const callbackEventDetailSchema = z.object({
  /** bunq `category`, e.g. `MUTATION`; an open set. */
  category: z.string().describe('The bunq category, verbatim (also the detail-type).'),
  /** bunq `event_type`, e.g. `MUTATION_RECEIVED`; null when bunq sent none. */
  eventType: z
    .string()
    .nullable()
    .describe('bunq event_type, e.g. MUTATION_RECEIVED; null when bunq sent none.'),
  /** The key under `object`, e.g. `Payment`. */
  objectType: z.string().describe('The key under NotificationUrl.object, e.g. Payment.'),
  /** The object's `id`, or null when it has none. */
  objectId: z
    .union([z.number(), z.string()])
    .nullable()
    .describe("The object's id, or null when it has none."),
  /**
   * The bunq user the callback belongs to: the provisioned user whose URL (`/callbacks/{token}/u/{userId}`)
   * bunq called; null when the URL does not say (`/callbacks/{token}`). Absent on events from before it.
   */
  userId: z
    .number()
    .int()
    .positive()
    .nullable()
    .optional()
    .describe(
      'The bunq user the callback belongs to (the provisioned user whose callback URL bunq called), or null when unknown.',
    ),
  /** The monetary account the object belongs to, or null. */
  monetaryAccountId: z.number().nullable().describe('The monetary account the object belongs to, or null.'),
  /**
   * The object's primary amount (see `PRIMARY_AMOUNT_PATHS`), value as an exact decimal string; null when it
   * has none or when the object does not match its type's schema (`objectSchema` MISMATCH).
   */
  amount: amountSchema
    .nullable()
    .describe(
      "The object's primary amount (documented per object type); null when it has none or objectSchema is MISMATCH.",
    ),
  /** CREDIT or DEBIT from the amount's sign, for object types where money moves; else null. */
  direction: directionSchema
    .nullable()
    .describe('CREDIT or DEBIT from the sign of amount, for object types where money moves; else null.'),
  /** The other party (see the event catalog per object type), or null. */
  counterparty: counterpartySchema.nullable().describe('The other party, or null.'),
  /** The object's description (payment description, message text, ...), or null. */
  description: z
    .string()
    .nullable()
    .describe("The object's description (payment description, message text, ...), or null."),
  /** The object's status as bunq sent it (e.g. `ACCEPTED`), or null. */
  status: z.string().nullable().describe("The object's status as bunq sent it (e.g. ACCEPTED), or null."),
  /** Whether the object matched its type's schema, so the typed fields above could be read. */
  objectSchema: objectSchemaStatusSchema,
  /** bunq `created`, RFC 3339 UTC with bunq's microseconds, or null. */
  createdAt: rfc3339.nullable().describe('bunq created, RFC 3339 UTC with microseconds, or null.'),
  /** bunq `updated`, RFC 3339 UTC with bunq's microseconds, or null. */
  updatedAt: rfc3339.nullable().describe('bunq updated, RFC 3339 UTC with microseconds, or null.'),
  /** When the endpoint received the callback (RFC 3339). */
  receivedAt: z.string().describe('When the endpoint received the callback (RFC 3339).'),
  /** Stable for the same callback however often it is delivered. */
  dedupKey: z.string().describe('Stable for the same callback however often it is delivered.'),
  /**
   * How the event got here when bunq did not deliver it on its own: `failure-retry` (the failure poller asked
   * bunq to send it again), `reconciliation` (bunq never sent it; rebuilt from bunq's event listing, see
   * docs/DELIVERY.md); null for a callback bunq delivered directly.
   */
  recoveredBy: recoveredBySchema
    .nullable()
    .describe(
      "failure-retry: bunq re-sent it at the failure poller's request; reconciliation: bunq never sent it, rebuilt from its event listing; null: delivered directly.",
    ),
  /**
   * The bunq object exactly as received; null when it was too large for an event, and `objectRef` says
   * where it is stored instead (fetch it with `resolveCallbackObject`).
   */
  object: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('The bunq object exactly as received; null when objectRef says where it is stored.'),
  /** Where an object too large for an event is stored (claim check); null when `object` is inline. */
  objectRef: z
    .object({
      /** `s3://<bucket>/<key>` in AWS, `file://<path>` in the local runtime. */
      uri: z.string(),
      /** Size of the stored JSON in bytes. */
      bytes: z.number().int().nonnegative(),
      /** SHA-256 (hex) of the stored bytes, to verify what was fetched. */
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .nullable()
    .describe('Where an object too large for an event is stored (claim check); null when object is inline.'),
});

export type CallbackEventDetail = z.infer<typeof callbackEventDetailSchema>;

/** An event as an EventBridge rule target receives it. */
export interface BusEvent<TDetail = unknown> {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** RFC 3339 without fractional seconds, as EventBridge writes it. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: TDetail;
}

/** The event a team's rule target receives for a callback. */
export type CallbackEvent = BusEvent<CallbackEventDetail>;
