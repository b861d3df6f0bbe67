/**
 * Zod schemas for what the client reads from bunq. bunq wraps every item in a type key
 * (`{"Response":[{"NotificationFilterFailure":{...}}]}`), adds fields over time and leaves many out: the
 * item schemas keep unknown fields (`looseObject`) and treat every field the client does not strictly
 * need as optional.
 */
import * as z from 'zod';

export const paginationSchema = z.looseObject({
  future_url: z.string().nullish(),
  newer_url: z.string().nullish(),
  older_url: z.string().nullish(),
});
export type BunqPagination = z.infer<typeof paginationSchema>;

/** `{"Response":[{"<Type>":{...}}, ...], "Pagination": {...}}` */
export const successEnvelopeSchema = z.looseObject({
  Response: z.array(z.record(z.string(), z.unknown())),
  Pagination: paginationSchema.nullish(),
});

/** `{"Error":[{"error_description":"...","error_description_translated":"..."}]}` */
export const errorEnvelopeSchema = z.looseObject({
  Error: z.array(
    z.looseObject({
      error_description: z.string().nullish(),
      error_description_translated: z.string().nullish(),
    }),
  ),
});

export const bunqIdSchema = z.looseObject({ id: z.number().int() });

export const tokenSchema = z.looseObject({
  id: z.number().int().nullish(),
  created: z.string().nullish(),
  updated: z.string().nullish(),
  token: z.string().min(1),
});

export const serverPublicKeySchema = z.looseObject({ server_public_key: z.string().min(1) });

/** The parts of UserPerson / UserCompany / UserPaymentServiceProvider the client uses. */
export const userObjectSchema = z.looseObject({
  id: z.number().int(),
  session_timeout: z.number().nullish(),
});

/** `requested_by_user` / `granted_by_user` of a UserApiKey: one type key around a user object. */
export const anchoredUserSchema = z.looseObject({
  UserPerson: userObjectSchema.optional(),
  UserCompany: userObjectSchema.optional(),
  UserPaymentServiceProvider: userObjectSchema.optional(),
});

export const userApiKeySchema = z.looseObject({
  id: z.number().int(),
  requested_by_user: anchoredUserSchema.nullish(),
  granted_by_user: anchoredUserSchema.nullish(),
});

/** One filter as it appears inside a failure record. */
export const notificationFilterSchema = z.looseObject({
  notification_delivery_method: z.string().nullish(),
  notification_target: z.string().nullish(),
  category: z.string().nullish(),
});
export type NotificationFilter = z.infer<typeof notificationFilterSchema>;

/**
 * A callback bunq gave up on (`NotificationFilterFailure`, listed by GET notification-filter-failure). `id`
 * is what a retry needs; it is missing from the public spec but present in the example of bunq's callback
 * docs and in the partner spec, so it is optional here and items without it are kept (they just cannot be
 * retried).
 */
export const notificationFilterFailureSchema = z.looseObject({
  id: z.number().int().nullish(),
  created: z.string().nullish(),
  updated: z.string().nullish(),
  category: z.string().nullish(),
  event_type: z.string().nullish(),
  object_id: z.number().int().nullish(),
  exception_message: z.string().nullish(),
  response_code: z.number().int().nullish(),
  notification_filters: z.array(notificationFilterSchema).nullish(),
});
export type NotificationFilterFailure = z.infer<typeof notificationFilterFailureSchema>;

/** A registered callback filter (`NotificationFilterUrl` items of GET and POST notification-filter-url). */
export const notificationFilterUrlSchema = z.looseObject({
  id: z.number().int().nullish(),
  created: z.string().nullish(),
  updated: z.string().nullish(),
  category: z.string(),
  notification_target: z.string().nullish(),
});
export type NotificationFilterUrl = z.infer<typeof notificationFilterUrlSchema>;

/** What a POST notification-filter-url sends per filter. */
export interface NotificationFilterInput {
  readonly category: string;
  readonly notification_target: string;
}

export const certificatePinnedSchema = z.looseObject({
  id: z.number().int(),
  /** The PEM certificates glued with newlines. */
  certificate_chain: z.string().nullish(),
});
export type CertificatePinned = z.infer<typeof certificatePinnedSchema>;

/** A zod failure as text naming the path and the problem, never the value. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'does not match the expected shape';
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${where}: ${issue.message}`;
}
