/**
 * The `routes` of the pipeline configuration: which categories (and optionally event types) go to which
 * team's target. One schema for the stack (one EventBridge rule per route) and the local runtime (which logs
 * the routes each event matched). A route that could never match is an error, not a silent no-op.
 */
import { z } from 'zod';
import { type ArnKind, arnProblem } from './arn';

/** EventBridge's limits for a target's retry policy, and its own defaults (24 hours, 185 attempts). */
export const RETRY_LIMITS = {
  maxAttempts: { min: 0, max: 185, default: 185 },
  maxEventAgeSeconds: { min: 60, max: 86_400, default: 86_400 },
} as const;

/** Routes per configuration: each is a rule, a dead-letter queue and a role (and outputs of the stack). */
export const MAX_ROUTES = 50;

/** What a target type is called in the configuration. */
export const TARGET_TYPES = ['sqs', 'lambda', 'eventBus', 'sns', 'logGroup', 'apiDestination'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

/**
 * bunq categories and event types are capitals, digits and underscores (`MUTATION`, `CARD_TRANSACTION_FAILED`,
 * `MUTATION_CREATED`). The detail-type is the category verbatim, so anything else never matches.
 */
const BUNQ_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;

function bunqName(what: 'category' | 'event type', example: string) {
  return z.string().superRefine((value, ctx) => {
    if (BUNQ_NAME.test(value)) return;
    const upper = value.trim().toUpperCase();
    const hint = BUNQ_NAME.test(upper) ? `; did you mean "${upper}"?` : '';
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" never matches: a bunq ${what} is capitals, digits and "_" as bunq sends it (e.g. "${example}")${hint}`,
    });
  });
}

function uniqueList<T extends z.ZodType<string>>(item: T, what: string, emptyMessage: string) {
  return z
    .array(item)
    .min(1, emptyMessage)
    .superRefine((values, ctx) => {
      values.forEach((value, index) => {
        if (values.indexOf(value) !== index) {
          ctx.addIssue({ code: 'custom', path: [index], message: `${what} "${value}" is listed twice` });
        }
      });
    });
}

function arn(kind: ArnKind) {
  return z.string().superRefine((value, ctx) => {
    const problem = arnProblem(kind, value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const httpsUrl = (what: string, example: string) =>
  z.string().superRefine((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must be an https:// URL, e.g. ${example}; got "${value}"`,
      });
    }
  });

/**
 * Where a secret value is read from at deploy: the secret's ARN and optionally one field of its JSON. The
 * value itself never appears in the configuration or the template (CloudFormation resolves it).
 */
const secretReference = {
  /** ARN of the Secrets Manager secret holding the value. */
  secretArn: arn('secret'),
  /** The JSON field of the secret holding the value. Default: the whole secret string. */
  secretJsonField: z.string().min(1).max(256).optional(),
};

/** How EventBridge authenticates to an HTTPS endpoint (an EventBridge connection). */
export const connectionAuthSchema = z.discriminatedUnion(
  'type',
  [
    z
      .object({
        type: z.literal('apiKey'),
        /** The header carrying the key, e.g. `x-api-key`. */
        headerName: z
          .string()
          .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,512}$/, 'use an HTTP header name, e.g. x-api-key'),
        ...secretReference,
      })
      .strict(),
    z
      .object({
        type: z.literal('basic'),
        username: z.string().min(1).max(512),
        /** The password is read from the secret. */
        ...secretReference,
      })
      .strict(),
    z
      .object({
        type: z.literal('oauthClientCredentials'),
        /** The token endpoint. */
        authorizationEndpoint: httpsUrl('authorizationEndpoint', 'https://auth.example.com/oauth2/token'),
        httpMethod: z.enum(['GET', 'POST', 'PUT']).default('POST'),
        clientId: z.string().min(1).max(512),
        /** The client secret is read from the secret. */
        ...secretReference,
        /** Extra form fields sent to the token endpoint, e.g. `{"scope": "events:write"}`. */
        bodyParameters: z.record(z.string().min(1), z.string()).optional(),
      })
      .strict(),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'unknown connection auth type: use "apiKey", "basic" or "oauthClientCredentials"'
        : undefined,
  },
);

/** A KMS key the team's queue or topic is encrypted with, which the route's role must be able to use. */
const kmsKeyArn = arn('kmsKey').optional();

export const routeTargetSchema = z.discriminatedUnion(
  'type',
  [
    z
      .object({
        type: z.literal('sqs'),
        arn: arn('sqs'),
        /** Required for a FIFO queue (`.fifo`): the message group of every event of this route. */
        messageGroupId: z.string().min(1).max(128).optional(),
        kmsKeyArn,
      })
      .strict()
      .superRefine((target, ctx) => {
        const fifo = target.arn.endsWith('.fifo');
        if (fifo && target.messageGroupId === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['messageGroupId'],
            message: 'a FIFO queue (.fifo) needs a messageGroupId, e.g. "bunq"',
          });
        }
        if (!fifo && target.messageGroupId !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['messageGroupId'],
            message: 'only a FIFO queue (.fifo) takes a messageGroupId: remove it',
          });
        }
      }),
    z.object({ type: z.literal('lambda'), arn: arn('lambda') }).strict(),
    z.object({ type: z.literal('eventBus'), arn: arn('eventBus') }).strict(),
    z.object({ type: z.literal('sns'), arn: arn('sns'), kmsKeyArn }).strict(),
    z.object({ type: z.literal('logGroup'), arn: arn('logGroup') }).strict(),
    z
      .object({
        type: z.literal('apiDestination'),
        /** The HTTPS endpoint each event is sent to, as the request body. */
        endpoint: httpsUrl('endpoint', 'https://hooks.example.com/bunq'),
        httpMethod: z.enum(['POST', 'PUT', 'PATCH', 'GET', 'DELETE', 'HEAD', 'OPTIONS']).default('POST'),
        /** Most requests per second EventBridge sends to the endpoint. */
        rateLimitPerSecond: z.number().int().min(1).max(300).default(10),
        auth: connectionAuthSchema,
      })
      .strict(),
  ],
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const input = issue.input as { type?: unknown } | undefined;
      const got = input?.type === undefined ? 'no type' : JSON.stringify(input.type);
      return `unknown target type (${got}): use one of ${TARGET_TYPES.map((t) => `"${t}"`).join(', ')}`;
    },
  },
);

export const routeSchema = z
  .object({
    /** Unique name; the rule is called `route-<name>`. */
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/,
        'use 1-48 letters, digits, "-" or "_", starting with a letter or digit',
      ),
    /** What the route is for, shown on the rule. */
    description: z.string().max(400).optional(),
    /** The bunq categories (= detail-types) the route takes. */
    categories: uniqueList(
      bunqName('category', 'MUTATION'),
      'category',
      'list at least one category: a route without categories never matches',
    ),
    /** Narrows the route to these bunq event types (`detail.eventType`). Default: every event type. */
    eventTypes: uniqueList(
      bunqName('event type', 'MUTATION_CREATED'),
      'event type',
      'an empty list never matches: leave eventTypes out to take every event type',
    ).optional(),
    /**
     * Narrows the route to the callbacks of these bunq users (`detail.userId`: provisioned users onboarded
     * by partner onboarding, see docs/PARTNERS.md). Default: every user, and callbacks of no known user.
     */
    userIds: z
      .array(z.number().int().positive())
      .min(1, 'an empty list never matches: leave userIds out to take every user')
      .refine((ids) => new Set(ids).size === ids.length, 'a user id is listed twice')
      .optional(),
    target: routeTargetSchema,
    /** How long and how often EventBridge retries a failed delivery before it goes to the route's DLQ. */
    retry: z
      .object({
        maxAttempts: z
          .number()
          .int()
          .min(RETRY_LIMITS.maxAttempts.min)
          .max(RETRY_LIMITS.maxAttempts.max)
          .default(RETRY_LIMITS.maxAttempts.default),
        maxEventAgeSeconds: z
          .number()
          .int()
          .min(RETRY_LIMITS.maxEventAgeSeconds.min)
          .max(RETRY_LIMITS.maxEventAgeSeconds.max)
          .default(RETRY_LIMITS.maxEventAgeSeconds.default),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/**
 * The key a route name must be unique by: names that differ only in case, "-" or "_" would give the same
 * stack output names (`Route<Name>...`).
 */
export const routeNameKey = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');

/** The list of routes, with unique names. */
export const routesSchema = z
  .array(routeSchema)
  .max(MAX_ROUTES, `at most ${MAX_ROUTES} routes; send several categories to one target with one route`)
  .superRefine((routes, ctx) => {
    const seen = new Map<string, number>();
    routes.forEach((route, index) => {
      const key = routeNameKey(route.name);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, index);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `duplicate route name "${route.name}" (routes.${first}.name is "${routes[first]?.name}"; names differing only in case, "-" or "_" count as the same): give each route its own name`,
      });
    });
  })
  .default([]);

export type RouteConfig = z.output<typeof routeSchema>;
export type RouteConfigInput = z.input<typeof routeSchema>;
export type RouteTarget = RouteConfig['target'];
export type ConnectionAuth = z.output<typeof connectionAuthSchema>;
