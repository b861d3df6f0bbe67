/**
 * An append-only JSON Lines file, opened once. Appends are serialized so concurrent writers never interleave
 * lines, and `flush()` resolves once everything written so far is written.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { JsonLinesFileError } from './errors';

export interface JsonLinesFile {
  readonly path: string;
  append(value: unknown): Promise<void>;
  flush(): Promise<void>;
  /** Waits for pending appends and closes the file. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Opens (creating when missing) a JSON Lines file for appending. Fails now, naming the path, when the file
 * cannot be written, rather than at the first line.
 */
export async function openJsonLinesFile(path: string): Promise<JsonLinesFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'a');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new JsonLinesFileError(`cannot append to ${path}: ${reason}`, { cause: error });
  }
  let tail: Promise<void> = Promise.resolve();
  let closing: Promise<void> | undefined;
  return {
    path,
    append(value) {
      if (closing !== undefined) {
        return Promise.reject(new JsonLinesFileError(`${path} is closed; the line was not written`));
      }
      const line = `${JSON.stringify(value)}\n`;
      const write = tail.then(async () => {
        await handle.appendFile(line, 'utf8');
      });
      // A failed write must not block later ones; the caller still sees its own failure.
      tail = write.catch(() => undefined);
      return write;
    },
    flush: () => tail,
    close() {
      closing ??= tail.then(() => handle.close());
      return closing;
    },
  };
}
