/**
 * The callback body bunq sends: `{"NotificationUrl": {"target_url", "category", "event_type", "object":
 * {"<ObjectType>": {...}}}}`, with exactly one key under `object` (bunq's docs, "Callbacks"; the OpenAPI spec
 * has no schema for it). Categories, event types and object types are open sets.
 */
import * as z from 'zod';

export const notificationUrlSchema = z.looseObject({
  target_url: z.string().nullish(),
  category: z.string().min(1, 'category is missing'),
  event_type: z.string().min(1).nullish(),
  object: z.looseObject({}),
});

export const callbackEnvelopeSchema = z.looseObject({ NotificationUrl: notificationUrlSchema });

export interface ParsedEnvelope {
  readonly category: string;
  readonly eventType: string | null;
  readonly objectType: string;
  /** The object exactly as parsed from the body (the original value, not a copy made by validation). */
  readonly object: Record<string, unknown>;
}

export type EnvelopeResult = { ok: true; envelope: ParsedEnvelope } | { ok: false; problem: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Checks the envelope's shape and picks out the single object. `json` is the result of JSON.parse. */
export function readEnvelope(json: unknown): EnvelopeResult {
  const parsed = callbackEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return {
      ok: false,
      problem: `${where}: ${issue?.message ?? 'does not match the NotificationUrl envelope'}`,
    };
  }
  // Read the original values: validation may copy objects, and `object` must stay exactly as received.
  const notification = (json as { NotificationUrl: Record<string, unknown> }).NotificationUrl;
  const holder = notification.object as Record<string, unknown>;
  const keys = Object.keys(holder);
  if (keys.length !== 1) {
    return {
      ok: false,
      problem: `NotificationUrl.object: expected exactly one object type key, found ${keys.length}`,
    };
  }
  const objectType = keys[0] as string;
  const object = holder[objectType];
  if (!isRecord(object)) {
    return { ok: false, problem: `NotificationUrl.object.${objectType}: expected an object` };
  }
  return {
    ok: true,
    envelope: {
      category: parsed.data.NotificationUrl.category,
      eventType: parsed.data.NotificationUrl.event_type ?? null,
      objectType,
      object,
    },
  };
}
