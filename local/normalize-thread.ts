/**
 * Starts the normalize thread (`normalize-worker.ts`) and speaks to it from the HTTP thread: wakes it when
 * callbacks were committed to the inbox, asks it to drain, evacuate or stop, and keeps the last counts it
 * reported, so `stats()` answers at once. The worker runs the TypeScript sources through tsx, as `npm start`
 * does.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DeadLetterRecord } from './dead-letter-file';
import type { LocalBusEvent } from './event-bus';
import type { LocalQueueStats } from './local-queue';
import type { NormalizeWorkerData } from './normalize-worker';

/** What the normalize thread reports after each of its commits and with each reply. */
export interface NormalizeThreadStats {
  readonly queue: LocalQueueStats;
  readonly events: number;
  readonly deadLetters: number;
  /** The last inbox row committed to the queue. */
  readonly cursor: number;
  /** Messages on the queue (visible, in flight or waiting for redelivery). */
  readonly held: number;
  /** Inbox rows not yet taken onto the queue (counted in `queue.visible`). */
  readonly waiting: number;
  /** Messages accepted and not yet processed: on the queue and waiting in the inbox. */
  readonly backlog: number;
}

export type ToNormalizeThread =
  | { readonly type: 'wake'; readonly id?: undefined }
  | { readonly type: 'drain'; readonly id: number; readonly timeoutMs: number }
  | { readonly type: 'evacuate'; readonly id: number; readonly reason: string; readonly detail: string }
  | { readonly type: 'stop'; readonly id: number };

export type FromNormalizeThread =
  | { readonly type: 'ready'; readonly stats: NormalizeThreadStats }
  | { readonly type: 'failed'; readonly name: string; readonly message: string }
  | { readonly type: 'progress'; readonly stats: NormalizeThreadStats }
  | { readonly type: 'events'; readonly items: ReadonlyArray<[LocalBusEvent, string[]]> }
  | { readonly type: 'deadLetter'; readonly record: DeadLetterRecord }
  | {
      readonly type: 'reply';
      readonly id: number | undefined;
      readonly value?: unknown;
      readonly error?: string;
      readonly stats?: NormalizeThreadStats;
    };

export interface NormalizeThreadHooks {
  readonly onEvent?: (event: LocalBusEvent, routes: readonly string[]) => void;
  /** After each report (e.g. to prune the inbox). */
  readonly onProgress: (stats: NormalizeThreadStats) => void;
  /** The thread died after it started (a bug): nothing is processed any more. */
  readonly onCrash: (error: Error) => void;
}

export class NormalizeThreadError extends Error {
  override readonly name = 'NormalizeThreadError';
}

const TSX = require.resolve('tsx/cjs/api');
const ENTRY = join(__dirname, 'normalize-worker.ts');
// The worker's entry is TypeScript: register tsx in the thread, then load it.
const BOOTSTRAP = `require(${JSON.stringify(TSX)}).register(); require(${JSON.stringify(ENTRY)});`;

export class NormalizeThread {
  readonly #worker: Worker;
  readonly #hooks: NormalizeThreadHooks;
  readonly #replies = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  readonly deadLetterRecords: DeadLetterRecord[] = [];
  #stats: NormalizeThreadStats;
  #nextId = 1;
  #exited = false;

  private constructor(worker: Worker, stats: NormalizeThreadStats, hooks: NormalizeThreadHooks) {
    this.#worker = worker;
    this.#stats = stats;
    this.#hooks = hooks;
    worker.on('message', (message: FromNormalizeThread) => this.#receive(message));
    worker.on('error', (error) => this.#crash(error));
    worker.on('exit', (code) => {
      this.#exited = true;
      if (this.#replies.size > 0)
        this.#crash(new NormalizeThreadError(`the normalize thread exited with ${code}`));
    });
  }

  /** Starts the thread; resolves once its database is open and recovered, rejects with its start error. */
  static start(data: NormalizeWorkerData, hooks: NormalizeThreadHooks): Promise<NormalizeThread> {
    // This caller's environment, not the process's first one: log level, metrics switch (as the handlers
    // on this thread see them, e.g. in a test).
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data, env: { ...process.env } });
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new NormalizeThreadError(`the normalize thread exited with ${code} before it started`));
      };
      const onMessage = (message: FromNormalizeThread): void => {
        if (message.type === 'failed') {
          cleanup();
          void worker.terminate();
          reject(new NormalizeThreadError(`${message.name}: ${message.message}`));
        } else if (message.type === 'ready') {
          cleanup();
          resolve(new NormalizeThread(worker, message.stats, hooks));
        }
      };
      const cleanup = (): void => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.off('message', onMessage);
      };
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.on('message', onMessage);
    });
  }

  /** The last counts the thread reported. */
  get stats(): NormalizeThreadStats {
    return this.#stats;
  }

  wake(): void {
    if (!this.#exited) this.#worker.postMessage({ type: 'wake' } satisfies ToNormalizeThread);
  }

  /** Resolves `true` once the queue and inbox are empty, `false` after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    return (await this.#request({ type: 'drain', id: this.#nextId++, timeoutMs })) as boolean;
  }

  /** Dead-letters everything still held with `reason`; resolves with how many. */
  async evacuate(reason: string, detail: string): Promise<number> {
    return (await this.#request({ type: 'evacuate', id: this.#nextId++, reason, detail })) as number;
  }

  /** Flushes and closes the thread's files and database; resolves with its final counts. */
  async stop(): Promise<NormalizeThreadStats> {
    if (this.#exited) return this.#stats;
    await this.#request({ type: 'stop', id: this.#nextId++ });
    await new Promise<void>((resolve) => {
      if (this.#exited) resolve();
      else this.#worker.once('exit', () => resolve());
    });
    return this.#stats;
  }

  /** Ends the thread at once (a failed start of the runtime). */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  #request(message: ToNormalizeThread & { id: number }): Promise<unknown> {
    if (this.#exited) return Promise.reject(new NormalizeThreadError('the normalize thread has exited'));
    return new Promise((resolve, reject) => {
      this.#replies.set(message.id, { resolve, reject });
      this.#worker.postMessage(message);
    });
  }

  #receive(message: FromNormalizeThread): void {
    switch (message.type) {
      case 'progress':
        this.#stats = message.stats;
        this.#hooks.onProgress(message.stats);
        return;
      case 'events':
        for (const [event, routes] of message.items) this.#hooks.onEvent?.(event, routes);
        return;
      case 'deadLetter':
        this.deadLetterRecords.push(message.record);
        return;
      case 'reply': {
        if (message.stats !== undefined) {
          this.#stats = message.stats;
          this.#hooks.onProgress(message.stats);
        }
        const waiter = message.id === undefined ? undefined : this.#replies.get(message.id);
        if (waiter === undefined || message.id === undefined) return;
        this.#replies.delete(message.id);
        if (message.error === undefined) waiter.resolve(message.value);
        else waiter.reject(new NormalizeThreadError(message.error));
        return;
      }
      default:
        return;
    }
  }

  #crash(error: Error): void {
    for (const waiter of this.#replies.values()) waiter.reject(error);
    this.#replies.clear();
    this.#hooks.onCrash(error);
  }
}
