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

/** The step's budget (DAZN_CACHE_STEP_TIMEOUT_MINS) ran out outside a request (e.g. tar made no
 * progress): a warning; a restore is a miss, a save saves nothing. */
export class StepTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepTimeoutError';
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

/** The services the action talks to, as messages name them. */
export type Service = 'S3' | 'STS' | 'GitHub OIDC token service' | 'credential broker';

/** What a request to a service was, and how it ended: enough to say what failed and what to do. */
export interface ServiceFailure {
  service: Service;
  /** The API operation (ListObjectsV2, AssumeRoleWithWebIdentity, ...). */
  operation: string;
  /** What the operation was for, in the user's words ("the existence check before saving"). */
  purpose?: string;
  /** What it was about: s3://bucket/key, a role ARN, a byte range. */
  target: string;
  /** HTTP status of the last answer; absent when no answer came (timeout, reset, refused). */
  status?: number;
  /** The service's error code (AccessDenied, ...), when its answer was an error document. */
  code?: string;
  /** Attempts made, the first included (absent when another module retried and did not say). */
  attempts?: number;
  /** The step's budget ran out; `budgetSetting` names the knob, `budgetMs` its value. */
  budgetExpired?: boolean;
  budgetSetting?: string;
  budgetMs?: number;
  /** The last cause, in words (the SDK's or the network's message). */
  cause: string;
  /** For STS: the repository and ref the token was issued for (the trust policy's subject). */
  subject?: string;
}

/**
 * A request to S3, STS or the token service failed for good (after its retries). It carries the
 * service, operation, HTTP status and cause; policy.ts turns it into a message with the fix.
 */
export class ServiceError extends Error {
  readonly failure: ServiceFailure;
  constructor(failure: ServiceFailure, options?: { cause?: unknown }) {
    super(
      `${failure.service} ${failure.operation} on ${failure.target} failed` +
        (failure.status !== undefined ? ` with HTTP ${failure.status}` : '') +
        (failure.code ? ` (${failure.code})` : '') +
        `: ${failure.cause}`,
      options,
    );
    this.name = 'ServiceError';
    this.failure = failure;
  }
}

/** "the step's budget of 2 min (DAZN_CACHE_STEP_TIMEOUT_MINS)" */
export function describeBudget(milliseconds: number, setting: string): string {
  const minutes = milliseconds / 60_000;
  const amount =
    minutes >= 1 ? `${Number(minutes.toFixed(2))} min` : `${Number((milliseconds / 1000).toFixed(1))} s`;
  return `the budget of ${amount} (${setting})`;
}
