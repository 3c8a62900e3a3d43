/**
 * The part of GitHub's REST API the broker uses, on loopback, refusing what GitHub refuses:
 *
 * - App JWTs (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app):
 *   RS256 with the App's key, `iss` the App id, `exp` in the future and at most 10 minutes after
 *   `iat`, `iat` at most 60 s ahead; anything else is 401.
 * - `GET /repos/{owner}/{repo}/installation` (App JWT): the installation, 404 when the App is not
 *   installed on that repository.
 * - `POST /app/installations/{id}/access_tokens` (App JWT): an installation token valid for one hour.
 * - `GET /repos/{owner}/{repo}` (installation token): the repository with `id` and
 *   `default_branch`; 401 for an unknown or expired token, 404 for a repository the installation
 *   does not cover.
 *
 * Scaler's helpers sign and verify the JWTs (node:crypto only, no octokit: it loads under ts-jest).
 */
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { decodeVerifiedRs256 } from '../../../scaler/test/support/jwt';

export const JWT_MAX_LIFETIME_S = 600;
export const JWT_IAT_FUTURE_ALLOWANCE_S = 60;
export const INSTALLATION_TOKEN_TTL_MS = 60 * 60_000;

export interface FakeRepository {
  /** owner/name. */
  fullName: string;
  id: number;
  defaultBranch: string;
  /** Whether the App's installation covers it (default true). */
  installed?: boolean;
}

export interface FakeGitHub {
  url: string;
  /** `METHOD path status` of every request. */
  requests: string[];
  /** Makes every later request answer this status (undefined: normal service). */
  failWith: number | undefined;
  /** Lets installation tokens expire (ms added to the fake's clock). */
  advance(ms: number): void;
  stop(): Promise<void>;
}

export async function startFakeGitHub(options: {
  appId: string;
  publicKeyPem: string;
  installationId: number;
  repositories: FakeRepository[];
}): Promise<FakeGitHub> {
  const requests: string[] = [];
  const tokens = new Map<string, number>(); // token → expiry (fake clock, ms)
  let offsetMs = 0;
  const now = (): number => Date.now() + offsetMs;
  const state = { failWith: undefined as number | undefined };

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void => {
    requests.push(`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname} ${status}`);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const appJwtOk = (req: IncomingMessage): string | undefined => {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const decoded = token ? decodeVerifiedRs256(token, options.publicKeyPem) : undefined;
    if (!decoded) return 'A JSON web token could not be decoded';
    const { iat, exp, iss } = decoded.claims;
    const nowS = now() / 1000;
    if (String(iss) !== options.appId) return "'Issuer' claim ('iss') must be an Integer";
    if (typeof iat !== 'number' || iat > nowS + JWT_IAT_FUTURE_ALLOWANCE_S)
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
    if (typeof exp !== 'number' || exp <= nowS || exp - iat > JWT_MAX_LIFETIME_S) {
      return "'Expiration time' claim ('exp') is too far in the future";
    }
    return undefined;
  };

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (state.failWith !== undefined) return send(req, res, state.failWith, { message: 'Server Error' });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const installation = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path);
      const tokenRoute = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
      const repoRoute = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
      const find = (owner: string, name: string): FakeRepository | undefined =>
        options.repositories.find((r) => r.fullName.toLowerCase() === `${owner}/${name}`.toLowerCase());

      if (req.method === 'GET' && installation) {
        const problem = appJwtOk(req);
        if (problem) return send(req, res, 401, { message: problem });
        const repo = find(installation[1], installation[2]);
        if (!repo || repo.installed === false) return send(req, res, 404, { message: 'Not Found' });
        return send(req, res, 200, {
          id: options.installationId,
          account: { login: installation[1] },
          app_id: Number(options.appId),
        });
      }
      if (req.method === 'POST' && tokenRoute) {
        const problem = appJwtOk(req);
        if (problem) return send(req, res, 401, { message: problem });
        if (Number(tokenRoute[1]) !== options.installationId)
          return send(req, res, 404, { message: 'Not Found' });
        const token = `ghs_${randomBytes(18).toString('hex')}`;
        const expires = now() + INSTALLATION_TOKEN_TTL_MS;
        tokens.set(token, expires);
        return send(req, res, 201, {
          token,
          expires_at: new Date(expires).toISOString(),
          permissions: { metadata: 'read' },
        });
      }
      if (req.method === 'GET' && repoRoute) {
        const token = /^(?:token|Bearer) (ghs_\w+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const expires = token ? tokens.get(token) : undefined;
        if (expires === undefined || expires <= now())
          return send(req, res, 401, { message: 'Bad credentials' });
        const repo = find(repoRoute[1], repoRoute[2]);
        if (!repo || repo.installed === false) return send(req, res, 404, { message: 'Not Found' });
        const [owner, name] = repo.fullName.split('/');
        return send(req, res, 200, {
          id: repo.id,
          name,
          full_name: repo.fullName,
          owner: { login: owner },
          default_branch: repo.defaultBranch,
        });
      }
      send(req, res, 404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get failWith() {
      return state.failWith;
    },
    set failWith(value: number | undefined) {
      state.failWith = value;
    },
    advance: (ms) => {
      offsetMs += ms;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
