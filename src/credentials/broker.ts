/**
 * Isolated mode: the job's GitHub OIDC token (audience broker-audience) is POSTed to the credential
 * broker (broker/INTERFACE.md), which answers session credentials tagged with the job's repository
 * and scopes, and the layout that goes with them. AWS enforces the tags; this module only checks
 * that the answer is well-formed and consistent (each scope is the hash of its ref), masks every
 * secret, and keeps nothing: the post step asks the broker again.
 *
 * Retries: network errors, timeouts, 5xx and 429, up to BROKER_MAX_ATTEMPTS with full-jitter
 * backoff, every attempt bounded by BROKER_ATTEMPT_TIMEOUT_MS and all of them by the step's budget.
 * A 4xx other than 429 is the broker's decision (token refused, organisation not allowed): its
 * message is shown with the broker's URL, and the cache is skipped in this step.
 */
import { CacheUnavailableError, ServiceError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import { repositorySegment, scopeSegment, type ScopeGrant } from '../matching/isolation';
import { backoffDelay, realSleep, type Sleep } from '../storage/retry';
import type { RequestScope } from '../storage/client';
import { USER_AGENT } from '../config/constants';
import type { AwsCredentials, CredentialsDeps } from './credentials';
import { withinBudget } from '../storage/retry';

/** Attempts including the first: a Lambda cold start plus two quick 5xx fit. */
export const BROKER_MAX_ATTEMPTS = 4;
/**
 * One attempt (connect, answer and body), milliseconds: the broker's function timeout is 15 s, so
 * 20 s covers a slow cold start and ends a silent connection.
 */
export const BROKER_ATTEMPT_TIMEOUT_MS = 20_000;
/** The broker's answer is about 2 KiB; a larger body is not the broker, bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Answer format this action reads (broker/INTERFACE.md). */
export const BROKER_ANSWER_VERSION = 1;

export interface BrokerSettings {
  url: string;
  audience: string;
}

export interface BrokerGrant {
  credentials: AwsCredentials;
  /** repo-<id>: the repository folder. */
  repository: string;
  write: ScopeGrant | null;
  readOnlyReason?: string;
  /** In restore order. */
  read: ScopeGrant[];
}

export type BrokerFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; signal: AbortSignal },
) => Promise<Response>;

export interface BrokerOptions {
  fetch?: BrokerFetch;
  sleep?: Sleep;
  attemptTimeoutMs?: number;
}

const SERVICE = 'credential broker';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scopeGrant(value: unknown): ScopeGrant | undefined {
  if (!isRecord(value) || typeof value.ref !== 'string' || typeof value.scope !== 'string') return undefined;
  // The layout the broker's tags allow is the hash of the ref: a scope that is not would only fail in S3.
  let expected: string;
  try {
    expected = scopeSegment(value.ref);
  } catch {
    return undefined;
  }
  return value.scope === expected ? { ref: value.ref, scope: value.scope } : undefined;
}

/** The answer of broker/INTERFACE.md, or a description of what is wrong with it. */
export function parseGrant(body: unknown): BrokerGrant | string {
  if (!isRecord(body)) return 'the answer is not a JSON object';
  if (body.version !== BROKER_ANSWER_VERSION) {
    return `the answer has version ${JSON.stringify(body.version)}, this action reads version ${BROKER_ANSWER_VERSION} (update the action or the broker)`;
  }
  const c = body.credentials;
  if (
    !isRecord(c) ||
    typeof c.accessKeyId !== 'string' ||
    c.accessKeyId === '' ||
    typeof c.secretAccessKey !== 'string' ||
    c.secretAccessKey === '' ||
    typeof c.sessionToken !== 'string' ||
    c.sessionToken === ''
  ) {
    return 'the answer has no complete credentials';
  }
  const repository = typeof body.repository === 'string' ? body.repository : '';
  const id = /^repo-(\d+)$/.exec(repository)?.[1];
  let repositoryOk = false;
  try {
    repositoryOk = id !== undefined && repositorySegment(id) === repository;
  } catch {
    repositoryOk = false;
  }
  if (!repositoryOk) return `the answer's repository ${JSON.stringify(body.repository)} is not repo-<id>`;
  const write = body.write === null ? null : scopeGrant(body.write);
  if (write === undefined)
    return "the answer's write scope is not {ref, scope} with scope = ref-<sha256 of ref>";
  if (!Array.isArray(body.read) || body.read.length === 0) return 'the answer has no read scopes';
  const read = body.read.map(scopeGrant);
  if (read.some((r) => r === undefined))
    return "an answer's read scope is not {ref, scope} with scope = ref-<sha256 of ref>";
  const reason = typeof body.readOnlyReason === 'string' ? body.readOnlyReason : undefined;
  const expiration = typeof c.expiration === 'string' ? new Date(c.expiration) : undefined;
  return {
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
    },
    repository,
    write,
    ...(write === null ? { readOnlyReason: reason ?? 'the broker made this job read-only' } : {}),
    read: read as ScopeGrant[],
  };
}

function retryable(status: number): boolean {
  return status >= 500 || status === 429;
}

async function readBody(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > MAX_ANSWER_BYTES ? text.slice(0, MAX_ANSWER_BYTES) : text;
}

function brokerMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (isRecord(parsed) && typeof parsed.error === 'string') return parsed.error;
    if (isRecord(parsed) && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: show its start
  }
  return text.slice(0, 300).trim() || '(empty answer)';
}

/**
 * The job's grant from the broker. `getIDToken` errors (no id-token permission) go to the caller,
 * which already explains them (credentials.ts).
 */
export async function requestGrant(
  broker: BrokerSettings,
  token: string,
  logger: Logger,
  scope: RequestScope,
  options: BrokerOptions = {},
): Promise<BrokerGrant> {
  const doFetch: BrokerFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const sleep = options.sleep ?? scope.sleep ?? realSleep;
  const attemptTimeout = options.attemptTimeoutMs ?? BROKER_ATTEMPT_TIMEOUT_MS;
  const failure = (cause: string, attempts: number, status?: number, budgetExpired = false): ServiceError =>
    new ServiceError({
      service: SERVICE,
      operation: 'POST',
      target: broker.url,
      cause,
      attempts,
      ...(status !== undefined ? { status } : {}),
      ...(budgetExpired
        ? { budgetExpired, budgetSetting: scope.budget.setting, budgetMs: scope.budget.total }
        : {}),
    });

  let last = '';
  let lastStatus: number | undefined;
  for (let attempt = 1; attempt <= BROKER_MAX_ATTEMPTS; attempt++) {
    if (scope.budget.expired) throw failure(last || 'no attempt was made', attempt - 1, lastStatus, true);
    const signal = AbortSignal.any([scope.budget.signal, AbortSignal.timeout(attemptTimeout)]);
    let status: number;
    let text: string;
    try {
      const response = await withinBudget(
        doFetch(broker.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            'user-agent': USER_AGENT,
          },
          signal,
        }),
        scope.budget,
        () => new Error("no answer within the step's budget"),
      );
      status = response.status;
      text = await readBody(response);
    } catch (error) {
      const name = (error as Error).name;
      last =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${attemptTimeout / 1000} s`
          : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
      lastStatus = undefined;
      if (attempt < BROKER_MAX_ATTEMPTS) {
        scope.onRetry?.(
          `The credential broker ${broker.url} did not answer (${last}); retrying (attempt ${attempt + 1} of ${BROKER_MAX_ATTEMPTS})`,
        );
        await sleep(backoffDelay(attempt), scope.budget.signal);
      }
      continue;
    }
    // The token must not come back in any message (a proxy or a broker could echo it).
    const message = brokerMessage(text).split(token).join('***');
    if (status === 200) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw failure('the answer is not JSON', attempt, status);
      }
      const grant = parseGrant(body);
      if (typeof grant === 'string') throw failure(grant, attempt, status);
      logger.debug(
        `Broker grant: repository ${grant.repository}, write ${grant.write ? grant.write.ref : 'none'}, read ${grant.read.map((r) => r.ref).join(', ')}`,
      );
      return grant;
    }
    if (!retryable(status)) {
      throw new CacheUnavailableError(
        `The credential broker ${broker.url} refused this job (HTTP ${status}): ${message}. The cache is not used in this step.`,
      );
    }
    last = message;
    lastStatus = status;
    if (attempt < BROKER_MAX_ATTEMPTS) {
      scope.onRetry?.(
        `The credential broker ${broker.url} answered HTTP ${status} (${message}); retrying (attempt ${attempt + 1} of ${BROKER_MAX_ATTEMPTS})`,
      );
      await sleep(backoffDelay(attempt), scope.budget.signal);
    }
  }
  throw failure(last, BROKER_MAX_ATTEMPTS, lastStatus, scope.budget.expired);
}

/** Masks every secret of a grant before anything else can print it. */
export function maskGrant(grant: BrokerGrant, deps: Pick<CredentialsDeps, 'setSecret'>): void {
  deps.setSecret(grant.credentials.accessKeyId);
  deps.setSecret(grant.credentials.secretAccessKey);
  if (grant.credentials.sessionToken) deps.setSecret(grant.credentials.sessionToken);
}
