/**
 * The certificate check: bunq checks the chain pinned for a user (`/user/{id}/certificate-pinned`) against
 * the certificate the callback endpoint serves, and cancels the callback on a mismatch. A renewed
 * certificate that was not pinned again therefore stops every callback, silently. This compares the two and
 * says how long the pinned leaf has left, for the metrics and alarms that warn before that happens.
 */
import { X509Certificate } from 'node:crypto';
import { splitPemBundle } from './served-chain';

const DAY_MS = 86_400_000;

/** One pinned chain at bunq: its id and its PEM certificates, leaf first. */
export interface PinnedChain {
  readonly id: number;
  readonly pems: readonly string[];
}

/** What the check found about one pin. */
export interface PinAssessment {
  readonly id: number;
  /** SHA-256 fingerprint of the pinned leaf (colon-separated hex, as Node prints it); null if it does not parse. */
  readonly leafFingerprint256: string | null;
  /** RFC 3339 end of validity of the pinned leaf; null if it does not parse. */
  readonly leafValidTo: string | null;
  /** Whole days until the pinned leaf expires (negative once expired); null if it does not parse. */
  readonly daysToExpiry: number | null;
  /** Whether the pinned leaf is the certificate the endpoint serves. */
  readonly matchesServed: boolean;
}

export interface CertificateCheck {
  readonly pins: readonly PinAssessment[];
  /** The fewest days any pinned leaf has left; null when nothing is pinned (or nothing parses). */
  readonly daysToExpiry: number | null;
  /** True when something is pinned and no pinned leaf is the served certificate: bunq will cancel callbacks. */
  readonly mismatch: boolean;
}

/** A pin as bunq lists it: `certificate_chain` is the PEM certificates glued with newlines. */
export function pinnedChainOf(pin: {
  readonly id: number;
  readonly certificate_chain?: string | null;
}): PinnedChain {
  return { id: pin.id, pems: splitPemBundle(pin.certificate_chain ?? '') };
}

function parse(pem: string | undefined): X509Certificate | null {
  if (pem === undefined) return null;
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

/** Compares every pin with the served chain (leaf first) at `now`. */
export function assessPinnedCertificates(
  servedPems: readonly string[],
  pinned: readonly PinnedChain[],
  now: Date,
): CertificateCheck {
  const servedLeaf = parse(servedPems[0])?.fingerprint256 ?? null;
  const pins = pinned.map((pin): PinAssessment => {
    const leaf = parse(pin.pems[0]);
    if (leaf === null) {
      return {
        id: pin.id,
        leafFingerprint256: null,
        leafValidTo: null,
        daysToExpiry: null,
        matchesServed: false,
      };
    }
    const validTo = new Date(leaf.validTo);
    return {
      id: pin.id,
      leafFingerprint256: leaf.fingerprint256,
      leafValidTo: validTo.toISOString(),
      daysToExpiry: Math.floor((validTo.getTime() - now.getTime()) / DAY_MS),
      matchesServed: servedLeaf !== null && leaf.fingerprint256 === servedLeaf,
    };
  });
  const days = pins.flatMap((pin) => (pin.daysToExpiry === null ? [] : [pin.daysToExpiry]));
  return {
    pins,
    daysToExpiry: days.length === 0 ? null : Math.min(...days),
    mismatch: pins.length > 0 && !pins.some((pin) => pin.matchesServed),
  };
}
