/**
 * A fake GitHub runner OIDC token endpoint on loopback, answering the way the Actions service answers
 * `core.getIDToken(audience)`: GET `${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=<aud>` with
 * `Authorization: Bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}` returns `{"value": "<jwt>"}`.
 * Every answer is a fresh JWT-shaped token (moto's STS accepts any), and every request is recorded.
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';

export interface OidcRequest {
  /** The `audience` query parameter, or undefined when the caller sent none. */
  audience: string | undefined;
  /** Whether the bearer token matched the request token. */
  authorized: boolean;
  /** The client's User-Agent header (tells @actions/core's HTTP client from the action's own request). */
  userAgent?: string;
  /** The token handed out (empty when the request was refused). */
  token: string;
}

export interface FakeOidc {
  /** Value for ACTIONS_ID_TOKEN_REQUEST_URL (already has a query string, like the real one). */
  requestUrl: string;
  /** Value for ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string;
  /** Every request so far, in order. */
  requests: OidcRequest[];
  /** Every token handed out so far: secrets that must never be printed unmasked. */
  tokens(): string[];
  /** The environment a runner step gets when the job has `permissions: id-token: write`. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** A JWT-shaped token with claims like GitHub's (unsigned: moto does not verify it). */
export function makeJwt(audience: string, subject = 'repo:dazn/cache:ref:refs/heads/main'): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: 'e2e' };
  const claims = {
    jti: randomUUID(),
    sub: subject,
    aud: audience,
    iss: 'https://token.actions.githubusercontent.com',
    iat: now,
    nbf: now - 5,
    exp: now + 300,
  };
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}.${base64url(randomBytes(64))}`;
}

export async function startOidc(): Promise<FakeOidc> {
  const requestToken = `e2e-request-token-${randomBytes(12).toString('hex')}`;
  const requests: OidcRequest[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const audience = url.searchParams.get('audience') ?? undefined;
    const authorized = req.headers.authorization === `Bearer ${requestToken}`;
    if (req.method !== 'GET' || url.pathname !== '/token') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
      return;
    }
    if (!authorized) {
      requests.push({ audience, authorized, token: '', userAgent: req.headers['user-agent'] });
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"bad request token"}');
      return;
    }
    const token = makeJwt(audience ?? 'https://github.com/dazn');
    requests.push({ audience, authorized, token, userAgent: req.headers['user-agent'] });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: token }));
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const requestUrl = `http://127.0.0.1:${port}/token?api-version=2.0`;

  return {
    requestUrl,
    requestToken,
    requests,
    tokens: () => requests.filter((r) => r.token !== '').map((r) => r.token),
    env: () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
