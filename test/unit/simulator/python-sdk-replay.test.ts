/**
 * The standard setup of bunq's own Python SDK (bunq/sdk_python), replayed byte for byte against the
 * simulator: what `ApiContext.create`, `BunqContext.load_api_context` and `ApiContext.close_session` send,
 * and how the SDK reads each answer. PyPI cannot be reached from here, so the SDK itself does not run; this
 * test does what its code does, read from the repository (commits as stored by the code search):
 *
 * - `bunq/sdk/context/api_context.py` @78390d2, `ApiContext.create` (lines 54-69): installation, then
 *   device-server (`__register_device`), then session-server (`__initialize_session`, user id from
 *   `get_referenced_user().id_`, session timeout from `_get_session_timeout_seconds`: the user's
 *   `session_timeout`, for a UserApiKey its `requested_by_user`'s); `close_session` → `_delete_session` →
 *   `endpoint.Session.delete(0)` (`_SESSION_ID_DUMMY = 0`), i.e. `DELETE session/0` (bunq/sdk_java
 *   `Session.java`: `ENDPOINT_URL_DELETE = "session/%s"`).
 * - `bunq/sdk/http/api_client.py` @cfebf62: default headers (lines 61-66: `User-Agent:
 *   bunq-sdk-python/1.14.1`, `X-Bunq-Geolocation: 0 0 0 0 NL`, `X-Bunq-Language: en_US`, `X-Bunq-Region:
 *   nl_NL`, `Cache-Control: no-cache`, a uuid4 `X-Bunq-Client-Request-Id`); `_get_all_headers`: once a token
 *   exists (installation token, then session token), `X-Bunq-Client-Authentication` and
 *   `X-Bunq-Client-Signature` over the body bytes, GETs and DELETEs included (empty body);
 *   `_assert_response_success`: anything but 200 is an error; `_request`: every answer after the
 *   installation is checked with `security.validate_response`.
 * - `bunq/sdk/security/security.py` @cec2286: `sign_request` (PKCS#1 v1.5, SHA-256, base64);
 *   `validate_response` (the header+body form, else the body alone; a missing `X-Bunq-Server-Signature` is a
 *   KeyError, so it must be on every 200); `public_key_to_string` (a PEM public key, no trailing newline).
 * - `bunq/sdk/json/converter.py` @17d933d: `class_to_json` is `json.dumps(..., indent=4, sort_keys=True)`
 *   and `_serialize_dict` leaves out None values (so `permitted_ips` is absent unless given).
 * - `bunq/sdk/model/core/installation.py` @250335c, `device_server_internal.py` @f487783,
 *   `session_server.py` @1a7d4d9: the bodies `{"client_public_key"}`, `{"description", "secret",
 *   "permitted_ips"?}`, `{"secret"}`; `json/installation_adapter.py` @2d305d0 and
 *   `json/session_server_adapter.py` @5d3f168 read the answers by position: [0] `Id`, [1] `Token`, [2]
 *   `ServerPublicKey` or the user (`UserCompany`, `UserPerson`, `UserApiKey`, `UserPaymentServiceProvider`).
 * - `bunq/sdk/context/user_context.py` @7e3f397: `UserContext` reads `endpoint.User.list()` (`GET user`,
 *   as sdk_java's `UserContextHelper`: `USER_ENDPOINT_URL_LISTING = "user"`) and takes item 0's user;
 *   `init_main_monetary_account` (not for a payment service provider) lists `user/{id}/monetary-account-bank`
 *   and needs one with status ACTIVE.
 */
import { createPublicKey, createSign, createVerify, randomUUID } from 'node:crypto';
import { generateRsaKeyPair, type RsaKeyPair } from '../../../shared/bunq/api/crypto';
import { type BunqSimulator, createBunqSimulator, type SimUserKind } from '../../../simulator/simulator';

let simulatorKeys: RsaKeyPair;
let clientKeys: RsaKeyPair;
beforeAll(async () => {
  [simulatorKeys, clientKeys] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
});

/** Python's `json.dumps(value, indent=4, sort_keys=True)` for the str / list / dict bodies the SDK sends. */
function pythonJsonDumps(value: unknown, depth = 0): string {
  const pad = (level: number) => ' '.repeat(4 * level);
  const ascii = (text: string) =>
    JSON.stringify(text).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (typeof value === 'string') return ascii(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => `${pad(depth + 1)}${pythonJsonDumps(item, depth + 1)}`);
    return `[\n${items.join(',\n')}\n${pad(depth)}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return '{}';
  const items = entries.map(
    ([key, item]) => `${pad(depth + 1)}${ascii(key)}: ${pythonJsonDumps(item, depth + 1)}`,
  );
  return `{\n${items.join(',\n')}\n${pad(depth)}}`;
}

/** One SDK request and the SDK's checks on its answer. */
class PythonSdkReplay {
  token: string | null = null;
  serverKey: string | null = null;

  constructor(private readonly sim: BunqSimulator) {}

  async call(method: string, uri: string, body: Record<string, unknown> | null): Promise<unknown[]> {
    const bytes = body === null ? Buffer.alloc(0) : Buffer.from(pythonJsonDumps(body), 'utf8');
    const headers: Record<string, string> = {
      'User-Agent': 'bunq-sdk-python/1.14.1',
      'X-Bunq-Client-Request-Id': randomUUID(),
      'X-Bunq-Geolocation': '0 0 0 0 NL',
      'X-Bunq-Language': 'en_US',
      'X-Bunq-Region': 'nl_NL',
      'Cache-Control': 'no-cache',
    };
    if (this.token !== null) {
      headers['X-Bunq-Client-Authentication'] = this.token;
      headers['X-Bunq-Client-Signature'] = createSign('sha256')
        .update(bytes)
        .sign(clientKeys.privateKeyPem, 'base64');
    }
    const answer = await this.sim.fetch(`https://public-api.sandbox.bunq.com/v1/${uri}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'DELETE' ? {} : { body: bytes }),
    });
    const raw = Buffer.from(await answer.arrayBuffer());
    if (answer.status !== 200)
      throw new Error(`SDK ApiException: HTTP ${answer.status} ${raw.toString('utf8')}`);
    if (this.serverKey !== null) {
      const signature = answer.headers.get('x-bunq-server-signature');
      if (signature === null) throw new Error('SDK KeyError: X-Bunq-Server-Signature');
      const valid = createVerify('sha256').update(raw).verify(this.serverKey, signature, 'base64');
      if (!valid) throw new Error('SDK BunqException: Could not validate response signature.');
    }
    return (JSON.parse(raw.toString('utf8')) as { Response: unknown[] }).Response;
  }
}

const field = (item: unknown, key: string): Record<string, unknown> =>
  (item as Record<string, Record<string, unknown>>)[key] ?? {};

const USER_KEYS = ['UserCompany', 'UserPerson', 'UserApiKey', 'UserPaymentServiceProvider'];

/** `ApiContext.create` + `BunqContext.load_api_context` + `close_session`, as the SDK runs them. */
async function standardSetup(sim: BunqSimulator, apiKey: string, permittedIps?: string[]) {
  const sdk = new PythonSdkReplay(sim);
  const publicKey = createPublicKey(clientKeys.privateKeyPem).export({ type: 'spki', format: 'pem' });
  const installation = await sdk.call('POST', 'installation', {
    client_public_key: String(publicKey).trimEnd(),
  });
  expect(field(installation[0], 'Id').id).toEqual(expect.any(Number));
  sdk.token = String(field(installation[1], 'Token').token);
  sdk.serverKey = String(field(installation[2], 'ServerPublicKey').server_public_key);

  const device = await sdk.call('POST', 'device-server', {
    description: 'python sdk replay',
    secret: apiKey,
    ...(permittedIps === undefined ? {} : { permitted_ips: permittedIps }),
  });
  expect(field(device[0], 'Id').id).toEqual(expect.any(Number));

  const session = await sdk.call('POST', 'session-server', { secret: apiKey });
  expect(field(session[0], 'Id').id).toEqual(expect.any(Number));
  const userKey = USER_KEYS.find((key) => key in (session[2] as object));
  if (userKey === undefined) throw new Error('SDK BunqException: Could not determine user.');
  const sessionUser = field(session[2], userKey);
  const timeoutOwner =
    userKey === 'UserApiKey'
      ? Object.values(sessionUser.requested_by_user as Record<string, Record<string, unknown>>)[0]
      : sessionUser;
  const sessionTimeout = timeoutOwner?.session_timeout;
  sdk.token = String(field(session[1], 'Token').token);
  const userId = Number(sessionUser.id);

  // BunqContext.load_api_context → UserContext(user_id) → User.list(); then the primary account.
  const users = await sdk.call('GET', 'user', null);
  const listedKey = USER_KEYS.find((key) => key in (users[0] as object));
  let primaryAccount: unknown = null;
  if (userKey !== 'UserPaymentServiceProvider') {
    const accounts = await sdk.call('GET', `user/${userId}/monetary-account-bank`, null);
    primaryAccount = accounts
      .map((item) => field(item, 'MonetaryAccountBank'))
      .find((a) => a.status === 'ACTIVE');
    if (primaryAccount === undefined) throw new Error('SDK BunqException: No active monetary account found.');
  }

  const closed = await sdk.call('DELETE', 'session/0', null);
  const afterClose = await sdk.call('GET', `user/${userId}/monetary-account-bank`, null).then(
    () => 'answered',
    (error: Error) => error.message,
  );
  return {
    userKey,
    userId,
    sessionTimeout,
    listedKey,
    listedId: field(users[0], listedKey ?? '').id,
    primaryAccount,
    closed,
    afterClose,
  };
}

describe("bunq's Python SDK standard setup against the simulator", () => {
  it.each<SimUserKind>(['UserPerson', 'UserCompany', 'UserApiKey', 'UserPaymentServiceProvider'])(
    'works for a %s: handshake, signatures both ways, the user and its account, closing the session',
    async (kind) => {
      const sim = await createBunqSimulator({
        keyPair: simulatorKeys,
        fetch: async () => new Response(null),
      });
      const user = sim.createUser({ kind, sessionTimeoutSeconds: 3_600 });

      const result = await standardSetup(sim, user.apiKey);

      expect(result).toMatchObject({
        userKey: kind,
        userId: user.id,
        sessionTimeout: 3_600,
        listedKey: kind,
        listedId: user.id,
        closed: [],
      });
      if (kind === 'UserPaymentServiceProvider') expect(result.primaryAccount).toBeNull();
      else expect(result.primaryAccount).toMatchObject({ id: user.monetaryAccountIds[0], status: 'ACTIVE' });
      expect(result.afterClose).toMatch(/HTTP 401 .*Insufficient authentication\./);
      // The SDK's pretty-printed, key-sorted bodies were taken as sent (signatures over those bytes).
      expect(sim.requestLog.map((entry) => `${entry.method} ${entry.path} ${entry.status}`)).toEqual([
        'POST /installation 200',
        'POST /device-server 200',
        'POST /session-server 200',
        'GET /user 200',
        ...(kind === 'UserPaymentServiceProvider' ? [] : [`GET /user/${user.id}/monetary-account-bank 200`]),
        'DELETE /session/0 200',
        `GET /user/${user.id}/monetary-account-bank 401`,
      ]);
      expect(sim.requestLog[1]?.body).toBe(
        `{\n    "description": "python sdk replay",\n    "secret": "${user.apiKey}"\n}`,
      );
      sim.close();
    },
  );

  it('takes the permitted_ips the SDK sends when given, as a list', async () => {
    const sim = await createBunqSimulator({ keyPair: simulatorKeys, fetch: async () => new Response(null) });
    const user = sim.createUser();

    await expect(standardSetup(sim, user.apiKey, ['*'])).resolves.toMatchObject({ userId: user.id });
    expect(sim.requestLog[1]?.body).toContain('"permitted_ips": [\n        "*"\n    ],');
    sim.close();
  });
});
