/**
 * A fake GitHub on loopback that refuses what GitHub refuses: App JWTs (RS256, iat/exp rules) checked
 * with the App's public key, installation and registration tokens that expire on the fake clock,
 * single-use JIT configurations bound to one runner, a minimum runner version, primary and secondary
 * rate limits with GitHub's headers, signed workflow_job deliveries and the App's delivery log.
 * The rules and their documentation pages: fake-github-rules.ts and README.md beside this file.
 *
 * It needs no octokit (ESM-only packages cannot load under ts-jest/CommonJS): node:http and node:crypto.
 */
import { createPublicKey, KeyObject, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { Clock, systemClock } from './clock';
import {
  DEFAULT_API_VERSION,
  DEFAULT_MINIMUM_RUNNER_VERSION,
  DEFAULT_RATE_LIMIT,
  DOCS,
  JWT_IAT_FUTURE_ALLOWANCE_S,
  JWT_MAX_LIFETIME_S,
  MESSAGES,
  RUNNER_MESSAGES,
  RUNNER_NAME_PATTERN,
  SECONDARY_MAX_CONCURRENT,
  SECONDARY_POINTS_PER_MINUTE,
  SECONDARY_RETRY_AFTER_S,
  SUPPORTED_API_VERSIONS,
  UNAUTHENTICATED_RATE_LIMIT,
  WEBHOOK_TIMEOUT_MS,
} from './fake-github-rules';
import {
  Deliver,
  DeliveryRecord,
  DeliverySelector,
  FakeJob,
  FakeRunner,
  GitHubWorld,
  JobConclusion,
  RunnerConnectError,
} from './fake-github-world';
import { AuthKind, error, LEVELS, PermissionLevel, readBody, Reply, Route, send } from './fake-github-http';
import { buildRoutes, TokenInfo } from './fake-github-routes';
import { decodeVerifiedRs256, isRecord } from './jwt';

export { FakeClock, systemClock } from './clock';
export type { Clock } from './clock';
export { RunnerConnectError, seededRandom } from './fake-github-world';
export type {
  DeliveryRecord,
  FakeJob,
  FakeRunner,
  JobConclusion,
  RunnerConnectCode,
  DeliverySelector,
} from './fake-github-world';

export type { PermissionLevel } from './fake-github-http';

export interface FakeGitHubOptions {
  org: string;
  appId: number;
  /** The App's client id ("Iv23li…"), accepted as the JWT `iss` like the App id. */
  clientId?: string;
  installationId: number;
  /** PEM of the App's public key (SPKI or PKCS#1); App JWTs are verified with it. */
  appPublicKeyPem: string;
  webhookSecret: string;
  /** POSTs one delivery to the scaler's webhook and returns the HTTP status it answered (see httpDeliver). */
  deliver?: Deliver;
  /** Real ms the endpoint has to answer before the delivery is logged "Timed out". Default 10 000 (GitHub's 10 s). */
  deliveryTimeoutMs?: number;
  /** Every expiry and window reads this clock (ms since epoch). Default: Date.now. */
  clock?: Clock;
  /** Runners older than this are refused. Default 2.329.0. */
  minimumRunnerVersion?: string;
  /** Default [{1,'Default'},{2,'ecs'},{3,'fargate'}]. */
  runnerGroups?: { id: number; name: string }[];
  /** Primary limit per installation (and per App for JWT calls). Default 5000 per hour. */
  rateLimit?: { limit: number; windowMs: number };
  /** Status for primary and secondary limit refusals; GitHub uses 403 or 429. Default 403. */
  rateLimitStatus?: 403 | 429;
  /** Secondary limit: concurrent requests in flight per installation. Default 100. */
  maxConcurrentRequests?: number;
  /** Secondary limit: points per minute (GET 1, writes 5). Default 900. */
  pointsPerMinute?: number;
  /** Permissions the installation was granted. Default: organization self-hosted runners write, actions read, metadata read. */
  installationPermissions?: Record<string, PermissionLevel>;
  /** Organisation id in payloads. Default 9_100_000. */
  orgId?: number;
  /** Address to listen on. Default 127.0.0.1 (loopback); a Docker test may need the bridge address. */
  host?: string;
}

export interface RequestLogEntry {
  method: string;
  /** Route template, e.g. "GET /orgs/{org}/actions/runners"; "UNMATCHED" for unknown paths. */
  route: string;
  path: string;
  status: number;
  atMs: number;
  userAgent?: string;
  apiVersion?: string;
  auth: 'none' | 'jwt' | 'installation' | 'registration' | 'invalid';
}

export interface FakeGitHub {
  /** API root (GITHUB_API_URL), e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;

  // world controls
  queueJob(input: {
    repo: string;
    labels: string[];
    runId?: number;
    name?: string;
    workflowName?: string;
  }): FakeJob;
  connectRunner(encodedJitConfig: string, runnerVersion: string): { runnerId: number; name: string };
  disconnectRunner(name: string): void;
  completeJob(jobId: number, conclusion?: JobConclusion): FakeJob;
  cancelJob(jobId: number): FakeJob;
  /** config.sh --token: a runner registered with a registration token (refused once the token expired). */
  registerRunnerWithToken(
    token: string,
    runner: { name: string; labels: string[]; version: string; ephemeral?: boolean },
  ): { runnerId: number; name: string };
  /** Applies time-driven rules after the clock moved (offline ephemeral runners removed, held deliveries sent). */
  tick(): void;
  /** Resolves when every webhook delivery sent so far has been answered. */
  settled(): Promise<void>;

  // failure injection
  /** Every API call whose fake-clock time is in [fromMs, toMs) is answered 503; `webhooks: 'held'` also delays deliveries to toMs. */
  setOutage(fromMs: number, toMs: number, opts?: { webhooks?: 'unaffected' | 'held' }): void;
  dropDeliveries(
    select: DeliverySelector | null,
    opts?: { seed?: number; mode?: 'failed' | 'missing' },
  ): void;
  duplicateDeliveries(select: DeliverySelector | null, opts?: { seed?: number }): void;
  /** Every API call for the next `seconds` of the fake clock gets a secondary rate limit answer with retry-after. */
  triggerSecondaryRateLimit(seconds?: number): void;
  /** Holds admitted API requests before they are answered until the returned function is called (for concurrency tests). */
  holdResponses(): () => void;
  /** Makes an installation token expire now (e.g. revoked). */
  expireInstallationTokens(): void;

  // inspection
  requestCounts(): Record<string, number>;
  requests(): RequestLogEntry[];
  /** API calls (everything but /_fake), optionally only those matching a route template. */
  apiCallCount(route?: string): number;
  jobs(): FakeJob[];
  job(id: number): FakeJob | undefined;
  runners(): FakeRunner[];
  /** All runners ever registered, deleted ones included. */
  allRunners(): FakeRunner[];
  deliveries(): DeliveryRecord[];
}

interface Window {
  startMs: number;
  used: number;
}

function isAdjustable(clock: Clock): clock is Clock & { advance(ms: number): void } {
  return typeof (clock as { advance?: unknown }).advance === 'function';
}

/**
 * A `deliver` that POSTs each delivery to `url` as GitHub does (its headers, the raw body), with
 * GitHub's 10 s limit; answers the status, or 0 when the endpoint could not be reached in time.
 */
export function httpDeliver(url: string, timeoutMs: number = WEBHOOK_TIMEOUT_MS): Deliver {
  return async (d) => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: d.headers,
        body: d.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const clock = options.clock ?? systemClock;
  const orgId = options.orgId ?? 9_100_000;
  const rate = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const limitStatus = options.rateLimitStatus ?? 403;
  const maxConcurrent = options.maxConcurrentRequests ?? SECONDARY_MAX_CONCURRENT;
  const pointsPerMinute = options.pointsPerMinute ?? SECONDARY_POINTS_PER_MINUTE;
  const granted: Record<string, PermissionLevel> = options.installationPermissions ?? {
    organization_self_hosted_runners: 'write',
    actions: 'read',
    metadata: 'read',
  };
  const runnerGroups = options.runnerGroups ?? [
    { id: 1, name: 'Default' },
    { id: 2, name: 'ecs' },
    { id: 3, name: 'fargate' },
  ];
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(options.appPublicKeyPem);
  } catch (cause) {
    throw new Error(`startFakeGitHub: appPublicKeyPem is not a PEM public key (${(cause as Error).message})`);
  }

  let baseUrl = '';
  const world = new GitHubWorld({
    org: options.org,
    orgId,
    appId: options.appId,
    installationId: options.installationId,
    webhookSecret: options.webhookSecret,
    deliver: options.deliver,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? WEBHOOK_TIMEOUT_MS,
    clock,
    minimumRunnerVersion: options.minimumRunnerVersion ?? DEFAULT_MINIMUM_RUNNER_VERSION,
    runnerGroups,
    apiUrl: () => baseUrl,
  });

  const installationTokens = new Map<string, TokenInfo>();
  const registrationTokens = new Map<string, { expiresAtMs: number; kind: 'registration' | 'remove' }>();
  const windows = new Map<string, Window>();
  const points = new Map<string, Window>();
  const inFlight = new Map<string, number>();
  const blockedUntil = new Map<string, number>();
  let globalSecondaryUntilMs = 0;
  const outages: { fromMs: number; toMs: number }[] = [];
  const log: RequestLogEntry[] = [];
  let hold: Promise<void> | undefined;

  const { routes, runnerJson, jobJson } = buildRoutes({
    org: options.org,
    orgId,
    appId: options.appId,
    installationId: options.installationId,
    granted,
    runnerGroups,
    clock,
    world,
    installationTokens,
    registrationTokens,
    rateSnapshot: (key) => rateSnapshot(key),
    baseUrl: () => baseUrl,
  });

  // ---- checks every request goes through ----------------------------------------------------

  type AuthResult =
    | { ok: true; kind: AuthKind; key: string; limit: number; permissions: Record<string, PermissionLevel> }
    | { ok: false; reply: Reply; kind: RequestLogEntry['auth'] };

  const checkJwt = (token: string): Reply | undefined => {
    const decoded = decodeVerifiedRs256(token, publicKey);
    if (!decoded) return error(401, MESSAGES.jwtUndecodable);
    const { iat, exp, iss } = decoded.claims;
    // iss: the App id, or (recommended by GitHub since 2024) its client id (DOCS.jwt).
    const issuers = [String(options.appId), ...(options.clientId ? [options.clientId] : [])];
    if (!issuers.includes(String(iss))) return error(401, MESSAGES.jwtUndecodable);
    const nowS = clock.now() / 1000;
    if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > nowS + JWT_IAT_FUTURE_ALLOWANCE_S) {
      return error(401, MESSAGES.jwtIatInvalid);
    }
    if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= nowS)
      return error(401, MESSAGES.jwtExpInvalid);
    if (exp - iat > JWT_MAX_LIFETIME_S || exp > nowS + JWT_MAX_LIFETIME_S)
      return error(401, MESSAGES.jwtExpTooFar);
    return undefined;
  };

  const authenticate = (req: IncomingMessage, r: Route): AuthResult => {
    const header = req.headers.authorization;
    if (r.auth === 'none')
      return { ok: true, kind: 'none', key: 'ip', limit: UNAUTHENTICATED_RATE_LIMIT, permissions: {} };
    if (!header)
      return {
        ok: false,
        reply: error(401, MESSAGES.requiresAuthentication, DOCS.selfHostedRunners),
        kind: 'none',
      };
    const [scheme = '', value = ''] = header.split(/\s+/, 2);
    if (r.auth === 'registration') {
      const info = scheme === 'RemoteAuth' ? registrationTokens.get(value) : undefined;
      if (!info || info.kind !== 'registration' || info.expiresAtMs <= clock.now()) {
        return { ok: false, reply: error(404, MESSAGES.notFound), kind: 'invalid' };
      }
      return {
        ok: true,
        kind: 'registration',
        key: 'registration',
        limit: rate.limit,
        permissions: {},
      };
    }
    if (r.auth === 'jwt') {
      if (scheme.toLowerCase() !== 'bearer')
        return { ok: false, reply: error(401, MESSAGES.jwtUndecodable), kind: 'invalid' };
      const refused = checkJwt(value);
      if (refused) return { ok: false, reply: refused, kind: 'invalid' };
      return { ok: true, kind: 'jwt', key: `app:${options.appId}`, limit: rate.limit, permissions: {} };
    }
    const info = ['token', 'bearer'].includes(scheme.toLowerCase())
      ? installationTokens.get(value)
      : undefined;
    if (!info || info.expiresAtMs <= clock.now())
      return { ok: false, reply: error(401, MESSAGES.badCredentials), kind: 'invalid' };
    return {
      ok: true,
      kind: 'installation',
      key: `installation:${options.installationId}`,
      limit: rate.limit,
      permissions: info.permissions,
    };
  };

  const rateHeaders = (key: string, limit: number): Record<string, string> => {
    const now = clock.now();
    let w = windows.get(key);
    if (!w || now >= w.startMs + rate.windowMs) {
      w = { startMs: now, used: 0 };
      windows.set(key, w);
    }
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - w.used)),
      'x-ratelimit-used': String(w.used),
      'x-ratelimit-reset': String(Math.ceil((w.startMs + rate.windowMs) / 1000)),
      'x-ratelimit-resource': 'core',
    };
  };

  const rateSnapshot = (key: string): Record<string, number | string> => {
    const h = rateHeaders(key, rate.limit);
    return {
      limit: Number(h['x-ratelimit-limit']),
      remaining: Number(h['x-ratelimit-remaining']),
      used: Number(h['x-ratelimit-used']),
      reset: Number(h['x-ratelimit-reset']),
      resource: 'core',
    };
  };

  /** Returns a refusal when a limit applies; otherwise counts the request. */
  const applyRateLimits = (key: string, limit: number, method: string): Reply | undefined => {
    const now = clock.now();
    rateHeaders(key, limit); // rolls the window when it is over
    const w = windows.get(key) as Window;
    const secondary = (retryAfterS: number): Reply => ({
      ...error(limitStatus, MESSAGES.secondaryRateLimit, DOCS.rateLimits),
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterS))) },
    });
    if (now < globalSecondaryUntilMs) return secondary((globalSecondaryUntilMs - now) / 1000);
    const blocked = blockedUntil.get(key) ?? 0;
    if (now < blocked) return secondary((blocked - now) / 1000);
    if (w.used >= limit) {
      return error(limitStatus, MESSAGES.primaryRateLimit(options.installationId), DOCS.rateLimits);
    }
    if ((inFlight.get(key) ?? 0) >= maxConcurrent) return secondary(SECONDARY_RETRY_AFTER_S);
    let p = points.get(key);
    if (!p || now >= p.startMs + 60_000) {
      p = { startMs: now, used: 0 };
      points.set(key, p);
    }
    const cost = ['GET', 'HEAD', 'OPTIONS'].includes(method) ? 1 : 5;
    if (p.used + cost > pointsPerMinute) {
      blockedUntil.set(key, now + SECONDARY_RETRY_AFTER_S * 1000);
      return secondary(SECONDARY_RETRY_AFTER_S);
    }
    p.used += cost;
    w.used += 1;
    return undefined;
  };

  const handleFake = (method: string, path: string, body: unknown): Reply => {
    const b = isRecord(body) ? body : {};
    try {
      if (method === 'POST' && path === '/_fake/runner/connect') {
        const r = api.connectRunner(String(b.jit_config ?? ''), String(b.version ?? ''));
        return { status: 200, body: { runner_id: r.runnerId, name: r.name } };
      }
      if (method === 'POST' && path === '/_fake/jitconfig') {
        // generate-jitconfig without the App, for shell and Docker tests of the runner image.
        const name = String(b.name ?? '');
        const labels = Array.isArray(b.labels) ? b.labels.map(String) : [];
        const groupId = typeof b.runner_group_id === 'number' ? b.runner_group_id : 1;
        if (!RUNNER_NAME_PATTERN.test(name) || labels.length === 0) {
          return error(422, 'name (1-64 of A-Za-z0-9._-) and labels (at least one) are required');
        }
        if (world.runnerByName(name))
          return error(409, MESSAGES.runnerNameExists(name), DOCS.selfHostedRunners);
        const { runner, encoded } = world.createJitRunner(
          name,
          groupId,
          labels,
          String(b.work_folder ?? '_work'),
        );
        return { status: 201, body: { runner: runnerJson(runner), encoded_jit_config: encoded } };
      }
      if (method === 'POST' && path === '/_fake/runner/disconnect') {
        api.disconnectRunner(String(b.name ?? ''));
        return { status: 204 };
      }
      if (method === 'POST' && path === '/_fake/jobs') {
        const labels = Array.isArray(b.labels) ? b.labels.map(String) : [];
        const job = api.queueJob({
          repo: String(b.repo ?? ''),
          labels,
          runId: typeof b.run_id === 'number' ? b.run_id : undefined,
        });
        return { status: 201, body: jobJson(job) };
      }
      const complete = /^\/_fake\/jobs\/(\d+)\/complete$/.exec(path);
      if (method === 'POST' && complete) {
        const conclusion = (typeof b.conclusion === 'string' ? b.conclusion : 'success') as JobConclusion;
        return { status: 200, body: jobJson(api.completeJob(Number(complete[1]), conclusion)) };
      }
      if (method === 'POST' && path === '/_fake/clock/advance') {
        if (!isAdjustable(clock))
          return error(409, 'the fake runs on a clock the test cannot move (pass a FakeClock)');
        clock.advance(typeof b.ms === 'number' ? b.ms : 0);
        world.tick();
        return { status: 200, body: { now_ms: clock.now() } };
      }
      if (method === 'POST' && path === '/_fake/secondary-limit') {
        api.triggerSecondaryRateLimit(typeof b.seconds === 'number' ? b.seconds : undefined);
        return { status: 204 };
      }
      if (method === 'GET' && path === '/_fake/state') {
        return {
          status: 200,
          body: {
            runners: world.liveRunners().map(runnerJson),
            jobs: [...world.jobs.values()].map(jobJson),
            deliveries: world.deliveries.map((d) => world.deliveryJson(d)),
            request_counts: api.requestCounts(),
          },
        };
      }
      return error(404, MESSAGES.notFound);
    } catch (e) {
      if (e instanceof RunnerConnectError) {
        const status = {
          invalid_config: 400,
          session_exists: 409,
          registration_deleted: 410,
          version_deprecated: 403,
          token_expired: 404,
        }[e.code];
        return { status, body: { code: e.code, message: e.message } };
      }
      return { status: 400, body: { message: (e as Error).message } };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const userAgent = req.headers['user-agent'];
    const versionHeader = req.headers['x-github-api-version'];
    const apiVersion = Array.isArray(versionHeader) ? versionHeader[0] : versionHeader;
    const now = clock.now();
    const baseHeaders: Record<string, string> = {
      date: new Date(now).toUTCString(),
      'x-github-request-id': randomUUID().toUpperCase(),
      'x-github-api-version-selected': apiVersion ?? DEFAULT_API_VERSION,
    };
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      send(res, error(413, 'Request body too large'), baseHeaders);
      return;
    }
    let body: unknown = undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        send(res, error(400, 'Problems parsing JSON'), baseHeaders);
        return;
      }
    }
    if (path.startsWith('/_fake/')) {
      send(res, handleFake(method, path, body), baseHeaders);
      return;
    }
    const matched = routes.find((r) => r.method === method && r.regex.test(path));
    const entry: RequestLogEntry = {
      method,
      route: matched ? `${method} ${matched.template}` : 'UNMATCHED',
      path,
      status: 0,
      atMs: now,
      userAgent,
      apiVersion,
      auth: 'none',
    };
    log.push(entry);
    const finish = (reply: Reply, headers: Record<string, string> = baseHeaders): void => {
      entry.status = reply.status;
      send(res, reply, headers);
    };

    if (!userAgent) return finish({ status: 403, body: MESSAGES.userAgentRequired });
    if (apiVersion !== undefined && !(SUPPORTED_API_VERSIONS as readonly string[]).includes(apiVersion)) {
      return finish(error(400, MESSAGES.unsupportedApiVersion(apiVersion), DOCS.apiVersions));
    }
    if (outages.some((o) => now >= o.fromMs && now < o.toMs))
      return finish(error(503, MESSAGES.serviceUnavailable));
    if (!matched) return finish(error(404, MESSAGES.notFound));

    const auth = authenticate(req, matched);
    if (!auth.ok) {
      entry.auth = auth.kind;
      return finish(auth.reply);
    }
    entry.auth = auth.kind;
    // GET /rate_limit does not count against the primary limit (DOCS.rateLimitEndpoint).
    const refused =
      matched.template === '/rate_limit' ? undefined : applyRateLimits(auth.key, auth.limit, method);
    const headers = { ...baseHeaders, ...rateHeaders(auth.key, auth.limit) };
    if (refused) return finish(refused, headers);
    if (matched.permission) {
      const [name, level] = matched.permission;
      const have = auth.permissions[name];
      if (!have || LEVELS[have] < LEVELS[level])
        return finish(error(403, MESSAGES.notAccessible, DOCS.appPermissions), headers);
    }
    inFlight.set(auth.key, (inFlight.get(auth.key) ?? 0) + 1);
    try {
      if (hold) await hold;
      const params: Record<string, string> = {};
      const m = matched.regex.exec(path) as RegExpExecArray;
      matched.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      finish(
        matched.handle({ rateKey: auth.key, params, query: url.searchParams, body, method, baseUrl, path }),
        headers,
      );
    } finally {
      inFlight.set(auth.key, (inFlight.get(auth.key) ?? 1) - 1);
    }
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, error(500, `fake GitHub bug: ${(e as Error).message}`), {});
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => resolve());
  });
  const host = options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  baseUrl = `http://${host}:${(server.address() as AddressInfo).port}`;

  const api: FakeGitHub = {
    url: baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
    queueJob: (input) => world.queueJob(input),
    connectRunner: (encoded, version) => {
      const r = world.connectRunner(encoded, version);
      return { runnerId: r.id, name: r.name };
    },
    disconnectRunner: (name) => world.disconnectRunner(name),
    completeJob: (id, conclusion) => world.completeJob(id, conclusion),
    cancelJob: (id) => world.cancelJob(id),
    registerRunnerWithToken: (token, runner) => {
      const info = registrationTokens.get(token);
      if (!info || info.kind !== 'registration' || info.expiresAtMs <= clock.now()) {
        throw new RunnerConnectError('token_expired', RUNNER_MESSAGES.registrationTokenExpired);
      }
      if (world.runnerByName(runner.name)) {
        throw new RunnerConnectError('session_exists', MESSAGES.runnerNameExists(runner.name));
      }
      const r = world.createTokenRunner(runner.name, runner.labels, runner.ephemeral ?? true, runner.version);
      return { runnerId: r.id, name: r.name };
    },
    tick: () => world.tick(),
    settled: () => world.settled(),
    setOutage: (fromMs, toMs, opts) => {
      outages.push({ fromMs, toMs });
      if (opts?.webhooks === 'held') world.holdDeliveriesUntil(toMs);
    },
    dropDeliveries: (select, opts) => world.dropDeliveries(select, opts?.seed, opts?.mode),
    duplicateDeliveries: (select, opts) => world.duplicateDeliveries(select, opts?.seed),
    triggerSecondaryRateLimit: (seconds = SECONDARY_RETRY_AFTER_S) => {
      globalSecondaryUntilMs = clock.now() + seconds * 1000;
    },
    holdResponses: () => {
      let release: () => void = () => undefined;
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = undefined;
        release();
      };
    },
    expireInstallationTokens: () => {
      for (const info of installationTokens.values())
        info.expiresAtMs = Math.min(info.expiresAtMs, clock.now());
    },
    requestCounts: () => {
      const counts: Record<string, number> = {};
      for (const e of log) counts[e.route] = (counts[e.route] ?? 0) + 1;
      return counts;
    },
    requests: () => [...log],
    apiCallCount: (r) => (r === undefined ? log.length : log.filter((e) => e.route === r).length),
    jobs: () => [...world.jobs.values()],
    job: (id) => world.jobs.get(id),
    runners: () => world.liveRunners(),
    allRunners: () => [...world.runners.values()],
    deliveries: () => [...world.deliveries],
  };
  return api;
}
