/**
 * The OIDC ID token request to the runner's token service (ACTIONS_ID_TOKEN_REQUEST_URL, the
 * request token as bearer), written with node:http(s) so a step does not load @actions/core and
 * its HTTP client. It behaves as @actions/core 2.x `getIDToken` through @actions/http-client 3.x
 * (test/unit/runner/protocol-differential.test.ts runs both against the same token service):
 *
 * - one request plus up to 10 retries, and only after a 502, 503 or 504 answer; before retry n it
 *   waits 5 ms × 2^n (n capped at 10): 10 ms, 20 ms … 5.12 s, 10.23 s for all ten;
 * - 301, 302, 303, 307 and 308 are followed, up to 50 in one attempt, never from HTTPS to HTTP;
 *   a retry goes to the address the redirects ended at;
 * - a connection error or a timeout is not retried (it is not an answer of the service);
 * - `Accept: application/json`, `User-Agent: actions/oidc-client` (with
 *   ` actions_orchestration_id/<id>` when ACTIONS_ORCHESTRATION_ID is set), `Connection: close`;
 * - an error status is reported with its number and the body (the JSON `message` if it has one);
 * - the URL is printed as a debug line first and the token is masked once it arrives.
 *
 * Where it differs, on purpose (each difference has a test):
 * - every request has a whole-request limit and all attempts share a deadline; core has only a
 *   3-minute idle timer per socket, so a service that trickles bytes holds it forever, and an
 *   answer cut off mid-body leaves it waiting for an end that never comes (ours fails at once);
 * - the bearer token goes only to the host of ACTIONS_ID_TOKEN_REQUEST_URL; core strips it on a
 *   redirect to another host and then adds it back;
 * - a relative Location is resolved against the request (RFC 9110 allows it; core fails on it);
 * - 404 is an error with its status (core's JSON helper treats 404 as "no result", which then reads
 *   as a body without a token); a `value` that is not a string is refused (core returns it);
 * - the request token is replaced by *** wherever the service echoes it into a message.
 */
import type { ClientRequest, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loadActionsCore } from './lazy';

/** Retries after the first request (core's OidcClient asks its HTTP client for 10). */
export const ID_TOKEN_MAX_RETRIES = 10;
/** Answers worth another try: gateway and availability errors, as @actions/http-client retries. */
export const ID_TOKEN_RETRY_STATUSES: readonly number[] = [502, 503, 504];
/** Backoff before retry n: ID_TOKEN_BACKOFF_SLICE_MS × 2^min(n, ceiling), milliseconds. */
export const ID_TOKEN_BACKOFF_SLICE_MS = 5;
export const ID_TOKEN_BACKOFF_CEILING = 10;
/** Redirects followed within one attempt (@actions/http-client's default). */
export const ID_TOKEN_MAX_REDIRECTS = 50;
const REDIRECT_STATUSES: readonly number[] = [301, 302, 303, 307, 308];
/**
 * One request (connect, headers and the whole body), milliseconds. The service answers in well
 * under a second; 30 s leaves room for a slow runner network and stops a silent one.
 */
export const ID_TOKEN_REQUEST_TIMEOUT_MS = 30_000;
/**
 * Everything (requests, redirects, backoff), milliseconds: the full retry schedule waits 10.23 s,
 * so eleven quick 503s fit; beyond a minute the step goes on without the cache.
 */
export const ID_TOKEN_DEADLINE_MS = 60_000;
/** A token answer is a few KiB; a larger body is not the token service, bytes. */
const MAX_BODY_BYTES = 1024 * 1024;
/** How much of an error body goes into the message, characters. */
const BODY_EXCERPT_CHARS = 300;
const USER_AGENT = 'actions/oidc-client';

/**
 * Why there is no token: the job has no permission; the service answered an error status or an
 * answer without a token; it could not be reached; it did not answer in time; it redirected
 * somewhere the request must not go; or the request through a proxy (by @actions/core) failed.
 */
export type IdTokenFailure =
  'no-permission' | 'status' | 'no-token' | 'unreachable' | 'timeout' | 'redirect' | 'proxy';

export class IdTokenError extends Error {
  constructor(
    message: string,
    readonly kind: IdTokenFailure,
    /** The HTTP status of the last answer, when there was one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'IdTokenError';
  }
}

export interface IdTokenOptions {
  /** The backoff wait (tests pass one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch, for the deadline. */
  now?: () => number;
  requestTimeoutMs?: number;
  deadlineMs?: number;
}

export interface IdTokenLog {
  debug(message: string): void;
  /** Registers a secret with the runner's log masker. */
  mask(secret: string): void;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True when the runner reaches the network through a proxy (the token request must honour it). */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'].some((name) => Boolean(env[name]));
}

/** The token request URL with the audience, as core builds it (the runner's URL has a query). */
export function idTokenUrl(requestUrl: string, audience: string): string {
  if (!audience) return requestUrl;
  // Core always appends with '&'; a URL without a query would then lose the parameter in its path.
  return `${requestUrl}${requestUrl.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`;
}

function userAgent(env: NodeJS.ProcessEnv): string {
  const orchestration = env.ACTIONS_ORCHESTRATION_ID;
  return orchestration
    ? `${USER_AGENT} actions_orchestration_id/${orchestration.replace(/[^a-z0-9_.-]/gi, '_')}`
    : USER_AGENT;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One GET, bounded as a whole: connect, headers and body within `timeoutMs`. */
function get(url: URL, headers: OutgoingHttpHeaders, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let done = false;
    let req: ClientRequest | undefined;
    const finish = (error: Error | undefined, answer?: Answer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) {
        req?.destroy();
        reject(error);
      } else if (answer) resolve(answer);
    };
    const timer = setTimeout(
      () =>
        finish(new IdTokenError(`The token service did not answer within ${seconds(timeoutMs)}`, 'timeout')),
      timeoutMs,
    );
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    try {
      // agent: false: a socket of its own that closes after the answer, as core's client does.
      req = send(url, { method: 'GET', headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            finish(
              new IdTokenError(`The token service sent more than ${MAX_BODY_BYTES} bytes`, 'unreachable'),
            );
          } else chunks.push(chunk);
        });
        res.on('end', () =>
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (cause) => finish(unreachable(cause)));
        // Closed before the body ended (core would wait for an end that never comes).
        res.on('close', () => finish(unreachable(new Error('the answer was cut off'))));
      });
    } catch (cause) {
      // A header node refuses (a request token with a line end): the value is not in the message.
      finish(unreachable(cause as Error));
      return;
    }
    req.on('error', (cause) => finish(unreachable(cause)));
    req.end();
  });
}

function unreachable(cause: Error): IdTokenError {
  return new IdTokenError(`The token service did not answer: ${cause.message}`, 'unreachable');
}

/** What an error answer says, shortened, with the request token blanked out if it is echoed. */
function excerpt(body: string, secret: string): string {
  let text = body;
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message) text = parsed.message;
  } catch {
    // not JSON: the body as it is
  }
  text = text.split(secret).join('***').trim();
  if (!text) return 'an empty body';
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…` : text;
}

/**
 * An OIDC ID token for `audience` (present only with `permissions: id-token: write`). Behind a
 * proxy it goes through @actions/core, whose HTTP client honours the proxy variables (loaded
 * only then), within the same deadline.
 */
export async function requestIdToken(
  audience: string,
  env: NodeJS.ProcessEnv,
  log: IdTokenLog,
  options: IdTokenOptions = {},
): Promise<string> {
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    throw new IdTokenError(
      'Unable to get ACTIONS_ID_TOKEN_REQUEST_URL or ACTIONS_ID_TOKEN_REQUEST_TOKEN env variable: the job has no id-token permission',
      'no-permission',
    );
  }
  const deadlineMs = options.deadlineMs ?? ID_TOKEN_DEADLINE_MS;
  if (proxyConfigured(env)) return viaCore(audience, requestToken, deadlineMs);

  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const deadline = now() + deadlineMs;
  const requestTimeoutMs = options.requestTimeoutMs ?? ID_TOKEN_REQUEST_TIMEOUT_MS;
  const address = idTokenUrl(requestUrl, audience);
  log.debug(`ID token url is ${address}`);

  const origin = new URL(address);
  const headersFor = (url: URL): OutgoingHttpHeaders => ({
    accept: 'application/json',
    'user-agent': userAgent(env),
    ...(url.hostname === origin.hostname ? { authorization: `Bearer ${requestToken}` } : {}),
  });
  const outOfTime = (last: string): IdTokenError =>
    new IdTokenError(`The token service gave no token within ${seconds(deadlineMs)} (${last})`, 'timeout');
  const hop = (url: URL): Promise<Answer> => {
    const left = deadline - now();
    if (left <= 0) throw outOfTime('no time left for another request');
    return get(url, headersFor(url), Math.min(requestTimeoutMs, left));
  };

  let target = origin;
  let answer: Answer;
  for (let attempt = 1; ; attempt += 1) {
    answer = await hop(target);
    for (
      let redirects = 0;
      REDIRECT_STATUSES.includes(answer.status) && redirects < ID_TOKEN_MAX_REDIRECTS;
      redirects += 1
    ) {
      const location = answer.headers.location;
      if (!location) break;
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        throw new IdTokenError(
          `The token service redirected to an invalid address (HTTP ${answer.status})`,
          'redirect',
          answer.status,
        );
      }
      if (origin.protocol === 'https:' && next.protocol !== 'https:') {
        throw new IdTokenError(
          `The token service redirected from HTTPS to ${next.protocol.replace(':', '').toUpperCase()}; the request token is not sent without TLS`,
          'redirect',
          answer.status,
        );
      }
      target = next;
      answer = await hop(target);
    }
    if (!ID_TOKEN_RETRY_STATUSES.includes(answer.status) || attempt > ID_TOKEN_MAX_RETRIES) break;
    const wait = ID_TOKEN_BACKOFF_SLICE_MS * 2 ** Math.min(attempt, ID_TOKEN_BACKOFF_CEILING);
    if (now() + wait >= deadline)
      throw outOfTime(`${attempt} attempts, the last answered HTTP ${answer.status}`);
    await sleep(wait);
  }

  if (answer.status > 299) {
    const tries = ID_TOKEN_RETRY_STATUSES.includes(answer.status)
      ? ` on all ${ID_TOKEN_MAX_RETRIES + 1} attempts`
      : '';
    throw new IdTokenError(
      `The token service answered HTTP ${answer.status}${tries}: ${excerpt(answer.body, requestToken)}`,
      'status',
      answer.status,
    );
  }
  let value: unknown;
  try {
    value = (JSON.parse(answer.body) as { value?: unknown } | null)?.value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || value === '') {
    // The body is not quoted: a malformed answer may still carry a token.
    throw new IdTokenError(
      `The token service returned no token (HTTP ${answer.status}, the JSON answer has no "value" string)`,
      'no-token',
      answer.status,
    );
  }
  log.mask(value);
  return value;
}

/** Behind a proxy: @actions/core's request (it masks the token itself), bounded by the deadline. */
async function viaCore(audience: string, requestToken: string, deadlineMs: number): Promise<string> {
  const core = await loadActionsCore();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new IdTokenError(
            `The token service (through the proxy) gave no token within ${seconds(deadlineMs)}`,
            'timeout',
          ),
        ),
      deadlineMs,
    );
    // The abandoned request must not keep the step alive; core's own socket timer ends it.
    timer.unref();
  });
  try {
    return await Promise.race([core.getIDToken(audience), expired]);
  } catch (error) {
    if (error instanceof IdTokenError) throw error;
    throw new IdTokenError(
      `The token service (through the proxy) failed: ${(error as Error).message.split(requestToken).join('***')}`,
      'proxy',
    );
  } finally {
    clearTimeout(timer);
  }
}
