/**
 * Service limits the pipeline is sized by. Kept free of dependencies: the ingest imports it on its hot path.
 */

/** SQS's maximum message size (1 MiB), body and attributes together. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** Room kept for the message attributes the ingest adds (receive time, source, request id, encoding). */
export const QUEUE_METADATA_RESERVE_BYTES = 4_096;
/** The default (and largest) accepted callback body. */
export const DEFAULT_MAX_BODY_BYTES = SQS_MAX_MESSAGE_BYTES - QUEUE_METADATA_RESERVE_BYTES;
