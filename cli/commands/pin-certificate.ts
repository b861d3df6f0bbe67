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
import type { Command } from '../command';
import { RefusedError, UsageError } from '../errors';
import { BUNQ_OPTIONS, COMMON_OPTIONS, TARGET_OPTIONS } from '../options';

export const PIN_OPTIONS = {
  host: {
    type: 'string',
    value: '<host[:port]>',
    description: "endpoint to fetch the chain from (default: the callback URL's host, port 443)",
  },
  'certificate-file': {
    type: 'string',
    value: '<path>',
    description:
      'pin the PEM chain in this file (leaf first) instead of fetching one, e.g. the next certificate',
  },
  insecure: {
    type: 'boolean',
    description: 'pin a chain that does not verify against the trusted roots (self-signed; local tests only)',
  },
  force: {
    type: 'boolean',
    description: 'pin even an AWS-managed certificate (*.amazonaws.com), which AWS renews without notice',
  },
  'dry-run': { type: 'boolean', description: 'show the chain without pinning it' },
} as const;

const { 'monetary-account': _account, ...PIN_TARGET_OPTIONS } = TARGET_OPTIONS;

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

export const pinCertificateCommand: Command = {
  name: 'pin-certificate',
  summary: "pin the endpoint's certificate chain at bunq (read the warning)",
  description:
    'Fetches the certificate chain the callback endpoint presents (TLS, leaf first) and pins it at bunq. bunq ' +
    'then checks the certificate of every callback it sends and cancels the callback on a mismatch. A renewed ' +
    'certificate therefore stops ALL callbacks until the new one is pinned. The default execute-api endpoint ' +
    "carries AWS's certificate, which AWS renews without notice: pin only a custom domain whose certificate " +
    'renewal you control (refused for *.amazonaws.com without --force). Pins are per bunq user.',
  sections: [
    { title: 'Options', options: PIN_OPTIONS },
    { title: 'Callback URL', options: PIN_TARGET_OPTIONS },
    { title: 'bunq', options: BUNQ_OPTIONS },
    { title: 'Common', options: COMMON_OPTIONS },
  ],
  examples: [
    'bunq-webhooks pin-certificate --stack BunqWebhooks --host callbacks.example.com --dry-run',
    'bunq-webhooks pin-certificate --stack BunqWebhooks --certificate-file next-chain.pem',
  ],
  exitCodes: [
    '0  pinned, already pinned, or dry run',
    '1  the endpoint or bunq failed',
    '2  a flag is missing or wrong (or the file holds no certificate)',
    '3  the stack or one of its outputs does not exist',
    '4  refused: an untrusted chain without --insecure, or an *.amazonaws.com host without --force',
  ],
  async run(context) {
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
  },
};
