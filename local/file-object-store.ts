/**
 * The claim-check bucket of the local runtime: a directory. Objects are written to a temporary name and
 * renamed, so a reader never sees half a file; the URI is a `file://` URL that `resolveCallbackObject` reads.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ObjectStore } from '../shared/pipeline/ports';

export function createFileObjectStore(directory: string): ObjectStore {
  const root = resolve(directory);
  return {
    async put(key, body) {
      const path = resolve(root, key);
      if (!path.startsWith(root + sep)) throw new Error(`object key "${key}" escapes ${root}`);
      await mkdir(dirname(path), { recursive: true });
      const temporary = join(dirname(path), `.${randomUUID()}.tmp`);
      await writeFile(temporary, body);
      await rename(temporary, path);
      return pathToFileURL(path).href;
    },
  };
}
