/**
 * The one S3 client factory (region, endpoint, path style, time bounds, user agent, checksums) and
 * the one way a request is sent: inside the step's budget, retried with backoff, and on failure
 * turned into a ServiceError that names the service, operation, HTTP status and cause.
 */
import { S3Client } from '@aws-sdk/client-s3';
import {
  CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  REQUEST_MAX_ATTEMPTS,
  USER_AGENT,
} from '../config/constants';
import type { S3Settings } from '../config/settings';
import type { AwsCredentials } from '../credentials/credentials';
import { Service, ServiceError } from '../errors/errors';
import { describeFacts, errorFacts, isTransient } from '../errors/facts';
import { Budget, Sleep, withRetries } from './retry';

/** Per-attempt bounds of every request, milliseconds. */
export interface RequestBounds {
  /** Longest silence on a connection: no answer after the request was sent, or no body byte. */
  idleMs: number;
}

export const DEFAULT_BOUNDS: RequestBounds = { idleMs: DEFAULT_REQUEST_TIMEOUT_MS };

/**
 * The SDK's HTTP handler with every wait bounded: connecting (connectionTimeout) and silence on the
 * socket (socketTimeout: it covers the wait for the answer's headers after the body is sent, and
 * every gap in the answer's body, streamed ones included). No wall-clock limit per request: a part
 * of 512 MiB on a slow link may take minutes while bytes flow; the step's budget bounds the whole.
 * Retries are ours (`request`), not the SDK's, so they stop at the budget and use its backoff.
 */
export function httpOptions(bounds: RequestBounds): {
  requestHandler: { connectionTimeout: number; socketTimeout: number };
  maxAttempts: number;
} {
  return {
    requestHandler: {
      connectionTimeout: Math.min(CONNECT_TIMEOUT_MS, bounds.idleMs),
      socketTimeout: bounds.idleMs,
    },
    maxAttempts: 1,
  };
}

/** Operations whose body is the entry's bytes (parts of a save, or a small entry in one PUT). */
const BODY_OPERATIONS = new Set(['UploadPartCommand', 'PutObjectCommand']);

/**
 * Over HTTPS the entry's bytes are sent as `UNSIGNED-PAYLOAD`: TLS protects them in transit and
 * zstd's frame checksum end to end, and SigV4 would otherwise hash every byte with SHA-256 (the SDK
 * hashes every Buffer body, over HTTPS too): 0.52 CPU s per 576 MiB on the benchmark machine, the
 * archive of 1 GiB of cache. The signature still covers the headers, so the request cannot be
 * replayed elsewhere. Over plain HTTP (a custom endpoint) the payload stays signed.
 */
function unsignedBodiesOverTls(client: S3Client): S3Client {
  client.middlewareStack.add(
    (next, context) => (args) => {
      const request = args.request as { protocol?: string; headers?: Record<string, string> };
      if (BODY_OPERATIONS.has(context.commandName ?? '') && request.protocol === 'https:' && request.headers)
        request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'unsignedBodiesOverTls' },
  );
  return client;
}

export function createS3Client(
  s3: S3Settings,
  credentials?: AwsCredentials,
  bounds: RequestBounds = DEFAULT_BOUNDS,
): S3Client {
  const client = new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    // Custom endpoints (MinIO, moto, ...) rarely serve virtual-hosted buckets.
    forcePathStyle: s3.endpoint !== undefined,
    ...httpOptions(bounds),
    customUserAgent: USER_AGENT,
    // zstd's frame checksum protects the content end to end; SDK checksums would hash every body
    // byte again (CPU) and make streamed uploads use chunked encoding.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(credentials ? { credentials } : {}),
  });
  return unsignedBodiesOverTls(client);
}

/** Where a step's requests run: its budget, and how retries wait and are reported. */
export interface RequestScope {
  budget: Budget;
  sleep?: Sleep;
  maxAttempts?: number;
  /** A line for the log per retry. */
  onRetry?: (message: string) => void;
}

export interface RequestWhat {
  operation: string;
  target: string;
  purpose?: string;
}

/**
 * Sends one request (`send` gets the signal to pass on as abortSignal), retrying transient failures
 * with backoff until it succeeds, fails for good, uses REQUEST_MAX_ATTEMPTS or the budget runs out.
 * Failures that callers decide on (`expected`, e.g. a 404 or a refused conditional write) are
 * returned as they came, unretried.
 */
export function request<T>(
  service: Service,
  what: RequestWhat,
  scope: RequestScope,
  send: (signal: AbortSignal) => Promise<T>,
  expected: (error: unknown) => boolean = () => false,
): Promise<T> {
  let passThrough: { error: unknown } | undefined;
  let previous: unknown;
  return withRetries(
    send,
    {
      maxAttempts: scope.maxAttempts ?? REQUEST_MAX_ATTEMPTS,
      budget: scope.budget,
      sleep: scope.sleep,
      retryable: (error) => {
        if (expected(error)) {
          passThrough = { error };
          return false;
        }
        return isTransient(error);
      },
      onRetry: (attempt, error, delay) => {
        previous = error;
        scope.onRetry?.(
          `${service} ${what.operation} on ${what.target} failed (${describeFacts(errorFacts(error))}); retry ${attempt} in ${delay} ms`,
        );
      },
    },
    ({ error, attempts, budgetExpired }) => {
      if (passThrough && passThrough.error === error) return error as Error;
      const facts = errorFacts(error);
      // Cut short by the budget: the abort says nothing; the attempt before it may.
      const cutShort = budgetExpired && facts.status === undefined;
      const cause = cutShort
        ? `no answer yet when the budget ran out${previous === undefined ? '' : ` (the attempt before: ${describeFacts(errorFacts(previous))})`}`
        : facts.cause;
      return new ServiceError(
        {
          service,
          ...what,
          status: facts.status,
          code: facts.code,
          attempts,
          cause,
          budgetExpired,
          budgetSetting: scope.budget.setting,
          budgetMs: scope.budget.total,
        },
        { cause: error },
      );
    },
  );
}

/** The error's own facts, or those of the SDK error a ServiceError wraps. */
function factsOf(error: unknown): { name?: string; status?: number } {
  if (error instanceof ServiceError) return { name: error.failure.code, status: error.failure.status };
  const facts = errorFacts(error);
  const name = (error as { name?: unknown } | null)?.name;
  return { name: typeof name === 'string' ? name : undefined, status: facts.status };
}

/** S3 refused a conditional write (If-None-Match: *): the object exists or is being written. */
export function isConditionalWriteRefusal(error: unknown): boolean {
  const { name, status } = factsOf(error);
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412;
}

export function isNotFound(error: unknown): boolean {
  const { name, status } = factsOf(error);
  return name === 'NotFound' || name === 'NoSuchKey' || status === 404;
}
