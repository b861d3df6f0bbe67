/**
 * The fleet registry: one entry per provisioned bunq user the pipeline serves (a partner's fleet). It holds
 * references, never secrets: the user's credentials (access token, key pair, session) live in Secrets
 * Manager in AWS and in a secret file locally, and the entry names where (`credentialsRef`).
 *
 * Adapters: DynamoDB (`functions/commons/fleet-registry.ts`, its own table) and the local runtime's SQLite
 * database (`local/sqlite/fleet-registry.ts`).
 */
import * as z from 'zod';

/** Where a user's notification filters stand: written and confirmed by bunq, or not (yet). */
export const FILTER_STATES = ['registered', 'pending', 'failed'] as const;
export type FilterState = (typeof FILTER_STATES)[number];

export const fleetEntrySchema = z.object({
  /** The provisioned user's id for `/user/{userId}` paths (the UserApiKey id of its OAuth session). */
  userId: z.number().int().positive(),
  /** The `PartnerUserProvision` id it was onboarded from. */
  provisionId: z.number().int().positive(),
  /**
   * Where its credentials are: a Secrets Manager secret name in AWS, a file path locally. Never the
   * credentials themselves.
   */
  credentialsRef: z.string().min(1),
  /** The categories whose filters we registered for it (user level). */
  categories: z.array(z.string().min(1)),
  filterState: z.enum(FILTER_STATES),
  /** Where the reconciler keeps its cursor for this user (the cursor store's key), or null. */
  reconcileCursorRef: z.string().nullable(),
  /** RFC 3339: when it was first recorded. */
  onboardedAt: z.string(),
  /** RFC 3339: when the entry last changed. */
  updatedAt: z.string(),
});

export type FleetEntry = z.infer<typeof fleetEntrySchema>;

/** The registry port. */
export interface FleetRegistry {
  /** The entry of a user, or null. */
  get(userId: number): Promise<FleetEntry | null>;
  /** Creates or replaces the entry of `entry.userId`. */
  put(entry: FleetEntry): Promise<void>;
  /** Every entry, by user id. */
  list(): Promise<FleetEntry[]>;
}

/** Thrown when a stored entry does not match {@link fleetEntrySchema}; names the user, never a value. */
export class FleetRegistryError extends Error {
  override readonly name = 'FleetRegistryError';
}

/** Checks a stored entry. */
export function parseFleetEntry(value: unknown, where: string): FleetEntry {
  const parsed = fleetEntrySchema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new FleetRegistryError(`the fleet registry entry ${where} is malformed (fields: ${fields})`);
  }
  return parsed.data;
}

/** Whether two entries say the same thing, timestamps aside (an unchanged entry is not rewritten). */
export function sameFleetEntry(a: FleetEntry, b: FleetEntry): boolean {
  return (
    a.userId === b.userId &&
    a.provisionId === b.provisionId &&
    a.credentialsRef === b.credentialsRef &&
    a.filterState === b.filterState &&
    a.reconcileCursorRef === b.reconcileCursorRef &&
    a.categories.length === b.categories.length &&
    a.categories.every((category, index) => b.categories[index] === category)
  );
}

/** A registry in memory: for unit tests and one-off scripts. */
export class InMemoryFleetRegistry implements FleetRegistry {
  private readonly entries = new Map<number, FleetEntry>();
  /** How many times `put` was called. */
  puts = 0;

  async get(userId: number): Promise<FleetEntry | null> {
    const entry = this.entries.get(userId);
    return entry === undefined ? null : { ...entry, categories: [...entry.categories] };
  }

  async put(entry: FleetEntry): Promise<void> {
    this.entries.set(entry.userId, parseFleetEntry(entry, `of user ${entry.userId}`));
    this.puts += 1;
  }

  async list(): Promise<FleetEntry[]> {
    return [...this.entries.values()].sort((a, b) => a.userId - b.userId);
  }
}
