/**
 * The CLI's bunq session, kept between runs. Each run used to install, register a device and open a new
 * session; bunq allows one new session per 30 seconds, so a second command waited out that limit (about
 * 36 s each). Now the installation, device and session of one API key at one base URL live in a file under
 * the user's configuration directory, readable by the user alone, and a second command within the
 * session's lifetime makes no set-up call at all.
 *
 * The file never holds the API key (the file name is a digest of it): the key still comes from the flag,
 * the environment or the stack's secret on every run. It holds the client's private key, the installation
 * and session tokens: it is written 0600 in a 0700 directory, and a file that others may read is ignored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type BunqState, type BunqStateStore, parseBunqState } from '../shared/bunq/api/state';

/** Set to `off` to keep nothing between runs (tests do; `--no-session-cache` does the same per run). */
export const SESSION_CACHE_ENV = 'BUNQ_WEBHOOKS_SESSION_CACHE';
/** Overrides the directory; by default `$XDG_CONFIG_HOME/bunq-webhooks` or `~/.config/bunq-webhooks`. */
export const CONFIG_DIR_ENV = 'BUNQ_WEBHOOKS_CONFIG_DIR';

/**
 * Where the sessions live for this environment, or undefined when caching is off or there is no home
 * (an environment without HOME, XDG_CONFIG_HOME, APPDATA or BUNQ_WEBHOOKS_CONFIG_DIR keeps nothing).
 */
export function sessionCacheDir(env: NodeJS.ProcessEnv, platform = process.platform): string | undefined {
  if (env[SESSION_CACHE_ENV]?.toLowerCase() === 'off') return undefined;
  const explicit = env[CONFIG_DIR_ENV];
  if (explicit !== undefined && explicit !== '') return path.join(path.resolve(explicit), 'sessions');
  const base =
    env.XDG_CONFIG_HOME ||
    (platform === 'win32' ? env.APPDATA : undefined) ||
    (env.HOME ? path.join(env.HOME, '.config') : undefined) ||
    (env.USERPROFILE ? path.join(env.USERPROFILE, '.config') : undefined);
  return base === undefined ? undefined : path.join(base, 'bunq-webhooks', 'sessions');
}

/** The file of one API key at one base URL: a digest of both, so neither appears on disk. */
export function sessionFile(dir: string, apiKey: string, baseUrl: string): string {
  const digest = createHash('sha256').update(`${baseUrl}\n${apiKey}`).digest('hex').slice(0, 32);
  return path.join(dir, `${digest}.json`);
}

/**
 * A {@link BunqStateStore} on one session file. `load` returns the API key with what the file holds for it
 * (nothing when the file is missing, unreadable, readable by others, or of another base URL); `save` writes
 * everything but the API key, atomically.
 */
export class FileBunqStateStore implements BunqStateStore {
  /** Whether `load` found a usable file (so a refusal by bunq may mean the saved session is stale). */
  loadedFromFile = false;

  constructor(
    private readonly file: string,
    private readonly apiKey: string,
    private readonly baseUrl: string,
  ) {}

  async load(): Promise<BunqState> {
    const saved = await this.readSaved();
    this.loadedFromFile = saved !== undefined;
    return parseBunqState({ ...(saved ?? {}), apiKey: this.apiKey });
  }

  async save(state: BunqState): Promise<void> {
    const { apiKey: _apiKey, ...rest } = parseBunqState(state);
    const dir = path.dirname(this.file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, `${JSON.stringify(rest)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, this.file);
  }

  /** Forgets the saved session (bunq refused it), so the next run starts afresh. */
  async clear(): Promise<void> {
    await unlink(this.file).catch(() => undefined);
  }

  private async readSaved(): Promise<Record<string, unknown> | undefined> {
    try {
      const info = await stat(this.file);
      // Others could have read or replaced it: do not trust it (a fresh session replaces it).
      if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) return undefined;
      const saved: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) return undefined;
      const record = saved as Record<string, unknown>;
      if (record.baseUrl !== this.baseUrl) return undefined;
      parseBunqState({ ...record, apiKey: this.apiKey });
      return record;
    } catch {
      // Missing, unreadable or not a valid state: start afresh (and overwrite it on the first save).
      return undefined;
    }
  }
}
