/**
 * The bunq credentials and session state, kept as one typed object behind a {@link BunqStateStore}. Only
 * `apiKey` has to exist up front; the client fills in the rest (key pair, installation, device, session)
 * and saves after each step, so a restart reuses what exists instead of registering again.
 *
 * Every string here except `baseUrl` is a secret or a credential: never log the object, and never put
 * one of its values in an error message.
 */
import * as z from 'zod';
import { BunqStateError } from './errors';
import { describeIssues } from './schemas';

export const bunqStateSchema = z.looseObject({
  /** The bunq API key (or an OAuth access token used as one). */
  apiKey: z.string().min(1, 'apiKey is required'),
  /** The API base URL the installation below belongs to; another URL means a new installation. */
  baseUrl: z.string().optional(),
  /** PKCS#8 PEM of the client key pair (the public half is derived from it). */
  privateKeyPem: z.string().optional(),
  installationId: z.number().int().optional(),
  installationToken: z.string().optional(),
  /** bunq's public key from the installation answer: verifies every response. */
  serverPublicKeyPem: z.string().optional(),
  deviceId: z.number().int().optional(),
  sessionId: z.number().int().optional(),
  sessionToken: z.string().optional(),
  /** When the session stops working: RFC 3339. */
  sessionExpiresAt: z.string().optional(),
  /** The user id for `/user/{userId}/...` paths, from the session answer. */
  userId: z.number().int().optional(),
});

export type BunqState = z.infer<typeof bunqStateSchema>;

/** Where the state lives. `load` is called once per client; `save` after every change. */
export interface BunqStateStore {
  load(): Promise<BunqState>;
  save(state: BunqState): Promise<void>;
}

/** Checks a stored value; the error names the field and the problem, never a value. */
export function parseBunqState(value: unknown): BunqState {
  const parsed = bunqStateSchema.safeParse(value);
  if (!parsed.success) {
    throw new BunqStateError(
      `The stored bunq state is not valid (${describeIssues(parsed.error)}). Store a JSON object with at ` +
        'least {"apiKey": "<bunq API key>"}.',
    );
  }
  return parsed.data;
}

/** Keeps the state in memory: for tests, the local runtime and one-off scripts. */
export class InMemoryBunqStateStore implements BunqStateStore {
  private state: BunqState;
  /** How many times `save` was called. */
  saves = 0;

  constructor(initial: BunqState) {
    this.state = parseBunqState(initial);
  }

  async load(): Promise<BunqState> {
    return { ...this.state };
  }

  async save(state: BunqState): Promise<void> {
    this.state = parseBunqState(state);
    this.saves += 1;
  }

  /** A copy of what is stored now. */
  current(): BunqState {
    return { ...this.state };
  }
}
