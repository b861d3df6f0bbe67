/**
 * `pin-certificate`: fetch the callback endpoint's certificate chain (or read one from a file) and pin it at
 * bunq (`POST /user/{id}/certificate-pinned`). bunq then refuses every callback whose server certificate does
 * not match: a renewed certificate stops all callbacks until it is pinned again, so the warning is loud.
 */
import { readFile } from 'node:fs/promises';
import { resolveCallbackTarget } from '../callback-target';
import {
  type CertificateInfo,
  describeCertificate,
  fetchCertificateChain,
  pemKey,
  splitPemBundle,
} from '../certificate-chain';
import type { CommandOutput } from '../command';
import { defineCommand } from '../command-table';
import type { CliContext } from '../context';
import { RefusedError, UsageError } from '../errors';

/** The warning printed on every pin: plain, because the failure it describes is silent. */
export function pinWarning(leafValidTo: string): string {
  return [
    'WARNING: certificate pinning makes bunq refuse every callback whose server certificate does not match',
    `this chain. When the certificate is renewed (this one expires ${leafValidTo}; ACM renews automatically,`,
    'weeks before that), ALL callbacks stop until you pin the new chain with `bunq-webhooks pin-certificate`.',
    'bunq then records them as failures. Pin the new certificate as soon as it is issued, or `unpin` first.',
  ].join('\n');
}

function parseHost(text: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = match?.[2] === undefined ? 443 : Number(match[2]);
  if (match?.[1] === undefined || port < 1 || port > 65_535) {
    throw new UsageError(`--host must be host or host:port, e.g. api.example.com:443, got "${text}"`);
  }
  return { host: match[1], port };
}

async function pinCertificate(context: CliContext): Promise<CommandOutput> {
  const { flags } = context;
  const dryRun = flags.boolean('dry-run');
  const file = flags.string('certificate-file');
  let pems: string[];
  let source: string;
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(
        `--certificate-file: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    pems = splitPemBundle(text);
    if (pems.length === 0) throw new UsageError(`--certificate-file ${file} holds no PEM certificate.`);
    source = file;
  } else {
    const hostFlag = flags.string('host');
    let endpoint: { host: string; port: number };
    if (hostFlag !== undefined) endpoint = parseHost(hostFlag);
    else {
      const target = await resolveCallbackTarget(context, false);
      const url = new URL((target.url ?? target.baseUrl) as string);
      endpoint = { host: url.hostname, port: url.port === '' ? 443 : Number(url.port) };
    }
    if (/(^|\.)amazonaws\.com$/i.test(endpoint.host) && !flags.boolean('force')) {
      throw new RefusedError(
        `${endpoint.host} serves AWS's own certificate, which AWS renews without notice: pinning it would stop ` +
          'all callbacks at the next renewal. Put the callback URL on a custom domain whose certificate you ' +
          'control and pin that (--host), or pass --force if you accept the risk.',
      );
    }
    context.progress(`fetching the certificate chain of ${endpoint.host}:${endpoint.port}`);
    const fetched = await fetchCertificateChain(endpoint.host, endpoint.port, {
      ...(context.deps.tlsCa === undefined ? {} : { ca: context.deps.tlsCa }),
    });
    if (!fetched.authorized && !flags.boolean('insecure')) {
      throw new RefusedError(
        `The chain of ${endpoint.host}:${endpoint.port} does not verify (${fetched.authorizationError}); bunq would ` +
          "not accept it for callbacks either. Fix the endpoint's certificate, or pass --insecure for a local test.",
      );
    }
    pems = fetched.pems;
    source = `${endpoint.host}:${endpoint.port}`;
  }
  const chain: CertificateInfo[] = pems.map(describeCertificate);
  const leaf = chain[0] as CertificateInfo;
  context.io.stderr(`${pinWarning(leaf.validTo)}\n`);

  const session = await context.bunq();
  const existing = await session.client.listCertificatesPinned(session.userId);
  const wanted = pems.map(pemKey).join('|');
  const same = existing.find(
    (pin) =>
      splitPemBundle(pin.certificate_chain ?? '')
        .map(pemKey)
        .join('|') === wanted,
  );
  let id = same?.id ?? null;
  const state = same !== undefined ? 'already-pinned' : dryRun ? 'dry-run' : 'pinned';
  if (state === 'pinned') id = await session.client.createCertificatePinned(session.userId, pems);

  const others = existing.filter((pin) => pin.id !== id).map((pin) => pin.id);
  const heading =
    state === 'already-pinned'
      ? `This chain is already pinned for user ${session.userId} (id ${id}); nothing written.`
      : state === 'dry-run'
        ? `Would pin this chain for user ${session.userId} (dry run: nothing written):`
        : `Pinned for user ${session.userId} as id ${id}:`;
  return {
    json: {
      command: 'pin-certificate',
      dryRun,
      source,
      state,
      id,
      userId: session.userId,
      otherPins: others,
      chain,
      warning: pinWarning(leaf.validTo),
    },
    text: [
      heading,
      ...chain.map(
        (info, index) =>
          `  ${index === 0 ? 'leaf' : `#${index}  `} ${info.subject} (issuer ${info.issuer}; expires ${info.validTo}; sha256 ${info.fingerprint256})`,
      ),
      ...(others.length > 0
        ? [`Other pins of this user: ${others.join(', ')} (\`bunq-webhooks unpin --id <id>\` removes one).`]
        : []),
    ].join('\n'),
  };
}

export const pinCertificateCommand = defineCommand('pin-certificate', pinCertificate);
