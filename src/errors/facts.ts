/**
 * What an AWS SDK (or network) error says, read once: the HTTP status, the service's error code and
 * the cause in words. Whether to retry and what to tell the user are decided from these facts.
 */

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown; headers?: Record<string, unknown> };
  $retryable?: unknown;
}

export interface ErrorFacts {
  /** HTTP status of the answer; undefined when none came (timeout, reset, refused connection). */
  status?: number;
  /** The service's error code, when its answer was an error document the SDK could read. */
  code?: string;
  /** The cause in words. */
  cause: string;
  /** The SDK marks it retryable (throttling, clock skew). */
  sdkRetryable: boolean;
}

/** Names the SDK gives an answer it could not read as an error document: not a service error code. */
const NOT_A_CODE = new Set(['Unknown', 'UnknownError', 'Error', 'TimeoutError', 'AbortError']);

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

export function errorFacts(error: unknown): ErrorFacts {
  const e = shape(error);
  const rawStatus = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const status = typeof rawStatus === 'number' && rawStatus > 0 ? rawStatus : undefined;
  const named = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : undefined;
  const code = status !== undefined && named && !NOT_A_CODE.has(named) ? named : undefined;
  const message = typeof e.message === 'string' ? e.message : String(error);
  let cause: string;
  if (status !== undefined && status < 300) {
    // A success whose body broke off (the SDK reports the read's failure with the answer's status).
    cause = `the HTTP ${status} answer broke off: ${message}`;
  } else if (status !== undefined && code === undefined) {
    const type = e.$response?.headers?.['content-type'];
    cause =
      'no AWS error document in the answer' +
      (typeof type === 'string' && type !== '' ? ` (a ${type} body)` : ' (no body)');
  } else if (code !== undefined) {
    cause = message && message !== code ? `${code}: ${message}` : code;
  } else {
    const netCode = typeof e.code === 'string' ? e.code : undefined;
    const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
    const label = netCode ?? name;
    cause = label && !message.includes(label) ? `${label}: ${message}` : message;
  }
  return { status, code, cause, sdkRetryable: e.$retryable !== undefined && e.$retryable !== false };
}

/** "HTTP 500: InternalError: ..." or, without an answer, the cause alone (for log lines). */
export function describeFacts(facts: ErrorFacts): string {
  return facts.status !== undefined && facts.status >= 300
    ? `HTTP ${facts.status}: ${facts.cause}`
    : facts.cause;
}

/** Codes that mean "try again": throttling, clock skew, a busy identity provider. */
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'RequestExpired',
  'IDPCommunicationError',
  'InternalError',
  'ServiceUnavailable',
]);

/** Network failures, timeouts, 5xx, 408, 429 and throttling codes are worth another attempt. */
export function isTransient(error: unknown): boolean {
  const facts = errorFacts(error);
  if (facts.sdkRetryable) return true;
  if (facts.code !== undefined && RETRYABLE_CODES.has(facts.code)) return true;
  if (facts.status === undefined || facts.status < 300) return true; // no answer, or it broke off
  return facts.status >= 500 || facts.status === 408 || facts.status === 429;
}
