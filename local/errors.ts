/**
 * The local runtime's errors. Each says what failed and the value involved; {@link LocalRuntimeError} is their
 * base, so a caller can tell the runtime's own failures from a bug.
 */

/** Base of the local runtime's errors. */
export class LocalRuntimeError extends Error {
  override readonly name: string = 'LocalRuntimeError';
}

/** The HTTP server could not listen (address in use, not permitted); the cause is kept. */
export class HttpServerStartError extends LocalRuntimeError {
  override readonly name: string = 'HttpServerStartError';
}

/** A PutEvents call the real EventBridge would refuse as a whole (e.g. over 256 KiB in total). */
export class PutEventsValidationError extends LocalRuntimeError {
  override readonly name: string = 'PutEventsValidationError';
}

/** An events or dead-letter file that cannot be appended to; the message names the path. */
export class JsonLinesFileError extends LocalRuntimeError {
  override readonly name: string = 'JsonLinesFileError';
}

/** A message sent to the local queue after it was closed (the runtime is stopping). */
export class QueueClosedError extends LocalRuntimeError {
  override readonly name: string = 'QueueClosedError';
}
