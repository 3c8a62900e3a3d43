/**
 * Named errors. Their class, not the place they are thrown, decides what happens to the step
 * (see policy.ts): a ValidationError fails it, everything else becomes a warning.
 */

/** Bad input: the step fails with this message, which names the input and the fix. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** The cache cannot be used in this run (no credentials, no token): a warning, the step succeeds. */
export class CacheUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheUnavailableError';
  }
}

/** A download that did not finish within SEGMENT_DOWNLOAD_TIMEOUT_MINS: a miss with a warning. */
export class DownloadTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadTimeoutError';
  }
}

/** An external program (tar, zstd) is missing, too old, or failed. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** fail-on-cache-miss is set and nothing matched: the step fails. */
export class CacheMissError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheMissError';
  }
}
