/**
 * A fake GitHub Actions OIDC provider on loopback that mints real RS256 job tokens, as
 * token.actions.githubusercontent.com does (https://docs.github.com/en/actions/reference/security/oidc):
 *
 * - `GET /.well-known/openid-configuration` (issuer, jwks_uri) and `GET /.well-known/jwks` (the
 *   public keys, with kid and alg RS256);
 * - the runner's token request, `GET /token?api-version=2.0&audience=<aud>` with
 *   `Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>`, answers `{"value": "<jwt>"}` with the
 *   claims of the job that request token belongs to (each job has its own request token, as on a
 *   real runner); an unknown request token is refused with 401;
 * - claims as GitHub writes them: every one a string (ids too), `sub` is
 *   `repo:<owner>/<repo>:pull_request` for pull_request events, `…:environment:<name>` for jobs with
 *   an environment, else `…:ref:<ref>`; `aud` defaults to `https://github.com/<owner>`;
 *   `iat` now, `nbf` 10 minutes before it, `exp` 5 minutes after it (the documentation's example).
 *
 * Tests also mint tokens directly (`mint`), including ones GitHub never issues (another key,
 * expired, not yet valid, claims missing) to see the broker refuse them.
 */
import { createSign, generateKeyPairSync, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** Offsets of the documentation's example token, seconds from iat. */
export const TOKEN_LIFETIME_S = 300;
export const TOKEN_NOT_BEFORE_S = -600;

export interface GitHubJob {
  /** owner/name. */
  repository: string;
  /** Digits. */
  repositoryId: string;
  /** Digits; default derived from the owner. */
  ownerId?: string;
  ref: string;
  eventName: string;
  /** base_ref / head_ref of pull_request events (branch names). */
  baseRef?: string;
  headRef?: string;
  environment?: string;
  runId?: string;
  runAttempt?: string;
}

export interface MintOptions {
  audience?: string;
  /** Seconds added to now for iat (negative: issued in the past). */
  issuedAtOffsetS?: number;
  lifetimeS?: number;
  notBeforeOffsetS?: number;
  /** Sign with a key the JWKS does not publish (under the published kid). */
  forge?: boolean;
  issuer?: string;
  /** Claims to drop after building them. */
  omit?: string[];
  /** Claims to set or override. */
  extra?: Record<string, unknown>;
  alg?: string;
}

export interface TokenRequestRecord {
  audience: string | undefined;
  authorized: boolean;
  token: string;
}

export interface GitHubOidc {
  /** The issuer (iss), also the broker's OIDC_ISSUER. */
  issuer: string;
  jwksUrl: string;
  mint(job: GitHubJob, options?: MintOptions): string;
  /** Registers a job; returns the two variables its steps get with `permissions: id-token: write`. */
  jobEnv(job: GitHubJob): Record<string, string>;
  requests: TokenRequestRecord[];
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** Every token handed out through the token endpoint. */
  tokens(): string[];
  stop(): Promise<void>;
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key);
  return `${input}.${b64url(signature)}`;
}

/** A stable fake owner id from the login (GitHub's are digits, unique per account). */
function ownerIdOf(owner: string): string {
  let hash = 7;
  for (const char of owner.toLowerCase()) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000_007;
  return String(hash + 1);
}

export function githubClaims(
  job: GitHubJob,
  issuer: string,
  audience: string,
  nowS: number,
): Record<string, unknown> {
  const owner = job.repository.split('/')[0];
  const isPullRequest = job.eventName === 'pull_request';
  const sub = job.environment
    ? `repo:${job.repository}:environment:${job.environment}`
    : isPullRequest
      ? `repo:${job.repository}:pull_request`
      : `repo:${job.repository}:ref:${job.ref}`;
  return {
    jti: randomUUID(),
    sub,
    aud: audience,
    ref: job.ref,
    sha: 'c'.repeat(40),
    repository: job.repository,
    repository_owner: owner,
    repository_owner_id: job.ownerId ?? ownerIdOf(owner),
    repository_id: job.repositoryId,
    repository_visibility: 'private',
    run_id: job.runId ?? '1000',
    run_number: '7',
    run_attempt: job.runAttempt ?? '1',
    actor: 'octocat',
    actor_id: '583231',
    workflow: 'ci',
    head_ref: job.headRef ?? '',
    base_ref: job.baseRef ?? '',
    event_name: job.eventName,
    ref_type: job.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    ...(job.environment ? { environment: job.environment } : {}),
    job_workflow_ref: `${job.repository}/.github/workflows/ci.yml@${job.ref}`,
    iss: issuer,
    iat: nowS,
    nbf: nowS + TOKEN_NOT_BEFORE_S,
    exp: nowS + TOKEN_LIFETIME_S,
  };
}

export async function startGitHubOidc(): Promise<GitHubOidc> {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forged = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const jobs = new Map<string, GitHubJob>();
  const requests: TokenRequestRecord[] = [];
  let jwksFetches = 0;
  let issuer = '';

  const mint = (job: GitHubJob, options: MintOptions = {}): string => {
    const owner = job.repository.split('/')[0];
    const nowS = Math.floor(Date.now() / 1000) + (options.issuedAtOffsetS ?? 0);
    const claims = githubClaims(
      job,
      options.issuer ?? issuer,
      options.audience ?? `https://github.com/${owner}`,
      nowS,
    );
    if (options.lifetimeS !== undefined) claims.exp = nowS + options.lifetimeS;
    if (options.notBeforeOffsetS !== undefined) claims.nbf = nowS + options.notBeforeOffsetS;
    const omitted = new Set(options.omit ?? []);
    const final = {
      ...Object.fromEntries(Object.entries(claims).filter(([name]) => !omitted.has(name))),
      ...options.extra,
    };
    const header = { typ: 'JWT', alg: options.alg ?? 'RS256', kid };
    return signJwt(header, final, options.forge ? forged.privateKey : keys.privateKey);
  };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET') return send(res, 405, { message: 'Method Not Allowed' });
    if (url.pathname === '/.well-known/openid-configuration') {
      return send(res, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid'],
      });
    }
    if (url.pathname === '/.well-known/jwks') {
      jwksFetches++;
      const jwk = keys.publicKey.export({ format: 'jwk' });
      return send(res, 200, { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] });
    }
    if (url.pathname === '/token') {
      const audience = url.searchParams.get('audience') ?? undefined;
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const job = bearer ? jobs.get(bearer) : undefined;
      if (!job) {
        requests.push({ audience, authorized: false, token: '' });
        return send(res, 401, { message: 'The request token is not valid for this job' });
      }
      const token = mint(job, audience ? { audience } : {});
      requests.push({ audience, authorized: true, token });
      return send(res, 200, { value: token });
    }
    send(res, 404, { message: 'Not Found' });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}`;

  return {
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks`,
    mint,
    jobEnv: (job) => {
      const requestToken = `job-request-token-${randomBytes(12).toString('hex')}`;
      jobs.set(requestToken, job);
      return {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
      };
    },
    requests,
    jwksFetches: () => jwksFetches,
    tokens: () => requests.filter((r) => r.token !== '').map((r) => r.token),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
