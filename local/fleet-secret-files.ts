/**
 * Provisioned users' credentials in the local runtime: one JSON file per user, `<dir>/provision-<id>.json`,
 * mode 0600 in a 0700 directory, holding the bunq state (`{"apiKey": "<access token>", ...}`) the client
 * fills in. The local stand-in for the Secrets Manager secrets of `functions/commons/fleet-secrets.ts`; the
 * registry holds the path only. Writes go to a temporary file renamed over the old one, so a crash leaves
 * the old state or the new, never half of one.
 */
import { mkdirSync } from 'node:fs';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type BunqState, parseBunqState } from '../shared/bunq/api/state';
import type { FleetCredentialStore } from '../shared/fleet/credentials';

async function writeState(path: string, state: BunqState, exclusive: boolean): Promise<void> {
  const text = JSON.stringify(parseBunqState(state));
  if (exclusive) {
    // `wx`: a concurrent onboarding of the same provision that stored first wins, as in Secrets Manager.
    await writeFile(path, text, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    return;
  }
  const temporary = `${path}.tmp`;
  await writeFile(temporary, text, { mode: 0o600 });
  await rename(temporary, path);
}

export function fileFleetCredentials(directory: string): FleetCredentialStore {
  const dir = resolve(directory);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    refFor: (provisionId) => join(dir, `provision-${provisionId}.json`),
    exists: (ref) =>
      access(ref).then(
        () => true,
        () => false,
      ),
    create: (ref, accessToken) => writeState(ref, { apiKey: accessToken }, true),
    stateStore: (ref) => ({
      load: async () => {
        let json: unknown;
        try {
          json = JSON.parse(await readFile(ref, 'utf8'));
        } catch {
          // The JSON error would quote the file: name the file only.
          throw new Error(`the credential file ${ref} cannot be read as JSON`);
        }
        return parseBunqState(json);
      },
      save: (state) => writeState(ref, state, false),
    }),
  };
}
