/**
 * The failure policy, in one place: a ValidationError fails the step; every other error is a
 * warning and the step succeeds (the cache is an optimisation, never a reason to fail a build).
 * Well-known S3 errors get a warning that says what went wrong and what to check.
 */
import { CacheMissError, describeBudget, ServiceError, ServiceFailure, ValidationError } from './errors';

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

/** What the role must allow for each S3 operation the action sends. */
const S3_PERMISSION: Record<string, string> = {
  ListObjectsV2: 's3:ListBucket on the bucket (for the cache prefix)',
  HeadObject:
    's3:GetObject on the cache prefix (and s3:ListBucket on the bucket: without it S3 answers a missing key with 403, not 404)',
  GetObject: 's3:GetObject on the cache prefix',
  PutObject: 's3:PutObject on the cache prefix',
  CreateMultipartUpload: 's3:PutObject on the cache prefix',
  UploadPart: 's3:PutObject on the cache prefix',
  CompleteMultipartUpload: 's3:PutObject on the cache prefix',
  AbortMultipartUpload: 's3:AbortMultipartUpload on the cache prefix',
};

const NOT_YOURS =
  'a problem of the service or of a proxy in between, not of the workflow; the cache is skipped in this step (re-run the job if it persists)';

function tried(f: ServiceFailure): string {
  if (f.attempts === undefined) return '';
  return f.attempts === 1 ? ' (1 attempt)' : ` after ${f.attempts} attempts`;
}

/** "HTTP 403" (the cause that follows names the code). */
function answered(f: ServiceFailure): string {
  return `HTTP ${f.status}`;
}

/** The message for a request that failed for good: service, operation, cause and the fix. */
export function describeServiceFailure(failure: ServiceFailure): string {
  // A 2xx whose body broke off is a network failure, not an answer (the cause says so).
  const f =
    failure.status !== undefined && failure.status < 300 ? { ...failure, status: undefined } : failure;
  const operation = `${f.operation}${f.purpose ? ` (${f.purpose})` : ''} on ${f.target}`;
  const what = `${f.service} ${operation}`;
  if (f.budgetExpired) {
    const budget =
      f.budgetMs !== undefined && f.budgetSetting
        ? describeBudget(f.budgetMs, f.budgetSetting)
        : 'its budget';
    return (
      `${what} did not finish within ${budget}${tried(f)}; last cause: ${f.cause}. ` +
      `${f.service} did not answer in time: check the network path from the runner (proxy, NAT, VPC endpoint, endpoint setting), ` +
      'or raise DAZN_CACHE_STEP_TIMEOUT_MINS / DAZN_CACHE_REQUEST_TIMEOUT_SECS for a slow link.'
    );
  }
  if (f.service === 'GitHub OIDC token service') {
    if (f.status !== undefined) {
      return (
        `The GitHub OIDC token service failed with HTTP ${f.status} (${f.cause}) on ${f.target}. ` +
        `The job has the id-token: write permission (the runner set the request variables): this is ${NOT_YOURS}.`
      );
    }
    return (
      `The GitHub OIDC token service gave no token (${f.cause}) on ${f.target}, although the job has the id-token: write permission. ` +
      'Check that the runner can reach ACTIONS_ID_TOKEN_REQUEST_URL (proxy settings); otherwise the cache is skipped in this step.'
    );
  }
  if (f.service === 'credential broker') {
    if (f.status !== undefined && f.status < 300) {
      return `The credential broker ${f.target} answered something this action cannot use (${f.cause}): check that broker-url points at the broker's function URL and that the broker and the action are of matching versions.`;
    }
    if (f.status !== undefined) {
      return `The credential broker ${f.target} failed with HTTP ${f.status}${tried(f)} (${f.cause}): check its logs (CloudWatch, the broker function of stack 02); the cache is skipped in this step.`;
    }
    return (
      `The credential broker ${f.target} got no answer${tried(f)}; last cause: ${f.cause}. ` +
      'Check broker-url / DAZN_CACHE_BROKER_URL and that the runner can reach it (proxy, NAT); the cache is skipped in this step.'
    );
  }
  if (f.service === 'STS') {
    if (f.status === 403 || f.code === 'AccessDenied') {
      return (
        `STS refused the role ${f.target} (AssumeRoleWithWebIdentity answered ${answered(f)}: ${f.cause}). ` +
        "Check the role's trust policy: it must trust the OIDC provider token.actions.githubusercontent.com with audience sts.amazonaws.com " +
        `and a subject condition that matches this repository and ref${f.subject ? ` (this job's token has sub ${f.subject}; on pull requests repo:<owner>/<repo>:pull_request, in an environment repo:<owner>/<repo>:environment:<name>)` : ''}. ` +
        'S3 was not reached.'
      );
    }
    if (f.code === 'InvalidIdentityToken' || f.code === 'IDPRejectedClaim') {
      return (
        `STS rejected the GitHub OIDC token for ${f.target} (${answered(f)}: ${f.cause}). ` +
        'Check that the AWS account has an IAM OIDC provider for https://token.actions.githubusercontent.com with the audience sts.amazonaws.com.'
      );
    }
    if (f.status !== undefined && f.status < 500 && f.status !== 429) {
      return `STS AssumeRoleWithWebIdentity for ${f.target} answered ${answered(f)}${tried(f)}: ${f.cause}. Check role-to-assume / default-branch-role and the region.`;
    }
    if (f.status !== undefined) {
      return `STS AssumeRoleWithWebIdentity for ${f.target} failed with ${answered(f)}${tried(f)} (${f.cause}): ${NOT_YOURS}.`;
    }
    return (
      `STS AssumeRoleWithWebIdentity for ${f.target} got no answer${tried(f)}; last cause: ${f.cause}. ` +
      'Check that the runner can reach STS (sts-endpoint / DAZN_CACHE_STS_ENDPOINT, the region, proxy or VPC endpoint).'
    );
  }
  // S3
  if (f.status === 403 || f.code === 'AccessDenied' || f.code === 'Forbidden') {
    const permission = S3_PERMISSION[f.operation] ?? 'this operation on the cache prefix';
    return (
      `S3 denied ${operation} (${answered(f)}: ${f.cause}). ` +
      `The role (role-to-assume / default-branch-role, or the runner's AWS credentials) must allow ${permission}.`
    );
  }
  const known = f.code ? s3CodeHint(f.code, f.target) : undefined;
  if (known) return `${what}: ${known}`;
  if (f.status !== undefined && (f.status >= 500 || f.status === 429)) {
    return `${what} failed with ${answered(f)}${tried(f)} (${f.cause}): ${NOT_YOURS}.`;
  }
  if (f.status !== undefined) return `${what} answered ${answered(f)}${tried(f)}: ${f.cause}.`;
  return (
    `${what} failed${tried(f)}; last cause: ${f.cause}. ` +
    'The connection to S3 kept failing: check the network path from the runner (proxy, NAT, VPC endpoint, endpoint / DAZN_CACHE_ENDPOINT); the cache is skipped in this step.'
  );
}

/** Hints for the S3 error codes users can fix themselves. */
function s3CodeHint(code: string, where: string): string | undefined {
  switch (code) {
    case 'NoSuchBucket':
      return `S3 bucket not found (NoSuchBucket): check the bucket input / DAZN_CACHE_BUCKET (${where}) and the region.`;
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
    case 'IllegalLocationConstraintException':
      return `S3 wrong region (${code}): the bucket is in another region; set the region input / DAZN_CACHE_REGION to the bucket's region.`;
    case 'ExpiredToken':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
      return `S3 rejected the credentials (${code}): check role-to-assume and the AWS credentials of the runner.`;
    default:
      return undefined;
  }
}

/** A warning text for an error, with a hint for the errors users can fix themselves. */
export function describeError(error: unknown, bucket?: string): string {
  if (error instanceof ServiceError) return describeServiceFailure(error.failure);
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
