/**
 * The certificate chain an HTTPS endpoint presents (node:tls `getPeerCertificate(true)`, leaf first), as
 * PEM, and the little the CLI needs to say about a certificate. Used by `pin-certificate`.
 */
import { X509Certificate } from 'node:crypto';
import {
  derToPem,
  fetchServedChain,
  type ServedChain,
  ServedChainError,
  type ServedChainOptions,
  splitPemBundle,
} from '../shared/pipeline/recovery/served-chain';
import { OperationError, UsageError } from './errors';

export type FetchedChain = ServedChain;
export type FetchChainOptions = ServedChainOptions;
export { derToPem, splitPemBundle };

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
export async function fetchCertificateChain(
  host: string,
  port: number,
  options: FetchChainOptions = {},
): Promise<FetchedChain> {
  try {
    return await fetchServedChain(host, port, options);
  } catch (error) {
    if (error instanceof ServedChainError) throw new OperationError(error.message, { cause: error.cause });
    throw error;
  }
}
