/**
 * Contract 2: the event teams receive. One EventBridge event per distinct callback, `detail-type` = the
 * callback's category verbatim, `source` = the configured source (default `bunq`).
 *
 * This schema is the source of the published types; consumers may import {@link CallbackEventDetail}.
 */
import { z } from 'zod';
import { amountSchema } from '../bunq/amount';

const rfc3339 = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'an RFC 3339 UTC time');

export const callbackEventDetailSchema = z.object({
  /** bunq `category`, e.g. `MUTATION`; an open set. */
  category: z.string(),
  /** bunq `event_type`, e.g. `MUTATION_RECEIVED`; null when bunq sent none. */
  eventType: z.string().nullable(),
  /** The key under `object`, e.g. `Payment`. */
  objectType: z.string(),
  /** The object's `id`, or null when it has none. */
  objectId: z.union([z.number(), z.string()]).nullable(),
  /** The monetary account the object belongs to, or null. */
  monetaryAccountId: z.number().nullable(),
  /** The object's primary amount (see `PRIMARY_AMOUNT_PATHS`), value as an exact decimal string. */
  amount: amountSchema.nullable(),
  /** bunq `created`, RFC 3339 UTC with bunq's microseconds, or null. */
  createdAt: rfc3339.nullable(),
  /** bunq `updated`, RFC 3339 UTC with bunq's microseconds, or null. */
  updatedAt: rfc3339.nullable(),
  /** When the endpoint received the callback (RFC 3339). */
  receivedAt: z.string(),
  /** Stable for the same callback however often it is delivered. */
  dedupKey: z.string(),
  /**
   * The bunq object exactly as received; null when it was too large for an event, and `objectRef` says
   * where it is stored instead (fetch it with `resolveCallbackObject`).
   */
  object: z.record(z.string(), z.unknown()).nullable(),
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
    .nullable(),
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
