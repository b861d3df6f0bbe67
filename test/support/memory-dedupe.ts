/**
 * Dedupe records in memory with the DynamoDB store's semantics (`functions/commons/dedupe-store.ts`):
 * conditional claims, take-over by batch, one item per committed batch. It counts writes, so tests can
 * show what a batch costs.
 */
import type {
  ClaimWrite,
  DedupeStore,
  PublishedKey,
  StoredClaim,
} from '../../shared/pipeline/normalize/dedupe';

type Record =
  | { readonly state: 'completed'; readonly eventId: string; readonly expiresAtSeconds: number }
  | ({ readonly state: 'claimed' } & ClaimWrite);

export class MemoryDedupeStore implements DedupeStore {
  readonly records = new Map<string, Record>();
  readonly batches = new Map<string, { keys: Map<string, string>; expiresAtSeconds: number }>();
  writes = 0;

  async claim(write: ClaimWrite, nowMs: number): Promise<StoredClaim | null> {
    const held = this.records.get(write.key);
    if (held !== undefined && held.expiresAtSeconds >= nowMs / 1_000) {
      return held.state === 'completed'
        ? { state: 'completed', eventId: held.eventId }
        : { state: 'claimed', batch: held.batch, inProgressUntilMs: held.inProgressUntilMs };
    }
    this.#put(write);
    return null;
  }

  async takeOver(write: ClaimWrite, from: string): Promise<boolean> {
    const held = this.records.get(write.key);
    if (held?.state !== 'claimed' || held.batch !== from) return false;
    this.#put(write);
    return true;
  }

  async readBatch(batch: string): Promise<ReadonlyMap<string, string> | undefined> {
    const item = this.batches.get(batch);
    return item === undefined || item.expiresAtSeconds < Date.now() / 1_000 ? undefined : item.keys;
  }

  async release(key: string, batch: string): Promise<void> {
    const held = this.records.get(key);
    if (held?.state === 'claimed' && held.batch === batch) this.records.delete(key);
  }

  async commitBatch(batch: string, published: readonly PublishedKey[], expiresAtSeconds: number) {
    this.writes += 1;
    this.batches.set(batch, { keys: new Map(published.map((p) => [p.key, p.eventId])), expiresAtSeconds });
  }

  async complete(published: PublishedKey, batch: string, expiresAtSeconds: number): Promise<void> {
    const held = this.records.get(published.key);
    if (held?.state !== 'claimed' || held.batch !== batch) throw new Error('the claim is not this batch’s');
    this.writes += 1;
    this.records.set(published.key, { state: 'completed', eventId: published.eventId, expiresAtSeconds });
  }

  #put(write: ClaimWrite): void {
    this.writes += 1;
    this.records.set(write.key, { state: 'claimed', ...write });
  }
}
