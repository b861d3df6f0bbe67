/**
 * bunq's handshake: `POST /installation` (the client's public key, answered with an installation token and
 * the server's public key), `POST /device-server` (the API key on that installation) and
 * `POST /session-server` (signed; answered with a session token and the user), and the session check every
 * `/user/...` endpoint makes.
 */
import type { KeyObject } from 'node:crypto';
import { publicKeyFromPem, verifyBytes } from '../shared/bunq/api/crypto';
import { SESSION_EXPIRED_DESCRIPTION, SESSION_UNKNOWN_DESCRIPTION } from './model';
import { BunqProtocolError, randomToken, type SimRequest, successBody } from './protocol';
import { isStringArray, jsonBody, type Route, type RouteContext, type SimContext } from './resource';
import { type UserRegistry, userJson } from './users';

interface Installation {
  readonly id: number;
  readonly token: string;
  readonly clientPublicKey: KeyObject;
}

interface Device {
  readonly id: number;
  readonly installationId: number;
  readonly userId: number;
}

interface Session {
  readonly id: number;
  readonly token: string;
  readonly installation: Installation;
  readonly userId: number;
  expiresAtMs: number;
}

export class SessionRegistry {
  private readonly installations = new Map<string, Installation>();
  /** `<installation id>/<user id>` → device. */
  private readonly devices = new Map<string, Device>();
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly context: SimContext,
    private readonly users: UserRegistry,
    private readonly serverPublicKeyPem: string,
  ) {}

  routes(): Route[] {
    return [
      { pattern: /^\/installation$/, methods: { POST: (c) => this.postInstallation(c) } },
      { pattern: /^\/device-server$/, methods: { POST: (c) => this.postDevice(c) } },
      { pattern: /^\/session-server$/, methods: { POST: (c) => this.postSession(c) } },
      // bunq's SDKs close a session with DELETE /session/0: the session is the one whose token is sent.
      { pattern: /^\/session\/(\d+)$/, methods: { DELETE: (c) => this.deleteSession(c) } },
      // The session's user, as bunq's SDKs read it after opening a session (`GET /user`, then by id).
      { pattern: /^\/user$/, methods: { GET: (c) => this.getUser(this.sessionOf(c).userId) } },
      { pattern: /^\/user\/(\d+)$/, methods: { GET: (c) => this.getUser(this.authorize(c)) } },
    ];
  }

  /**
   * Checks the session token (and the body signature when present) and that the path (`params[0]`) is the
   * session's user; returns that user's id.
   */
  authorize(context: RouteContext): number {
    const session = this.sessionOf(context);
    const pathUserId = Number(context.params[0]);
    if (pathUserId !== session.userId) {
      throw new BunqProtocolError(403, 'This session has no access to that user.');
    }
    return session.userId;
  }

  /** The live session whose token is sent (its body signature checked when present), or 401. */
  private sessionOf(context: RouteContext): Session {
    const token = context.request.headers['x-bunq-client-authentication'];
    const session = token === undefined ? undefined : this.sessions.get(token);
    if (session === undefined) throw new BunqProtocolError(401, SESSION_UNKNOWN_DESCRIPTION);
    if (session.expiresAtMs <= this.context.now()) {
      this.sessions.delete(session.token);
      throw new BunqProtocolError(401, SESSION_EXPIRED_DESCRIPTION);
    }
    this.checkSignature(context.request, session.installation, false);
    return session;
  }

  private getUser(userId: number): unknown {
    return successBody([userJson(this.users.require(userId))]);
  }

  private deleteSession(context: RouteContext): unknown {
    const session = this.sessionOf(context);
    this.sessions.delete(session.token);
    return successBody([]);
  }

  /** Ends every session (of one user, or all): the next call answers 401 "Insufficient authorisation.". */
  expire(userId?: number): number {
    let expired = 0;
    for (const session of this.sessions.values()) {
      if (userId === undefined || session.userId === userId) {
        session.expiresAtMs = Math.min(session.expiresAtMs, this.context.now() - 1);
        expired += 1;
      }
    }
    return expired;
  }

  private postInstallation(context: RouteContext): unknown {
    const body = jsonBody(context.request, ['client_public_key']);
    const pem = body.client_public_key;
    let clientPublicKey: KeyObject;
    try {
      if (typeof pem !== 'string') throw new Error('not a string');
      clientPublicKey = publicKeyFromPem(pem);
      if (clientPublicKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    } catch {
      throw new BunqProtocolError(
        400,
        'The field "client_public_key" must be an RSA public key in PEM format.',
      );
    }
    const installation: Installation = {
      id: this.context.next('installation'),
      token: randomToken(32),
      clientPublicKey,
    };
    this.installations.set(installation.token, installation);
    return successBody([
      { Id: { id: installation.id } },
      this.tokenObject(installation.token),
      { ServerPublicKey: { server_public_key: this.serverPublicKeyPem } },
    ]);
  }

  /** The `Token` object bunq answers an installation and a session with. */
  private tokenObject(token: string): { Token: Record<string, unknown> } {
    const time = this.context.time();
    return { Token: { id: this.context.next('token'), created: time, updated: time, token } };
  }

  private postDevice(context: RouteContext): unknown {
    const installation = this.installationOf(context.request);
    this.checkSignature(context.request, installation, false);
    const body = jsonBody(context.request, ['description', 'secret', 'permitted_ips']);
    if (typeof body.description !== 'string' || body.description === '') {
      throw new BunqProtocolError(400, 'The field "description" is required.');
    }
    if (body.permitted_ips !== undefined && !isStringArray(body.permitted_ips)) {
      throw new BunqProtocolError(400, 'The field "permitted_ips" must be a list of addresses.');
    }
    const user = this.users.byApiKey(body.secret);
    const key = `${installation.id}/${user.id}`;
    const device = this.devices.get(key) ?? {
      id: this.context.next('device'),
      installationId: installation.id,
      userId: user.id,
    };
    this.devices.set(key, device);
    return successBody([{ Id: { id: device.id } }]);
  }

  private postSession(context: RouteContext): unknown {
    const installation = this.installationOf(context.request);
    this.checkSignature(context.request, installation, true);
    const body = jsonBody(context.request, ['secret']);
    const user = this.users.byApiKey(body.secret);
    if (!this.devices.has(`${installation.id}/${user.id}`)) {
      throw new BunqProtocolError(400, 'No device is registered for this API key on this installation.');
    }
    const session: Session = {
      id: this.context.next('session'),
      token: randomToken(32),
      installation,
      userId: user.id,
      expiresAtMs: this.context.now() + user.sessionTimeoutSeconds * 1_000,
    };
    this.sessions.set(session.token, session);
    return successBody([{ Id: { id: session.id } }, this.tokenObject(session.token), userJson(user)]);
  }

  private installationOf(request: SimRequest): Installation {
    const token = request.headers['x-bunq-client-authentication'];
    const installation = token === undefined ? undefined : this.installations.get(token);
    if (installation === undefined) throw new BunqProtocolError(401, SESSION_UNKNOWN_DESCRIPTION);
    return installation;
  }

  /** Verifies X-Bunq-Client-Signature over the raw body: missing and required → 466; wrong → 401. */
  private checkSignature(request: SimRequest, installation: Installation, required: boolean): void {
    const signature = request.headers['x-bunq-client-signature'];
    if (signature === undefined || signature === '') {
      if (required) {
        throw new BunqProtocolError(
          466,
          'This request must be signed: the X-Bunq-Client-Signature header is missing.',
        );
      }
      return;
    }
    if (!verifyBytes(request.body, signature, installation.clientPublicKey)) {
      throw new BunqProtocolError(401, 'The request signature is invalid.');
    }
  }
}
