/**
 * An append-only JSON Lines file. Appends are serialized so concurrent writers never interleave lines, and
 * `flush()` resolves once everything written so far is on disk.
 */
import { appendFile } from 'node:fs/promises';
import { JsonLinesFileError } from './errors';

export interface JsonLinesFile {
  readonly path: string;
  append(value: unknown): Promise<void>;
  flush(): Promise<void>;
}

/**
 * Opens (creating when missing) a JSON Lines file for appending. Fails now, naming the path, when the file
 * cannot be written, rather than at the first event.
 */
export async function openJsonLinesFile(path: string): Promise<JsonLinesFile> {
  try {
    await appendFile(path, '');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new JsonLinesFileError(`cannot append to ${path}: ${reason}`, { cause: error });
  }
  let tail: Promise<void> = Promise.resolve();
  return {
    path,
    append(value) {
      const line = `${JSON.stringify(value)}\n`;
      const write = tail.then(() => appendFile(path, line));
      // A failed write must not block later ones; the caller still sees its own failure.
      tail = write.catch(() => undefined);
      return write;
    },
    flush: () => tail,
  };
}
