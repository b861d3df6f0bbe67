import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  assessPinnedCertificates,
  pinnedChainOf,
} from '../../../../../shared/pipeline/recovery/pinned-certificates';

const FIXTURES = path.join(__dirname, '..', '..', '..', '..', 'integration', 'cli', 'fixtures');
/** The endpoint's certificate, and a different one (the CA that issued it) standing in for a stale pin. */
const SERVED = readFileSync(path.join(FIXTURES, 'leaf.pem'), 'utf8');
const OTHER = readFileSync(path.join(FIXTURES, 'ca.pem'), 'utf8');
const SERVED_VALID_TO = new Date(new X509Certificate(SERVED).validTo);
const daysBefore = (date: Date, days: number): Date => new Date(date.getTime() - days * 86_400_000);

describe('assessPinnedCertificates', () => {
  it('matches a pin whose leaf is the served certificate, and counts its days left', () => {
    const check = assessPinnedCertificates(
      [SERVED, OTHER],
      [{ id: 7, pems: [SERVED, OTHER] }],
      daysBefore(SERVED_VALID_TO, 29.5),
    );
    expect(check).toEqual({
      pins: [
        {
          id: 7,
          leafFingerprint256: new X509Certificate(SERVED).fingerprint256,
          leafValidTo: SERVED_VALID_TO.toISOString(),
          daysToExpiry: 29,
          matchesServed: true,
        },
      ],
      daysToExpiry: 29,
      mismatch: false,
    });
  });

  it('is a mismatch when something is pinned and no pinned leaf is the served certificate', () => {
    const check = assessPinnedCertificates(
      [SERVED],
      [{ id: 1, pems: [OTHER] }],
      daysBefore(SERVED_VALID_TO, 400),
    );
    expect(check.mismatch).toBe(true);
    expect(check.pins[0]?.matchesServed).toBe(false);
  });

  it('is no mismatch when one of several pins matches; days left is the fewest of them', () => {
    const now = daysBefore(SERVED_VALID_TO, 100);
    const otherDays = Math.floor(
      (new Date(new X509Certificate(OTHER).validTo).getTime() - now.getTime()) / 86_400_000,
    );
    const check = assessPinnedCertificates(
      [SERVED],
      [
        { id: 1, pems: [OTHER] },
        { id: 2, pems: [SERVED] },
      ],
      now,
    );
    expect(check.mismatch).toBe(false);
    expect(check.daysToExpiry).toBe(Math.min(100, otherDays));
  });

  it('goes negative once the pinned leaf has expired', () => {
    expect(
      assessPinnedCertificates([SERVED], [{ id: 1, pems: [SERVED] }], daysBefore(SERVED_VALID_TO, -3))
        .daysToExpiry,
    ).toBe(-3);
  });

  it('with nothing pinned, reports no days and no mismatch', () => {
    expect(assessPinnedCertificates([SERVED], [], new Date())).toEqual({
      pins: [],
      daysToExpiry: null,
      mismatch: false,
    });
  });

  it('reads bunq’s glued chain, and reports a pin that does not parse as a mismatch without days', () => {
    const pin = pinnedChainOf({ id: 3, certificate_chain: `${SERVED.trim()}\n${OTHER.trim()}` });
    expect(pin.pems).toHaveLength(2);
    const broken = assessPinnedCertificates([SERVED], [{ id: 4, pems: [] }], new Date());
    expect(broken).toEqual({
      pins: [
        { id: 4, leafFingerprint256: null, leafValidTo: null, daysToExpiry: null, matchesServed: false },
      ],
      daysToExpiry: null,
      mismatch: true,
    });
  });
});
