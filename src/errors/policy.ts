/**
 * The failure policy, in one place: a ValidationError fails the step; every other error is a
 * warning and the step succeeds (the cache is an optimisation, never a reason to fail a build).
 * Well-known S3 errors get a warning that says what went wrong and what to check.
 */
import { CacheMissError, ValidationError } from './errors';

export interface FailureSink {
  setFailed(message: string): void;
  warning(message: string): void;
}

interface ErrorWithMetadata {
  name?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  message?: unknown;
}

/** The S3 error code of an SDK error ("AccessDenied", "NoSuchBucket", ...), if any. */
export function s3ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as ErrorWithMetadata;
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.name === 'string' && e.$metadata !== undefined) return e.name;
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A warning text for an error, with a hint for the errors users can fix themselves. */
export function describeError(error: unknown, bucket?: string): string {
  const code = s3ErrorCode(error);
  const where = bucket ? `bucket "${bucket}"` : 'the bucket';
  const base = messageOf(error);
  switch (code) {
    case 'AccessDenied':
    case 'Forbidden':
      return `S3 access denied on ${where} (${code}): check that the role (role-to-assume / default-branch-role) may list, read and write the cache prefix, and that its trust policy accepts this repository. ${base}`;
    case 'NoSuchBucket':
      return `S3 bucket not found (NoSuchBucket): check the bucket input / DAZN_CACHE_BUCKET (${where}) and the region. ${base}`;
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
    case 'IllegalLocationConstraintException':
      return `S3 wrong region (${code}): ${where} is in another region; set the region input / DAZN_CACHE_REGION to the bucket's region. ${base}`;
    case 'ExpiredToken':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
      return `S3 rejected the credentials (${code}): check role-to-assume and the AWS credentials of the runner. ${base}`;
    default:
      return code ? `${code}: ${base}` : base;
  }
}

/** Errors that fail the step: bad input, and a miss under fail-on-cache-miss. */
export function failsStep(error: unknown): boolean {
  return error instanceof ValidationError || error instanceof CacheMissError;
}

/** Applies the policy: fail the step on a ValidationError (or CacheMissError), otherwise warn. */
export function applyFailurePolicy(
  error: unknown,
  sink: FailureSink,
  context: string,
  bucket?: string,
): void {
  if (failsStep(error)) {
    sink.setFailed((error as Error).message);
    return;
  }
  sink.warning(`${context}: ${describeError(error, bucket)}`);
}
