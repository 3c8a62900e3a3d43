/** The one S3 client factory: region, endpoint, path style, retries, user agent and checksums. */
import { S3Client } from '@aws-sdk/client-s3';
import { S3_MAX_ATTEMPTS, USER_AGENT } from '../config/constants';
import type { S3Settings } from '../config/settings';
import type { AwsCredentials } from '../credentials/credentials';

export function createS3Client(s3: S3Settings, credentials?: AwsCredentials): S3Client {
  return new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    // Custom endpoints (MinIO, moto, ...) rarely serve virtual-hosted buckets.
    forcePathStyle: s3.endpoint !== undefined,
    maxAttempts: S3_MAX_ATTEMPTS,
    customUserAgent: USER_AGENT,
    // zstd's frame checksum protects the content end to end; SDK checksums would hash every body
    // byte again (CPU) and make streamed uploads use chunked encoding.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(credentials ? { credentials } : {}),
  });
}

interface SdkError {
  name?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** S3 refused a conditional write (If-None-Match: *): the object exists or is being written. */
export function isConditionalWriteRefusal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkError;
  return (
    e.name === 'PreconditionFailed' ||
    e.name === 'ConditionalRequestConflict' ||
    e.$metadata?.httpStatusCode === 412
  );
}

export function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkError;
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}
