/**
 * The bounds of the OIDC token request that @actions/core does not have (so the differential test
 * cannot compare them): a deadline over all attempts, a limit on each whole request (a service
 * that trickles bytes), a body size limit, and the same deadline on the proxy path through core.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { IdTokenError, requestIdToken } from '../../../src/runner/id-token';
import { startTokenService, TokenService } from '../../support/token-service';

let service: TokenService;
beforeAll(async () => {
  service = await startTokenService();
});
afterAll(() => service.stop());

const log = () => {
  const lines: string[] = [];
  return {
    lines,
    debug: (m: string) => lines.push(`debug ${m}`),
    mask: (s: string) => lines.push(`mask ${s}`),
  };
};
const env = (scenario: string): NodeJS.ProcessEnv => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: service.urlFor(scenario),
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: service.requestToken,
});
const failure = async (promise: Promise<unknown>): Promise<IdTokenError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IdTokenError);
    return error as IdTokenError;
  }
  throw new Error('expected the request to fail');
};

describe('the fake token service', () => {
  it('refuses a request without the request token, and hands out tokens with it', async () => {
    const noToken = { ...env('refusal'), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' };
    const error = await failure(requestIdToken('aud', noToken, log()));
    expect(error.status).toBe(401);
    expect(service.requests('refusal')[0].refused).toBe(true);
    const token = await requestIdToken('aud', env('refusal'), log());
    expect(token).toBe(service.tokens.at(-1));
    expect(service.requests('refusal').map((r) => r.refused)).toEqual([true, false]);
  });
});

describe('bounds', () => {
  it('gives up at the deadline when the service keeps answering 503 (fake clock)', async () => {
    service.script('deadline', [{ kind: 'answer', status: 503 }]);
    let clock = 0;
    const sleeps: number[] = [];
    const options = {
      now: () => clock,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock += ms;
      },
      deadlineMs: 1000,
    };
    const error = await failure(requestIdToken('aud', env('deadline'), log(), options));
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/no token within 1 s \(7 attempts, the last answered HTTP 503\)/);
    // 630 ms waited in all; the next wait (640 ms) would pass the deadline, so no eighth request.
    expect(sleeps).toEqual([10, 20, 40, 80, 160, 320]);
    expect(service.requests('deadline')).toHaveLength(7);
  });

  it('stops a request that is never answered, and one that trickles bytes forever', async () => {
    service.script('silent', [{ kind: 'hang' }]);
    service.script('trickle', [{ kind: 'trickle', intervalMs: 20 }]);
    for (const scenario of ['silent', 'trickle']) {
      const error = await failure(requestIdToken('aud', env(scenario), log(), { requestTimeoutMs: 300 }));
      expect(error.kind).toBe('timeout');
      expect(error.message).toBe('The token service did not answer within 0.3 s');
      expect(service.requests(scenario)).toHaveLength(1);
    }
  });

  it('bounds a request by what is left of the deadline', async () => {
    service.script('silent-deadline', [{ kind: 'hang' }]);
    const error = await failure(
      requestIdToken('aud', env('silent-deadline'), log(), { requestTimeoutMs: 600_000, deadlineMs: 300 }),
    );
    expect(error.kind).toBe('timeout');
  });

  it('fails at once on an answer cut off mid-body, and on a request token node cannot send', async () => {
    service.script('cut', [{ kind: 'cut' }]);
    const cut = await failure(
      requestIdToken('aud', env('cut'), log(), { requestTimeoutMs: 60_000, deadlineMs: 60_000 }),
    );
    expect(cut.kind).toBe('unreachable');
    const bad = { ...env('bad-token'), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'secret\nvalue' };
    const error = await failure(requestIdToken('aud', bad, log()));
    expect(error.kind).toBe('unreachable');
    expect(error.message).not.toContain('secret');
    expect(service.requests('bad-token')).toHaveLength(0);
  });

  it('refuses an answer larger than a token answer can be', async () => {
    service.script('huge', [
      { kind: 'answer', status: 200, body: `{"value":"${'x'.repeat(2 * 1024 * 1024)}"}` },
    ]);
    const error = await failure(requestIdToken('aud', env('huge'), log()));
    expect(error.message).toMatch(/more than 1048576 bytes/);
  });

  it('names the status, the attempts and the body, without the request token', async () => {
    service.script('503s', [{ kind: 'answer', status: 503, body: `busy, token ${service.requestToken}` }]);
    const error = await failure(
      requestIdToken('aud', env('503s'), log(), { sleep: () => Promise.resolve() }),
    );
    expect(error.message).toBe('The token service answered HTTP 503 on all 11 attempts: busy, token ***');
    expect(error.status).toBe(503);
  });
});

describe('behind a proxy (the request goes through @actions/core)', () => {
  let proxy: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // A proxy that accepts the connection and never answers.
    proxy = createServer(() => undefined);
    proxy.on('connect', () => undefined);
    proxy.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('still ends at the deadline', async () => {
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const saved = { ...process.env };
    // Core reads the URL, the token and the proxy from process.env.
    // Core never sends a loopback address through a proxy: the token service gets a name here.
    Object.assign(process.env, env('via-proxy'), {
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://token-service.invalid/token?api-version=2.0',
      http_proxy: proxyUrl,
    });
    try {
      const error = await failure(requestIdToken('aud', process.env, log(), { deadlineMs: 500 }));
      expect(error.kind).toBe('timeout');
      expect(error.message).toMatch(/through the proxy\) gave no token within 0\.5 s/);
    } finally {
      process.env = saved;
    }
    expect(sockets.size).toBeGreaterThan(0);
  });
});
