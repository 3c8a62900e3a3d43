/**
 * Tunables with their units and the reason for each value. Environment variables override the
 * transfer ones (see settings.ts); the rest are fixed here so one file explains the trade-offs.
 */

const MiB = 1024 * 1024;

/** zstd level (1..19). 1 compresses at several hundred MB/s per core with a ratio close to 3: the
 * cache travels inside the region, so CPU time costs more than the few extra bytes. */
export const ZSTD_LEVEL = 1;

/** zstd worker threads (0 = one per core). Compression runs while parts upload. */
export const ZSTD_THREADS = 0;

/** Name of the compression in the cache version (like upstream's CompressionMethod without --long):
 * entries written with another compression get another version and never match. */
export const COMPRESSION_METHOD = 'zstd-without-long';

/** Archive format recorded in the object's metadata (x-amz-meta-format) and checked on restore, so
 * later formats (e.g. independently compressed segments) can be added without breaking old entries. */
export const ARCHIVE_FORMAT = 'tar+zstd/1';
export const FORMAT_METADATA_KEY = 'format';

/** Upload part size, bytes. S3 needs >= 5 MiB per part (except the last) and <= 10,000 parts:
 * 16 MiB parts allow entries up to 156 GiB; memory is part size x (concurrency + 1). */
export const DEFAULT_UPLOAD_PART_SIZE = 16 * MiB;
export const MIN_UPLOAD_PART_SIZE = 5 * MiB;
export const MAX_UPLOAD_PART_SIZE = 512 * MiB;

/** Parts uploaded at once (DAZN_CACHE_UPLOAD_CONCURRENCY). */
export const DEFAULT_UPLOAD_CONCURRENCY = 4;

/** Ranged GET size, bytes (DAZN_CACHE_DOWNLOAD_PART_SIZE); entries up to this size use one GET. */
export const DEFAULT_DOWNLOAD_PART_SIZE = 8 * MiB;
export const MAX_DOWNLOAD_PART_SIZE = 1024 * MiB;

/** Ranged GETs at once (DAZN_CACHE_DOWNLOAD_CONCURRENCY); memory is part size x concurrency. */
export const DEFAULT_DOWNLOAD_CONCURRENCY = 8;

export const MAX_CONCURRENCY = 64;

/** Whole-download deadline, minutes (SEGMENT_DOWNLOAD_TIMEOUT_MINS, upstream's name and default). */
export const DEFAULT_SEGMENT_DOWNLOAD_TIMEOUT_MINS = 10;

/** Attempts per range (first try included). A range that receives no byte for the request
 * timeout (DAZN_CACHE_REQUEST_TIMEOUT_SECS) is aborted and retried. */
export const RANGE_MAX_ATTEMPTS = 5;

/** Backoff between attempts, milliseconds: full jitter, uniform in [0, min(max, base x 2^(n-1))];
 * five attempts wait about 1.5 s in all on average, at most 3 s. */
export const RETRY_BASE_DELAY_MS = 200;
export const RETRY_MAX_DELAY_MS = 5_000;

/** Attempts per request other than ranged GETs (first included), our retries (the SDK's are off,
 * so that they stop at the step's budget). */
export const REQUEST_MAX_ATTEMPTS = 5;

/** Time to open a TCP (and TLS) connection, milliseconds: S3 and STS in the region connect in
 * milliseconds; 5 s leaves room for a busy NAT gateway. Never more than the request timeout. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Longest silence on a connection, milliseconds (DAZN_CACHE_REQUEST_TIMEOUT_SECS): no answer
 * after the request was sent, or no byte of the answer's body. S3 answers in milliseconds and
 * keeps a long CompleteMultipartUpload alive by sending whitespace, so 30 s of silence is a hung
 * server, not a slow one. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const MAX_REQUEST_TIMEOUT_SECS = 3600;

/** Budget of a whole restore step beyond the download's SEGMENT_DOWNLOAD_TIMEOUT_MINS, minutes:
 * credentials, the lookup and tar finishing (DAZN_CACHE_STEP_TIMEOUT_MINS overrides the sum). */
export const RESTORE_STEP_ALLOWANCE_MINS = 5;

/** Budget of a whole save step, minutes (DAZN_CACHE_STEP_TIMEOUT_MINS): 10 GiB at a slow 10 MB/s
 * takes about 18 minutes; the budget is a backstop against a hang, every request has its own bound. */
export const DEFAULT_SAVE_STEP_TIMEOUT_MINS = 60;

/** AbortMultipartUpload after a failed save gets its own budget, milliseconds: the step's may be
 * spent already, and parts left behind cost storage until a lifecycle rule removes them. */
export const ABORT_UPLOAD_BUDGET_MS = 30_000;

/** Progress lines on long transfers, milliseconds (the contract asks for at least every 5 s). */
export const PROGRESS_INTERVAL_MS = 5_000;

/** STS session duration, seconds (the minimum STS allows is 900). */
export const SESSION_DURATION_SECONDS = 3600;

/** Limits from actions/cache. */
export const MAX_KEY_LENGTH = 512;
export const MAX_KEY_COUNT = 10;

/** Part of the User-Agent of every AWS request. */
export const USER_AGENT = 'dazn-cache/1';

/** Upstream's version salt, kept so the version is computed the same way. */
export const VERSION_SALT = '1.0';

/**
 * After a failed restore, how long zstd and tar get to exit on their own once their input is closed
 * (tar flushes its journal of extracted members then), before they are killed, ms. Exiting takes
 * milliseconds; only a hung filesystem needs the bound.
 */
export const EXTRACT_STOP_GRACE_MS = 10_000;
