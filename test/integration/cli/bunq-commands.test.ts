/**
 * The bunq side of the CLI against the bunq simulator on 127.0.0.1: read-merge-write keeps other
 * integrations' filters, bunq's list-shaped answer, 429 backoff, dry runs, idempotence, the HTTPS rule,
 * status, rotate-token's re-registration and certificate pinning.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { CliDeps } from '../../../cli/context';
import { generateRsaKeyPair, type RsaKeyPair } from '../../../shared/bunq/api/crypto';
import { type RunningBunqSimulator, startBunqSimulator } from '../../../simulator/server';
import type { SimUser } from '../../../simulator/simulator';
import { runCli } from '../../unit/cli/support';

const FIXTURES = join(__dirname, 'fixtures');
const BASE = 'http://127.0.0.1:3000/callbacks/';
const OURS = `${BASE}${'n'.repeat(43)}`;
const OLD = `${BASE}${'o'.repeat(43)}`;
const FOREIGN = 'https://ynab-sync.example/hooks/foreign-secret-token-123';

let sim: RunningBunqSimulator;
let clientKeys: RsaKeyPair;
let deps: CliDeps;

beforeAll(async () => {
  const [simulatorKeys, keys] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
  clientKeys = keys;
  // Rate limits off: every CLI run opens its own session; the 429 test scripts its 429s.
  sim = await startBunqSimulator({ rateLimits: false, retryIntervalMs: 20, keyPair: simulatorKeys });
  deps = { bunq: { generateKeyPair: async () => clientKeys } };
});

afterAll(async () => {
  await sim.stop();
});

/** A new simulator user with these filters registered: [category, target] each. */
function newUser(...filters: Array<[category: string, target: string]>): SimUser {
  const user = sim.simulator.createUser();
  if (filters.length > 0) {
    sim.simulator.setNotificationFilters(
      user.id,
      filters.map(([category, target]) => ({ category, notification_target: target })),
    );
  }
  return user;
}

/** Runs `command` against the simulator as `user`, with `args` after the bunq flags. */
const cli = (user: SimUser, command: string, ...args: string[]) =>
  runCli([command, ...bunqFlags(user), ...args], deps);

/** `register` of our (http) callback URL for `categories`, as `user`. */
const registerOurs = (user: SimUser, categories: string, ...args: string[]) =>
  cli(user, 'register', '--callback-url', OURS, '--categories', categories, '--allow-http', ...args);

const bunqFlags = (user: SimUser) => ['--bunq-base-url', sim.origin, '--api-key', user.apiKey];

const filtersOf = (user: SimUser) =>
  sim.simulator
    .allFilters(user.id)
    .map((filter) => ({
      category: filter.category,
      target: filter.target,
      account: filter.monetaryAccountId,
    }))
    .sort((a, b) => `${a.category}${a.target}`.localeCompare(`${b.category}${b.target}`));

const filterPosts = () =>
  sim.simulator.requestLog.filter(
    (entry) => entry.method === 'POST' && entry.path.includes('notification-filter-url'),
  );

describe('register and unregister', () => {
  it("keeps another integration's filter, reads bunq's list-shaped answer, and is idempotent", async () => {
    const user = newUser(['MUTATION', FOREIGN]);
    const before = filterPosts().length;
    const first = await registerOurs(user, 'MUTATION,PAYMENT');
    expect(first.code).toBe(0);
    expect(filtersOf(user)).toEqual([
      { category: 'MUTATION', target: OURS, account: null },
      { category: 'MUTATION', target: FOREIGN, account: null },
      { category: 'PAYMENT', target: OURS, account: null },
    ]);
    // One POST, answered with the list of NotificationFilterUrl items, and no read-back GET after it.
    const posts = filterPosts().slice(before);
    expect(posts).toHaveLength(1);
    const log = sim.simulator.requestLog;
    expect(log[log.length - 1]).toMatchObject({ method: 'POST', status: 200 });
    expect(first.stdout).toContain(
      '= MUTATION -> https://ynab-sync.example/hooks/fore…  (another integration)',
    );
    expect(first.stdout).toContain('+ PAYMENT  -> http://127.0.0.1:3000/callbacks/nnnn…');

    const again = await registerOurs(user, 'MUTATION,PAYMENT', '--json');
    expect(again.code).toBe(0);
    expect(filterPosts().length).toBe(before + 1);
    expect(again.json()).toMatchObject({
      ok: true,
      scopes: [{ changed: false, written: false, added: [], removed: [] }],
    });
  });

  it('--dry-run prints the change and writes nothing', async () => {
    const user = newUser(['PAYMENT', FOREIGN]);
    const before = filterPosts().length;
    const result = await registerOurs(user, 'MUTATION', '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('would add 1, would remove 0');
    expect(result.stdout).toContain('Dry run: nothing was written.');
    expect(filterPosts().length).toBe(before);
    expect(filtersOf(user)).toEqual([{ category: 'PAYMENT', target: FOREIGN, account: null }]);
  });

  it('refuses an http:// callback URL without --allow-http before any call to bunq (exit 4)', async () => {
    const user = newUser();
    const calls = sim.simulator.requestLog.length;
    const result = await cli(user, 'register', '--callback-url', OURS, '--categories', 'MUTATION');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('is not HTTPS');
    expect(result.stderr).toContain('--allow-http');
    expect(sim.simulator.requestLog.length).toBe(calls);
  });

  it('unregister removes only ours (any token under the base URL); the foreign filter survives', async () => {
    const user = newUser(['MUTATION', FOREIGN], ['MUTATION', OURS], ['PAYMENT', OLD]);
    const result = await cli(user, 'unregister', '--callback-base-url', BASE, '--allow-http', '--json');
    expect(result.code).toBe(0);
    expect(filtersOf(user)).toEqual([{ category: 'MUTATION', target: FOREIGN, account: null }]);
    expect((result.json().scopes as Array<{ removed: unknown[] }>)[0]?.removed).toHaveLength(2);
    const again = await cli(user, 'unregister', '--callback-base-url', BASE, '--allow-http');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('none of our filters registered, nothing written');
  });

  it('works on a monetary account without touching the user-level filters', async () => {
    const user = sim.simulator.createUser({ monetaryAccountIds: [77] });
    sim.simulator.setNotificationFilters(user.id, [
      { category: 'MUTATION', notification_target: FOREIGN },
      { category: 'MUTATION', notification_target: FOREIGN, monetaryAccountId: 77 },
    ]);
    const result = await registerOurs(user, 'MUTATION', '--monetary-account', '77');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`user ${user.id}, monetary account 77: added 1`);
    expect(filtersOf(user)).toEqual([
      { category: 'MUTATION', target: OURS, account: 77 },
      { category: 'MUTATION', target: FOREIGN, account: null },
      { category: 'MUTATION', target: FOREIGN, account: 77 },
    ]);
  });

  it('refuses a third URL for a category, as bunq would, and writes nothing (exit 4)', async () => {
    const user = newUser(['MUTATION', FOREIGN], ['MUTATION', 'https://second.example/hook']);
    const before = filterPosts().length;
    const result = await registerOurs(user, 'MUTATION');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('at most 2 callback URLs per category');
    expect(filterPosts().length).toBe(before);
  });
});

describe('429 from bunq', () => {
  /** `register` for a new user while bunq answers its first `times` filter reads with 429. */
  async function registerThrough429s(times: number, maxRetries: number) {
    const user = newUser();
    sim.simulator.injectFault({
      kind: 'error',
      status: 429,
      method: 'GET',
      path: 'notification-filter-url',
      times,
    });
    const result = await runCli(
      ['register', ...bunqFlags(user), '--callback-url', OURS, '--categories', 'MUTATION', '--allow-http'],
      { ...deps, bunq: { ...deps.bunq, backoff: { maxRetries, baseDelayMs: 5, maxDelayMs: 20 } } },
    );
    return { user, result };
  }

  it('backs off and retries, saying so on stderr', async () => {
    const { user, result } = await registerThrough429s(2, 3);
    expect(result.code).toBe(0);
    expect(result.stderr.match(/rate limit hit; backing off/g)).toHaveLength(2);
    expect(filtersOf(user)).toEqual([{ category: 'MUTATION', target: OURS, account: null }]);
  });

  it('gives up after the retries with exit 1, naming the status', async () => {
    const { result } = await registerThrough429s(5, 2);
    sim.simulator.clearFaults();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed with HTTP 429/);
  });
});

describe('status', () => {
  it('shows our filters, the failures bunq lists (ours counted) and the pins', async () => {
    const user = newUser(['MUTATION', FOREIGN], ['MUTATION', OURS]);
    sim.simulator.seedFailures(user.id, [
      { category: 'MUTATION', notification_target: OURS },
      { category: 'MUTATION', notification_target: OURS },
      { category: 'MUTATION', notification_target: FOREIGN },
    ]);
    const result = await cli(user, 'status', '--callback-url', OURS, '--allow-http', '--json');
    expect(result.code).toBe(0);
    expect(result.json().bunq).toMatchObject({
      userId: user.id,
      filters: [
        { category: 'MUTATION', target: 'https://ynab-sync.example/hooks/fore…', ours: false },
        { category: 'MUTATION', target: 'http://127.0.0.1:3000/callbacks/nnnn…', ours: true },
      ],
      failures: { total: 3, ours: 2, byCategory: { MUTATION: 3 } },
      pinnedCertificateIds: [],
    });
    const text = await cli(user, 'status', '--callback-url', OURS, '--allow-http');
    expect(text.stdout).toContain('failed callbacks bunq lists: 3 (2 to our URL)');
  });
});

describe('rotate-token', () => {
  const TOKEN_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-AbCdEf';
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());

  it('moves our categories to the new URL (old token replaced, foreign kept) after writing the secret', async () => {
    const user = newUser(['MUTATION', FOREIGN], ['MUTATION', OLD], ['PAYMENT', OLD]);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: 'o'.repeat(43) }) });
    secrets.on(PutSecretValueCommand).resolves({});
    const result = await cli(
      user,
      'rotate-token',
      '--token-secret-arn',
      TOKEN_SECRET,
      '--callback-base-url',
      BASE,
      '--allow-http',
    );
    expect(result.code).toBe(0);
    const written = JSON.parse(
      secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString ?? '{}',
    );
    const newUrl = `${BASE}${written.token}`;
    expect(written.previousToken).toBe('o'.repeat(43));
    expect(filtersOf(user)).toEqual(
      [
        { category: 'MUTATION', target: FOREIGN, account: null },
        { category: 'MUTATION', target: newUrl, account: null },
        { category: 'PAYMENT', target: newUrl, account: null },
      ].sort((a, b) => `${a.category}${a.target}`.localeCompare(`${b.category}${b.target}`)),
    );
  });

  it('leaves the secret alone when bunq cannot be reached', async () => {
    const user = newUser();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: 'o'.repeat(43) }) });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runCli(
      [
        'rotate-token',
        '--bunq-base-url',
        `http://127.0.0.1:${port}`,
        '--api-key',
        user.apiKey,
        '--token-secret-arn',
        TOKEN_SECRET,
        '--callback-base-url',
        BASE,
        '--allow-http',
      ],
      deps,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('got no answer');
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});

/**
 * Fixtures (test-only keys, valid until 2126): a CA and a leaf for localhost / 127.0.0.1 signed by it, made with
 * `openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/CN=bunq-webhooks test CA"` (CA) and
 * `openssl x509 -req -CA ca.pem -CAkey ca-key.pem -days 36500` with subjectAltName DNS:localhost,IP:127.0.0.1.
 */
describe('pin-certificate and unpin', () => {
  const ca = readFileSync(join(FIXTURES, 'ca.pem'), 'utf8');
  const leaf = readFileSync(join(FIXTURES, 'leaf.pem'), 'utf8');
  let server: Server;
  let host: string;

  beforeAll(async () => {
    server = createServer(
      { key: readFileSync(join(FIXTURES, 'leaf-key.pem')), cert: `${leaf}${ca}` },
      (_request, response) => response.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });

  it('pins the chain the endpoint presents (leaf first) with a plain warning, once', async () => {
    const user = newUser();
    const trusted = { ...deps, tlsCa: ca };
    const result = await runCli(['pin-certificate', ...bunqFlags(user), '--host', host, '--json'], trusted);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('WARNING: certificate pinning makes bunq refuse every callback');
    expect(result.stderr).toContain('ALL callbacks stop until you pin the new chain');
    const json = result.json();
    expect(json).toMatchObject({ state: 'pinned', id: expect.any(Number), userId: user.id });
    expect((json.chain as Array<{ subject: string }>).map((info) => info.subject)).toEqual([
      'CN=localhost',
      'CN=bunq-webhooks test CA',
    ]);
    const pinned = sim.simulator.requestLog.filter(
      (entry) => entry.method === 'POST' && entry.path.includes('certificate-pinned'),
    );
    const body = JSON.parse(pinned[pinned.length - 1]?.body ?? '{}');
    expect(body.certificate_chain).toHaveLength(2);
    expect(body.certificate_chain[0].certificate.replace(/\s/g, '')).toBe(leaf.replace(/\s/g, ''));

    const again = await runCli(['pin-certificate', ...bunqFlags(user), '--host', host], trusted);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already pinned for user ${user.id} (id ${json.id})`);

    const leafValidTo = new Date(new X509Certificate(leaf).validTo).toISOString();
    const status = await cli(user, 'status', '--json');
    expect(status.json().bunq).toMatchObject({
      pinnedCertificateIds: [json.id],
      pinnedCertificates: [
        { id: json.id, subject: 'CN=localhost', validTo: leafValidTo, daysToExpiry: expect.any(Number) },
      ],
    });
    const statusText = await cli(user, 'status');
    expect(statusText.stdout).toContain(`id ${json.id}: CN=localhost, expires ${leafValidTo} (`);

    const unknown = await cli(user, 'unpin', '--id', '999999');
    expect(unknown.code).toBe(3);
    const unpin = await cli(user, 'unpin', '--id', String(json.id));
    expect(unpin.code).toBe(0);
    expect(unpin.stdout).toContain(`Removed pin(s) ${json.id}`);
    expect((await cli(user, 'unpin', '--all')).stdout).toContain('Nothing pinned');
  });

  it('refuses an untrusted chain unless --insecure, and AWS-managed hosts unless --force (exit 4)', async () => {
    const user = newUser();
    const untrusted = await cli(user, 'pin-certificate', '--host', host);
    expect(untrusted.code).toBe(4);
    expect(untrusted.stderr).toContain('does not verify');
    const insecure = await cli(user, 'pin-certificate', '--host', host, '--insecure', '--dry-run');
    expect(insecure.code).toBe(0);
    expect(insecure.stdout).toContain('Would pin this chain');
    const aws = await cli(user, 'pin-certificate', '--host', 'abc123.execute-api.eu-west-1.amazonaws.com');
    expect(aws.code).toBe(4);
    expect(aws.stderr).toContain('AWS renews without notice');
  });

  it('pins a chain from --certificate-file', async () => {
    const user = newUser();
    const result = await cli(user, 'pin-certificate', '--certificate-file', join(FIXTURES, 'leaf.pem'));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Pinned for user \d+ as id \d+/);
  });
});
