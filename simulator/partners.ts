/**
 * bunq's partner fleet, as far as a callback pipeline sees it: a partner company user with an OAuth client
 * provisions users (bunq's partner API, `partner-user-provision`); each provision reports its progress with a
 * `PARTNER_USER_PROVISION` callback to the partner's filters, whose object carries the accepted OAuth request
 * with an `authorization_code` and a `credential`; the partner exchanges the code for an access token at
 * bunq's OAuth token endpoint and uses the token as an API key (the session answers a `UserApiKey`, whose id
 * is the user id for paths). A provisioned user's failures are listed under the partner too (`failures.ts`).
 *
 * The token exchange is bunq's `POST https://api.oauth.bunq.com/v1/token?grant_type=authorization_code
 * &code=...&redirect_uri=...&client_id=...&client_secret=...` (sandbox: `api-oauth.sandbox.bunq.com`; bunq's
 * OAuth docs pass the parameters "as GET variables" and answer `{"access_token", "token_type", "state"}`); the
 * simulator serves it at `POST /oauth/v1/token`.
 */
import { randomUUID } from 'node:crypto';
import type { CallbackEmitter } from './callbacks';
import type { ProvisionOptions, SimProvision, SimUser, TokenExchangeFault } from './model';
import {
  BunqProtocolError,
  errorBody,
  formatBunqTime,
  jsonBytes,
  randomToken,
  type SimRequest,
  type SimResponse,
} from './protocol';
import type { SimContext } from './resource';
import type { UserRegistry } from './users';

/** Most provisions one control call creates. */
export const MAX_PROVISIONS_PER_CALL = 100_000;
/** bunq's callback example: the credential expires an hour after it was made. */
const CREDENTIAL_LIFETIME_MS = 3_600_000;

export class PartnerRegistry {
  private readonly provisions = new Map<number, SimProvision>();
  private readonly byCode = new Map<string, SimProvision>();
  private readonly faults: Array<Required<TokenExchangeFault> & { remaining: number }> = [];

  constructor(
    private readonly context: SimContext,
    private readonly users: UserRegistry,
    private readonly callbacks: CallbackEmitter,
  ) {}

  /**
   * Creates `count` provisioned users of the partner; each becomes active and emits its
   * `PARTNER_USER_PROVISION` callback (delivered like any other, to the partner's filters).
   */
  provision(partnerUserId: number, count: number, options: ProvisionOptions = {}): SimProvision[] {
    const partner = this.requirePartner(partnerUserId);
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PROVISIONS_PER_CALL) {
      throw new BunqProtocolError(400, `count must be an integer from 1 to ${MAX_PROVISIONS_PER_CALL}.`);
    }
    const created: SimProvision[] = [];
    for (let index = 0; index < count; index += 1) {
      const grantedByUserId = this.context.next('user');
      const accessToken = randomToken(32);
      const user = this.users.create({
        kind: 'UserApiKey',
        apiKey: accessToken,
        apiKeyIssued: false,
        requestedByUserId: partner.id,
        grantedByUserId,
      });
      const provision: SimProvision = {
        id: this.context.next('provision'),
        partnerUserId: partner.id,
        userId: user.id,
        grantedByUserId,
        externalUuid: randomUUID(),
        created: this.context.time(),
        authorizationCode: randomToken(32),
        accessToken,
        exchanged: false,
      };
      this.provisions.set(provision.id, provision);
      this.byCode.set(provision.authorizationCode, provision);
      created.push(provision);
    }
    for (const provision of created) {
      if (options.progress === true) this.emit(partner, provision, 'CREATED');
      this.emit(partner, provision, 'ACTIVE');
    }
    return created;
  }

  /** The partner's provisions, oldest first. */
  list(partnerUserId: number): SimProvision[] {
    this.requirePartner(partnerUserId);
    return [...this.provisions.values()].filter((provision) => provision.partnerUserId === partnerUserId);
  }

  /** Scripts failures of the next token exchange(s). */
  failTokenExchange(fault: TokenExchangeFault = {}): void {
    const times = fault.times ?? 1;
    const status = fault.status ?? 500;
    if (!Number.isSafeInteger(times) || times < 1) throw new BunqProtocolError(400, 'times must be >= 1.');
    if (!Number.isSafeInteger(status) || status < 400 || status > 599) {
      throw new BunqProtocolError(400, 'status must be from 400 to 599.');
    }
    this.faults.push({ times, status, kind: fault.kind ?? 'error', remaining: times });
  }

  /** `POST /oauth/v1/token`: the authorization code (one use) for the provisioned user's access token. */
  exchange(request: SimRequest, url: URL): SimResponse {
    const fault = this.faults[0];
    if (fault !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.shift();
      if (fault.kind === 'drop-connection')
        return { status: 0, headers: {}, body: Buffer.alloc(0), drop: true };
      return answer(fault.status, errorBody(`Simulated HTTP ${fault.status}.`));
    }
    if (request.method.toUpperCase() !== 'POST') {
      return answer(405, errorBody('The token endpoint takes POST.'));
    }
    const params = tokenParameters(request, url);
    const grantType = params.get('grant_type');
    if (grantType !== 'authorization_code') {
      return answer(400, errorBody('grant_type must be "authorization_code".'));
    }
    const provision = this.byCode.get(params.get('code') ?? '');
    const partner = provision === undefined ? undefined : this.users.require(provision.partnerUserId).partner;
    if (
      provision === undefined ||
      partner === null ||
      partner === undefined ||
      params.get('client_id') !== partner.clientId ||
      params.get('client_secret') !== partner.clientSecret
    ) {
      return answer(400, errorBody('The authorization code or the client credentials are not valid.'));
    }
    if (params.get('redirect_uri') !== partner.redirectUri) {
      return answer(400, errorBody('redirect_uri does not match the one of the authorization request.'));
    }
    if (provision.exchanged) {
      // bunq's OAuth docs: the code is a "one-time-use credential".
      return answer(400, errorBody('The authorization code was used already.'));
    }
    provision.exchanged = true;
    this.users.issue(provision.accessToken);
    return answer(200, { access_token: provision.accessToken, token_type: 'bearer', state: null });
  }

  private requirePartner(userId: number): SimUser & { partner: NonNullable<SimUser['partner']> } {
    const user = this.users.require(userId);
    if (user.partner === null) {
      throw new BunqProtocolError(400, `User ${userId} is not a partner (create it with "partner": true).`);
    }
    return user as SimUser & { partner: NonNullable<SimUser['partner']> };
  }

  private emit(
    partner: SimUser & { partner: NonNullable<SimUser['partner']> },
    provision: SimProvision,
    status: 'CREATED' | 'ACTIVE',
  ): void {
    this.callbacks.emit(partner.id, {
      NotificationUrl: {
        target_url: '',
        category: 'PARTNER_USER_PROVISION',
        event_type: 'PARTNER_USER_PROVISION_PROCESS_UPDATED',
        object: { PartnerUserProvision: this.provisionJson(partner, provision, status) },
      },
    });
  }

  /** The `PartnerUserProvision` of the partner spec and bunq's callback example. */
  private provisionJson(
    partner: SimUser & { partner: NonNullable<SimUser['partner']> },
    provision: SimProvision,
    status: 'CREATED' | 'ACTIVE',
  ): Record<string, unknown> {
    const now = this.context.time();
    const active = status === 'ACTIVE';
    const label = (uuid: string, name: string, type: 'PERSON' | 'COMPANY') => ({
      uuid,
      display_name: name,
      country: 'NL',
      avatar: null,
      public_nick_name: name,
      type,
    });
    const expiry = this.context.now() + CREDENTIAL_LIFETIME_MS;
    return {
      id: provision.id,
      created: provision.created,
      updated: now,
      external_uuid: provision.externalUuid,
      status,
      sub_status: active ? 'NONE' : 'PENDING_PROCESS_USER',
      action_required: active ? 'NONE' : 'SYSTEM',
      products: ['USER_ANONYMOUS_TRANSACTION_AUDIT'],
      label_user: label(`sim-user-${provision.grantedByUserId}`, 'New bunqer', 'PERSON'),
      oauth_request: {
        id: provision.id,
        uuid: `sim-oauth-request-${provision.id}`,
        created: provision.created,
        updated: now,
        oauth_client_id: partner.partner.id,
        oauth_client_display_name: null,
        response_type: 'code',
        callback_url: partner.partner.redirectUri,
        status: active ? 'ACCEPTED' : 'PENDING',
        state: null,
        authorization_code: active ? provision.authorizationCode : null,
        user_alias_created: label(`sim-user-${partner.id}`, `Simulated company ${partner.id}`, 'COMPANY'),
        redirect_url: active ? `${partner.partner.redirectUri}?code=${provision.authorizationCode}` : null,
        type: 'BUNQ',
      },
      credential: active
        ? {
            id: provision.id,
            created: now,
            updated: now,
            status: 'PENDING_FIRST_USE',
            expiry_time: formatBunqTime(expiry),
            token_value: randomToken(32),
            permitted_device: null,
          }
        : null,
    };
  }
}

/** The exchange's parameters: the query (bunq's docs and SDKs) and, when form-encoded, the body. */
function tokenParameters(request: SimRequest, url: URL): URLSearchParams {
  const params = new URLSearchParams(url.search);
  if ((request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(request.body.toString('utf8'))) {
      if (!params.has(name)) params.set(name, value);
    }
  }
  return params;
}

function answer(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: jsonBytes(body) };
}
