/**
 * The simulator's control API under `/_simulator` (plain JSON, no bunq envelopes or signatures), for tests
 * and demos:
 *
 * - `POST /_simulator/users` `{"kind"?, "apiKey"?, "sessionTimeoutSeconds"?, "monetaryAccountIds"?, "partner"?}`
 *   → 201 `{"userId", "apiKey", "kind", "monetaryAccountIds", ...}`; a partner (`"kind": "UserCompany",
 *   "partner": true`) also gets `"oauthClientId"`, `"oauthClientSecret"` and `"oauthRedirectUri"`
 * - `POST /_simulator/partners/{userId}/provisions` `{"count": n, "progress"?}` → 201 `{"provisions": [{"provisionId",
 *   "userId", "grantedByUserId", "externalUuid"}]}`: n provisioned users, each emitting its
 *   `PARTNER_USER_PROVISION` callback (`"progress": true`: a CREATED one, then the ACTIVE one); `GET` lists them
 * - `POST /_simulator/oauth/faults` `{"times"?, "status"?, "kind"? ("error" | "drop-connection")}` → the next
 *   OAuth token exchange(s) fail
 * - `GET /_simulator/users` → the users (ids and kinds, no API keys)
 * - `PUT /_simulator/users/{userId}/notification-filters` `[{"category", "notification_target", "monetaryAccountId"?}]`
 *   → replaces the user's filters (like the API's POST, without a session); `GET` lists them
 * - `POST /_simulator/users/{userId}/failures` `{"count": n, ...SeedFailureInput}` or `[SeedFailureInput, ...]`
 *   → 201 `{"ids": [...]}`; `GET` lists the failure records as bunq would
 * - `POST /_simulator/users/{userId}/clobber-filters` `{"notification_target", "categories": [...], "monetaryAccountId"?}`
 *   → replaces that scope's whole filter set with these, as another integration's naive POST would
 * - `POST /_simulator/emit` `{"userId", "callback": {"NotificationUrl": {...}}, "monetaryAccountId"?, "drop"?}`
 *   → 202 `{"deliveryId", "targets": [...]}` (+ `"dropped": true`); with `"drop": true` bunq never tries and records no
 *   failure, but the object is in the event listing
 * - `GET /_simulator/deliveries`, `GET /_simulator/deliveries/{id}` → delivery state and every try
 * - `GET /_simulator/idle?timeoutMs=n` → 200 `{"idle": true}` once no delivery is pending, 504 after the timeout
 * - `POST /_simulator/sessions/expire` `{"userId"?}` → `{"expired": n}`
 * - `POST /_simulator/faults` `{"kind", "method"?, "path"? (RegExp source), "times"?, "status"?, "description"?}`;
 *   `DELETE /_simulator/faults`
 * - `GET /_simulator/health` → `{"ok": true}`
 */
import { BunqProtocolError, jsonBytes, type SimRequest, type SimResponse } from './protocol';
import type {
  BunqSimulator,
  SeedFailureInput,
  SimFilterInput,
  SimProvision,
  SimUserKind,
  SimulatorFault,
} from './simulator';

const USER_KINDS: readonly SimUserKind[] = [
  'UserPerson',
  'UserCompany',
  'UserApiKey',
  'UserPaymentServiceProvider',
];
const FAULT_KINDS = ['error', 'tamper-response-body', 'unsigned-response', 'drop-connection'] as const;
const MAX_IDLE_WAIT_MS = 120_000;

class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function handleControl(
  simulator: BunqSimulator,
  request: SimRequest,
  url: URL,
): Promise<SimResponse> {
  try {
    const { status, body } = await route(simulator, request, url);
    return { status, headers: { 'content-type': 'application/json' }, body: jsonBytes(body) };
  } catch (error) {
    const status = error instanceof ControlError || error instanceof BunqProtocolError ? error.status : 500;
    const message = error instanceof Error ? error.message : 'internal error';
    return { status, headers: { 'content-type': 'application/json' }, body: jsonBytes({ error: message }) };
  }
}

async function route(
  simulator: BunqSimulator,
  request: SimRequest,
  url: URL,
): Promise<{ status: number; body: unknown }> {
  const method = request.method.toUpperCase();
  const path = url.pathname.replace(/\/+$/, '');
  let match: RegExpExecArray | null;

  if (path === '/_simulator/health' && method === 'GET') return { status: 200, body: { ok: true } };

  if (path === '/_simulator/users') {
    if (method === 'GET') {
      return {
        status: 200,
        body: simulator.listUsers().map((user) => ({
          userId: user.id,
          kind: user.kind,
          requestedByUserId: user.requestedByUserId,
          grantedByUserId: user.grantedByUserId,
          partner: user.partner !== null,
        })),
      };
    }
    if (method === 'POST') {
      const input = request.body.length === 0 ? {} : objectBody(request);
      const kind = input.kind;
      if (kind !== undefined && !USER_KINDS.includes(kind as SimUserKind)) {
        throw new ControlError(400, `kind must be one of ${USER_KINDS.join(', ')}.`);
      }
      if (input.apiKey !== undefined && (typeof input.apiKey !== 'string' || input.apiKey === '')) {
        throw new ControlError(400, 'apiKey must be a non-empty string.');
      }
      if (input.sessionTimeoutSeconds !== undefined && !(Number(input.sessionTimeoutSeconds) > 0)) {
        throw new ControlError(400, 'sessionTimeoutSeconds must be a positive number.');
      }
      const accounts = input.monetaryAccountIds;
      if (
        accounts !== undefined &&
        !(Array.isArray(accounts) && accounts.every((id) => Number.isSafeInteger(id) && id > 0))
      ) {
        throw new ControlError(400, 'monetaryAccountIds must be a list of positive integers.');
      }
      if (input.partner !== undefined && typeof input.partner !== 'boolean') {
        throw new ControlError(400, 'partner must be true or false.');
      }
      const user = simulator.createUser({
        ...(kind === undefined ? {} : { kind: kind as SimUserKind }),
        ...(input.partner === true ? { partner: true } : {}),
        ...(accounts === undefined ? {} : { monetaryAccountIds: accounts as number[] }),
        ...(typeof input.apiKey === 'string' ? { apiKey: input.apiKey } : {}),
        ...(input.sessionTimeoutSeconds === undefined
          ? {}
          : { sessionTimeoutSeconds: Number(input.sessionTimeoutSeconds) }),
      });
      return {
        status: 201,
        body: {
          userId: user.id,
          apiKey: user.apiKey,
          kind: user.kind,
          sessionTimeoutSeconds: user.sessionTimeoutSeconds,
          monetaryAccountIds: user.monetaryAccountIds,
          requestedByUserId: user.requestedByUserId,
          grantedByUserId: user.grantedByUserId,
          ...(user.partner === null
            ? {}
            : {
                oauthClientId: user.partner.clientId,
                oauthClientSecret: user.partner.clientSecret,
                oauthRedirectUri: user.partner.redirectUri,
              }),
        },
      };
    }
    throw methodNotAllowed(method);
  }

  match = /^\/_simulator\/partners\/(\d+)\/provisions$/.exec(path);
  if (match !== null) {
    const partnerUserId = Number(match[1]);
    if (method === 'GET') {
      return {
        status: 200,
        body: simulator.listProvisions(partnerUserId).map((provision) => ({
          ...provisionView(provision),
          exchanged: provision.exchanged,
        })),
      };
    }
    if (method !== 'POST') throw methodNotAllowed(method);
    const body = request.body.length === 0 ? {} : objectBody(request);
    if (body.progress !== undefined && typeof body.progress !== 'boolean') {
      throw new ControlError(400, 'progress must be true or false.');
    }
    const provisions = simulator.provisionUsers(partnerUserId, Number(body.count ?? 1), {
      progress: body.progress === true,
    });
    return { status: 201, body: { provisions: provisions.map(provisionView) } };
  }

  if (path === '/_simulator/oauth/faults') {
    if (method !== 'POST') throw methodNotAllowed(method);
    const body = request.body.length === 0 ? {} : objectBody(request);
    if (body.kind !== undefined && body.kind !== 'error' && body.kind !== 'drop-connection') {
      throw new ControlError(400, 'kind must be "error" or "drop-connection".');
    }
    simulator.failTokenExchange({
      ...(body.times === undefined ? {} : { times: Number(body.times) }),
      ...(body.status === undefined ? {} : { status: Number(body.status) }),
      ...(body.kind === undefined ? {} : { kind: body.kind }),
    });
    return { status: 201, body: { injected: true } };
  }

  match = /^\/_simulator\/users\/(\d+)\/notification-filters$/.exec(path);
  if (match !== null) {
    const userId = Number(match[1]);
    if (method === 'PUT') {
      const body = jsonBody(request);
      if (!Array.isArray(body)) throw new ControlError(400, 'The body must be a list of filters.');
      const filters = body.map((entry: unknown, index: number): SimFilterInput => {
        const item = isRecord(entry) ? entry : {};
        if (typeof item.category !== 'string' || typeof item.notification_target !== 'string') {
          throw new ControlError(400, `[${index}] needs "category" and "notification_target" strings.`);
        }
        const account = item.monetaryAccountId;
        if (account !== undefined && account !== null && !Number.isSafeInteger(account)) {
          throw new ControlError(400, `[${index}].monetaryAccountId must be an integer.`);
        }
        return {
          category: item.category,
          notification_target: item.notification_target,
          monetaryAccountId: typeof account === 'number' ? account : null,
        };
      });
      return { status: 200, body: simulator.setNotificationFilters(userId, filters).map(filterView) };
    }
    if (method === 'GET') {
      if (!simulator.listUsers().some((user) => user.id === userId)) {
        throw new ControlError(404, `No simulator user ${userId}.`);
      }
      return { status: 200, body: simulator.allFilters(userId).map(filterView) };
    }
    throw methodNotAllowed(method);
  }

  match = /^\/_simulator\/users\/(\d+)\/clobber-filters$/.exec(path);
  if (match !== null) {
    if (method !== 'POST') throw methodNotAllowed(method);
    const body = objectBody(request);
    const categories = body.categories;
    if (typeof body.notification_target !== 'string' || !isStringList(categories)) {
      throw new ControlError(400, 'The body must be {"notification_target": "<url>", "categories": [...]}.');
    }
    const target = body.notification_target;
    const account = body.monetaryAccountId;
    if (account !== undefined && !Number.isSafeInteger(account)) {
      throw new ControlError(400, 'monetaryAccountId must be an integer.');
    }
    const filters = simulator.clobberFilters(
      Number(match[1]),
      categories.map((category) => ({ category, notification_target: target })),
      account === undefined ? null : (account as number),
    );
    return { status: 200, body: filters.map(filterView) };
  }

  match = /^\/_simulator\/users\/(\d+)\/failures$/.exec(path);
  if (match !== null) {
    const userId = Number(match[1]);
    if (method === 'GET') {
      if (!simulator.listUsers().some((user) => user.id === userId)) {
        throw new ControlError(404, `No simulator user ${userId}.`);
      }
      return { status: 200, body: simulator.listFailures(userId) };
    }
    if (method === 'POST') {
      const body = jsonBody(request);
      let seeds: SeedFailureInput[];
      if (Array.isArray(body)) seeds = body.filter(isRecord) as SeedFailureInput[];
      else if (isRecord(body)) {
        const count = body.count ?? 1;
        if (!Number.isSafeInteger(count) || (count as number) < 1 || (count as number) > 100_000) {
          throw new ControlError(400, 'count must be an integer from 1 to 100000.');
        }
        const { count: _count, ...template } = body;
        seeds = Array.from({ length: count as number }, () => template as SeedFailureInput);
      } else throw new ControlError(400, 'The body must be {"count": n, ...} or a list of failures.');
      return { status: 201, body: { ids: simulator.seedFailures(userId, seeds) } };
    }
    throw methodNotAllowed(method);
  }

  if (path === '/_simulator/emit') {
    if (method !== 'POST') throw methodNotAllowed(method);
    const body = objectBody(request);
    if (!Number.isSafeInteger(body.userId)) throw new ControlError(400, 'userId must be an integer.');
    if (body.monetaryAccountId !== undefined && !Number.isSafeInteger(body.monetaryAccountId)) {
      throw new ControlError(400, 'monetaryAccountId must be an integer.');
    }
    if (body.drop !== undefined && typeof body.drop !== 'boolean') {
      throw new ControlError(400, 'drop must be true or false.');
    }
    const delivery = simulator.emit(body.userId as number, body.callback, {
      ...(body.monetaryAccountId === undefined
        ? {}
        : { monetaryAccountId: body.monetaryAccountId as number }),
      ...(body.drop === true ? { drop: true } : {}),
    });
    return {
      status: 202,
      body: {
        deliveryId: delivery.id,
        targets: delivery.targets.map((target) => target.target),
        ...(delivery.dropped ? { dropped: true } : {}),
      },
    };
  }

  if (path === '/_simulator/deliveries') {
    if (method !== 'GET') throw methodNotAllowed(method);
    return { status: 200, body: simulator.listDeliveries() };
  }
  match = /^\/_simulator\/deliveries\/(\d+)$/.exec(path);
  if (match !== null) {
    if (method !== 'GET') throw methodNotAllowed(method);
    const delivery = simulator.getDelivery(Number(match[1]));
    if (delivery === null) throw new ControlError(404, `No delivery ${match[1]}.`);
    return { status: 200, body: delivery };
  }

  if (path === '/_simulator/idle') {
    if (method !== 'GET') throw methodNotAllowed(method);
    const timeoutMs = Math.min(
      Number(url.searchParams.get('timeoutMs') ?? 30_000) || 30_000,
      MAX_IDLE_WAIT_MS,
    );
    let timer: NodeJS.Timeout | undefined;
    const idle = await Promise.race([
      simulator.idle().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return idle
      ? { status: 200, body: { idle: true } }
      : { status: 504, body: { idle: false, pending: simulator.pendingDeliveries } };
  }

  if (path === '/_simulator/sessions/expire') {
    if (method !== 'POST') throw methodNotAllowed(method);
    const body = request.body.length === 0 ? {} : objectBody(request);
    const userId = body.userId;
    if (userId !== undefined && !Number.isSafeInteger(userId))
      throw new ControlError(400, 'userId must be an integer.');
    return { status: 200, body: { expired: simulator.expireSessions(userId as number | undefined) } };
  }

  if (path === '/_simulator/faults') {
    if (method === 'DELETE') {
      simulator.clearFaults();
      return { status: 200, body: { cleared: true } };
    }
    if (method !== 'POST') throw methodNotAllowed(method);
    simulator.injectFault(faultFrom(objectBody(request)));
    return { status: 201, body: { injected: true } };
  }

  throw new ControlError(404, `No control endpoint ${method} ${path}.`);
}

function faultFrom(body: Record<string, unknown>): SimulatorFault {
  const kind = body.kind;
  if (!FAULT_KINDS.includes(kind as (typeof FAULT_KINDS)[number])) {
    throw new ControlError(400, `kind must be one of ${FAULT_KINDS.join(', ')}.`);
  }
  const match = {
    ...(typeof body.method === 'string' ? { method: body.method } : {}),
    ...(typeof body.path === 'string' ? { path: safeRegExp(body.path) } : {}),
    ...(Number.isSafeInteger(body.times) ? { times: body.times as number } : {}),
  };
  if (kind === 'error') {
    const status = body.status;
    if (!Number.isSafeInteger(status) || (status as number) < 400 || (status as number) > 599) {
      throw new ControlError(400, 'An error fault needs a status from 400 to 599.');
    }
    return {
      ...match,
      kind,
      status: status as number,
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      ...(typeof body.signed === 'boolean' ? { signed: body.signed } : {}),
    };
  }
  return { ...match, kind: kind as Exclude<SimulatorFault['kind'], 'error'> };
}

function safeRegExp(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw new ControlError(400, 'path must be a valid regular expression.');
  }
}

function provisionView(provision: SimProvision) {
  return {
    provisionId: provision.id,
    userId: provision.userId,
    grantedByUserId: provision.grantedByUserId,
    externalUuid: provision.externalUuid,
  };
}

function filterView(filter: {
  id: number;
  category: string;
  target: string;
  monetaryAccountId: number | null;
}) {
  return {
    id: filter.id,
    category: filter.category,
    notification_target: filter.target,
    monetaryAccountId: filter.monetaryAccountId,
  };
}

function jsonBody(request: SimRequest): unknown {
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new ControlError(400, 'The body must be JSON.');
  }
}

function objectBody(request: SimRequest): Record<string, unknown> {
  const body = jsonBody(request);
  if (!isRecord(body)) throw new ControlError(400, 'The body must be a JSON object.');
  return body;
}

function methodNotAllowed(method: string): ControlError {
  return new ControlError(405, `Method ${method} is not allowed here.`);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string' && entry !== '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
