/**
 * The certificate chain an HTTPS endpoint presents (node:tls `getPeerCertificate(true)`, leaf first), as
 * PEM, and the little the CLI needs to say about a certificate. Used by `pin-certificate`.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { OperationError, UsageError } from './errors';

export interface FetchedChain {
  /** PEM certificates, leaf first, up to the root the chain was verified against (when it was). */
  readonly pems: string[];
  /** Whether the chain verified against the trusted roots (Node's, plus `ca`). */
  readonly authorized: boolean;
  readonly authorizationError: string | null;
}

export interface FetchChainOptions {
  /** Extra trusted roots. @default Node's bundled roots only */
  readonly ca?: string | readonly string[];
  /** @default 10000 */
  readonly timeoutMs?: number;
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

/** A PEM without its whitespace, to compare chains however they were wrapped. */
export const pemKey = (pem: string): string => pem.replace(/\s+/g, '');

export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly fingerprint256: string;
}

export function describeCertificate(pem: string): CertificateInfo {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw new UsageError(
      `A certificate does not parse as PEM X.509 (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  return {
    subject: certificate.subject.replace(/\n/g, ', '),
    issuer: certificate.issuer.replace(/\n/g, ', '),
    validTo: new Date(certificate.validTo).toISOString(),
    fingerprint256: certificate.fingerprint256,
  };
}

/** Connects to `host:port` with TLS (SNI = host unless it is an address) and returns the presented chain. */
export function fetchCertificateChain(
  host: string,
  port: number,
  options: FetchChainOptions = {},
): Promise<FetchedChain> {
  return new Promise((resolve, reject) => {
    const hostname = host.replace(/^\[|\]$/g, '');
    const socket = connect({
      host: hostname,
      port,
      ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
      // Verified below, so an untrusted chain can be reported (and pinned with --insecure) instead of failing.
      rejectUnauthorized: false,
      ...(options.ca === undefined
        ? {}
        : { ca: typeof options.ca === 'string' ? options.ca : [...options.ca] }),
    });
    socket.setTimeout(options.timeoutMs ?? 10_000, () => {
      socket.destroy();
      reject(
        new OperationError(`No TLS answer from ${host}:${port} within ${options.timeoutMs ?? 10_000} ms.`),
      );
    });
    socket.once('error', (error) =>
      reject(
        new OperationError(`Could not fetch the certificate of ${host}:${port}: ${error.message}`, {
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
        reject(new OperationError(`${host}:${port} presented no certificate.`));
        return;
      }
      resolve({ pems, authorized, authorizationError });
    });
  });
}
