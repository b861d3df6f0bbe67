/**
 * bunq's certificate pinning for callbacks (`/user/{u}/certificate-pinned`): create, list, read and delete.
 * Storage only: the simulator does not enforce pins on delivery (see README.md, "Not simulated").
 */
import { BunqProtocolError, successBody } from './protocol';
import { isRecord, jsonBody, type Route, type RouteContext, type SimContext } from './resource';
import type { SessionRegistry } from './sessions';

interface Certificate {
  readonly id: number;
  readonly userId: number;
  readonly chain: readonly string[];
}

export class CertificateStore {
  private readonly certificates = new Map<number, Certificate>();

  constructor(
    private readonly context: SimContext,
    private readonly sessions: SessionRegistry,
  ) {}

  routes(): Route[] {
    return [
      {
        pattern: /^\/user\/(\d+)\/certificate-pinned$/,
        methods: { GET: (c) => this.list(c), POST: (c) => this.post(c) },
      },
      {
        pattern: /^\/user\/(\d+)\/certificate-pinned\/(\d+)$/,
        methods: { GET: (c) => this.get(c), DELETE: (c) => this.delete(c) },
      },
    ];
  }

  private list(context: RouteContext): unknown {
    const userId = this.sessions.authorize(context);
    return successBody(
      [...this.certificates.values()]
        .filter((certificate) => certificate.userId === userId)
        .map((certificate) => ({ CertificatePinned: certificateJson(certificate) })),
    );
  }

  private get(context: RouteContext): unknown {
    const certificate = this.certificateOf(context);
    return successBody([{ CertificatePinned: certificateJson(certificate) }]);
  }

  private post(context: RouteContext): unknown {
    const userId = this.sessions.authorize(context);
    const body = jsonBody(context.request, ['certificate_chain']);
    const chain = body.certificate_chain;
    if (
      !Array.isArray(chain) ||
      chain.length === 0 ||
      !chain.every(
        (entry: unknown) =>
          isRecord(entry) &&
          typeof entry.certificate === 'string' &&
          entry.certificate.includes('-----BEGIN CERTIFICATE-----'),
      )
    ) {
      throw new BunqProtocolError(
        400,
        'The field "certificate_chain" must be a list of {"certificate": "<PEM certificate>"} objects.',
      );
    }
    const certificate: Certificate = {
      id: this.context.next('certificate'),
      userId,
      chain: chain.map((entry: { certificate: string }) => entry.certificate),
    };
    this.certificates.set(certificate.id, certificate);
    return successBody([{ Id: { id: certificate.id } }]);
  }

  private delete(context: RouteContext): unknown {
    const certificate = this.certificateOf(context);
    this.certificates.delete(certificate.id);
    return successBody([]);
  }

  private certificateOf(context: RouteContext): Certificate {
    const userId = this.sessions.authorize(context);
    const certificate = this.certificates.get(Number(context.params[1]));
    if (certificate === undefined || certificate.userId !== userId) {
      throw new BunqProtocolError(404, 'CertificatePinned not found.');
    }
    return certificate;
  }
}

function certificateJson(certificate: Certificate): Record<string, unknown> {
  return { id: certificate.id, certificate_chain: certificate.chain.join('\n') };
}
