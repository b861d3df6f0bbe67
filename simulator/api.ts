/**
 * The front door of the simulated bunq API under `/v1`, in front of every resource's routes: scripted faults,
 * bunq's rate limits, the required headers and unique request ids, the signed answer
 * (`X-Bunq-Server-Signature` over the body bytes), and the request log.
 */
import { type KeyObject, randomUUID } from 'node:crypto';
import { signBytes } from '../shared/bunq/api/crypto';
import {
  type BunqRateLimits,
  endpointOf,
  resolveRateLimits,
  ruleFor,
  SlidingWindowRateLimiter,
} from '../shared/bunq/api/rate-limiter';
import type { RequestLogEntry, SimulatorFault } from './model';
import { BunqProtocolError, errorBody, jsonBytes, type SimRequest, type SimResponse } from './protocol';
import { dispatch, isHttpMethod, type Route, type SimContext } from './resource';

/** Bound on what a long-running simulator keeps in memory for inspection. */
const MAX_LOG_ENTRIES = 10_000;

export class ApiFrontDoor {
  /** API calls received, in order (the latest 10000). */
  readonly requestLog: RequestLogEntry[] = [];

  private readonly limiter: SlidingWindowRateLimiter;
  private readonly rateLimits: BunqRateLimits | false;
  private readonly faults: Array<SimulatorFault & { remaining: number }> = [];
  private readonly seenRequestIds = new Set<string>();

  constructor(
    private readonly context: SimContext,
    private readonly serverKey: KeyObject,
    private readonly routes: readonly Route[],
  ) {
    const { options } = context;
    this.limiter = new SlidingWindowRateLimiter({ now: context.now });
    this.rateLimits = options.rateLimits === false ? false : resolveRateLimits(options.rateLimits);
  }

  /** Scripts a misbehaviour for the next matching call(s). */
  injectFault(fault: SimulatorFault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  async handle(request: SimRequest, url: URL): Promise<SimResponse> {
    const method = request.method.toUpperCase();
    const path = url.pathname.slice('/v1'.length);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-bunq-client-response-id': randomUUID(),
    };
    const requestId = request.headers['x-bunq-client-request-id'];
    if (requestId !== undefined) headers['x-bunq-client-request-id'] = requestId;

    const fault = this.takeFault(method, path);
    let status: number;
    let payload: unknown;
    let sign = true;
    if (fault?.kind === 'drop-connection') {
      this.record(method, url, 0, request.body);
      return { status: 0, headers, body: Buffer.alloc(0), drop: true };
    }
    if (fault?.kind === 'error') {
      status = fault.status;
      payload = errorBody(fault.description ?? `Simulated HTTP ${fault.status}.`);
      sign = fault.signed ?? fault.status !== 429;
    } else {
      const limited = this.rateLimited(request, method, path);
      if (limited !== null) {
        status = 429;
        payload = errorBody(limited);
        sign = false; // bunq's 429 bodies come unsigned
      } else {
        try {
          this.checkHeaders(request);
          payload = await dispatch(this.routes, request, method, path, url.searchParams);
          status = 200;
        } catch (error) {
          if (!(error instanceof BunqProtocolError)) throw error;
          status = error.status;
          payload = errorBody(error.description);
        }
      }
    }

    let body = jsonBytes(payload);
    if (sign && fault?.kind !== 'unsigned-response') {
      headers['x-bunq-server-signature'] = signBytes(body, this.serverKey);
    }
    if (fault?.kind === 'tamper-response-body') body = tamper(body);
    this.record(method, url, status, request.body);
    return { status, headers, body };
  }

  private record(method: string, url: URL, status: number, body: Buffer): void {
    const path = `${url.pathname.slice('/v1'.length)}${url.search}`;
    this.requestLog.push({ method, path, status, body: body.toString('utf8') });
    if (this.requestLog.length > MAX_LOG_ENTRIES)
      this.requestLog.splice(0, this.requestLog.length - MAX_LOG_ENTRIES);
    this.context.options.log?.(`${method} /v1${path} -> ${status === 0 ? 'dropped' : status}`);
  }

  private takeFault(method: string, path: string): SimulatorFault | null {
    const index = this.faults.findIndex(
      (fault) =>
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.path === undefined ||
          (typeof fault.path === 'string' ? path.includes(fault.path) : fault.path.test(path))),
    );
    if (index < 0) return null;
    const fault = this.faults[index];
    if (fault === undefined) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private rateLimited(request: SimRequest, method: string, path: string): string | null {
    if (this.rateLimits === false || !isHttpMethod(method)) return null;
    const endpoint = endpointOf(path);
    const rule = ruleFor(this.rateLimits, method, endpoint);
    // bunq documents its limits per source address; `rateLimitScope: 'session'` counts per token instead.
    const caller =
      this.context.options.rateLimitScope === 'session'
        ? (request.headers['x-bunq-client-authentication'] ?? request.remoteAddress)
        : request.remoteAddress;
    const wait = this.limiter.tryAcquire(`${caller} ${method} ${endpoint}`, rule);
    if (wait === 0) return null;
    const seconds = Math.max(1, Math.round(rule.windowMs / 1000));
    return `Too many requests. You can do a maximum of ${rule.limit} calls per ${seconds} second to this endpoint.`;
  }

  private checkHeaders(request: SimRequest): void {
    if (this.context.options.strictHeaders === false) return;
    for (const name of ['User-Agent', 'X-Bunq-Client-Request-Id', 'X-Bunq-Geolocation']) {
      if (!request.headers[name.toLowerCase()]) {
        throw new BunqProtocolError(400, `The header "${name}" is required.`);
      }
    }
    const requestId = request.headers['x-bunq-client-request-id'] ?? '';
    if (this.seenRequestIds.has(requestId)) {
      throw new BunqProtocolError(400, 'The request id in "X-Bunq-Client-Request-Id" was used before.');
    }
    if (this.seenRequestIds.size >= 100_000) this.seenRequestIds.clear();
    this.seenRequestIds.add(requestId);
  }
}

function tamper(body: Buffer): Buffer {
  const text = body.toString('utf8');
  // Still valid JSON, so only the signature can tell.
  return Buffer.from(text.endsWith('}') ? `${text.slice(0, -1)},"tampered":true}` : `${text} `, 'utf8');
}
