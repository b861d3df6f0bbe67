/**
 * The certificate chain an HTTPS endpoint presents, as PEM, leaf first (node:tls `getPeerCertificate(true)`).
 * The CLI pins it at bunq; the failure poller's certificate check compares it with what is pinned.
 */
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';

export interface ServedChain {
  /** PEM certificates, leaf first, up to the root the chain was verified against (when it was). */
  readonly pems: string[];
  /** Whether the chain verified against the trusted roots (Node's, plus `ca`). */
  readonly authorized: boolean;
  readonly authorizationError: string | null;
}

export interface ServedChainOptions {
  /** Extra trusted roots. @default Node's bundled roots only */
  readonly ca?: string | readonly string[];
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/** The endpoint gave no chain: no TLS answer in time, a connection error, or no certificate. */
export class ServedChainError extends Error {
  override readonly name = 'ServedChainError';
}

/** DER bytes as a PEM certificate. */
export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Every PEM certificate in a text (a bundle, or bunq's chain glued with newlines), in order. */
export function splitPemBundle(text: string): string[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (pem) => `${pem}\n`,
  );
}

/** Connects to `host:port` with TLS (SNI = host unless it is an address) and returns the presented chain. */
export function fetchServedChain(
  host: string,
  port: number,
  options: ServedChainOptions = {},
): Promise<ServedChain> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const hostname = host.replace(/^\[|\]$/g, '');
    const socket = connect({
      host: hostname,
      port,
      ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
      // Verified below, so an untrusted chain can be reported (or pinned on purpose) instead of failing.
      rejectUnauthorized: false,
      ...(options.ca === undefined
        ? {}
        : { ca: typeof options.ca === 'string' ? options.ca : [...options.ca] }),
    });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new ServedChainError(`No TLS answer from ${host}:${port} within ${timeoutMs} ms.`));
    });
    socket.once('error', (error) =>
      reject(
        new ServedChainError(`Could not fetch the certificate of ${host}:${port}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    socket.once('secureConnect', () => {
      const pems: string[] = [];
      const seen = new Set<string>();
      let certificate: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      while (certificate?.raw !== undefined && !seen.has(certificate.fingerprint256)) {
        seen.add(certificate.fingerprint256);
        pems.push(derToPem(certificate.raw));
        certificate = certificate.issuerCertificate;
      }
      const authorized = socket.authorized;
      const authorizationError = authorized ? null : String(socket.authorizationError ?? 'not verified');
      socket.end();
      if (pems.length === 0) {
        reject(new ServedChainError(`${host}:${port} presented no certificate.`));
        return;
      }
      resolve({ pems, authorized, authorizationError });
    });
  });
}
