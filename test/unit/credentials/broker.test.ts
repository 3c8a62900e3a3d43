/**
 * The action's side of the credential broker: the POST, its retries and limits, the checks on the
 * answer, masking, and the settings that turn it on. The broker here is a scripted HTTP server on
 * loopback (the real broker's answers are tested in broker/test and end to end).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { resolveSettings } from '../../../src/config/settings';
import { parseGrant, requestGrant } from '../../../src/credentials/broker';
import { CredentialsDeps, resolveBrokerGrant } from '../../../src/credentials/credentials';
import { CacheUnavailableError, ServiceError, ValidationError } from '../../../src/errors/errors';
import { describeError } from '../../../src/errors/policy';
import { scopeSegment } from '../../../src/matching/isolation';
import { Budget } from '../../../src/storage/retry';

const quiet = { debug: () => undefined, info: () => undefined, warning: () => undefined };
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

function grantBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  const main = { ref: 'refs/heads/main', scope: scopeSegment('refs/heads/main') };
  return {
    version: 1,
    credentials: {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret-key',
      sessionToken: 'session-token',
      expiration: '2026-12-02T00:00:00.000Z',
    },
    repository: 'repo-101',
    write: main,
    read: [main],
    ...over,
  };
}

interface Scripted {
  url: string;
  requests: { method: string; authorization: string }[];
  stop(): Promise<void>;
}

/** Answers each request with the next scripted answer ('hang': never answers). */
async function scriptedBroker(answers: ({ status: number; body: unknown } | 'hang')[]): Promise<Scripted> {
  const requests: Scripted['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', authorization: req.headers.authorization ?? '' });
    const next = answers.shift() ?? { status: 500, body: { error: 'script ran out' } };
    if (next === 'hang') return; // holds the connection open without an answer
    res.writeHead(next.status, { 'content-type': 'application/json' }).end(JSON.stringify(next.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function scope(retries: string[] = []) {
  return {
    budget: new Budget(30_000, 'DAZN_CACHE_STEP_TIMEOUT_MINS'),
    sleep: async () => undefined,
    onRetry: (m: string) => retries.push(m),
  };
}

describe('requestGrant', () => {
  it('POSTs the token as a bearer and reads the grant', async () => {
    const broker = await scriptedBroker([{ status: 200, body: grantBody() }]);
    try {
      const grant = await requestGrant({ url: broker.url, audience: 'dazn-cache' }, TOKEN, quiet, scope());
      expect(grant).toMatchObject({
        repository: 'repo-101',
        write: { ref: 'refs/heads/main' },
        read: [{ ref: 'refs/heads/main' }],
      });
      expect(grant.credentials.expiration?.toISOString()).toBe('2026-12-02T00:00:00.000Z');
      expect(broker.requests).toEqual([{ method: 'POST', authorization: `Bearer ${TOKEN}` }]);
    } finally {
      await broker.stop();
    }
  });

  it('retries 5xx and 429, then succeeds', async () => {
    const retries: string[] = [];
    const broker = await scriptedBroker([
      { status: 503, body: { error: 'the issuer keys could not be fetched: try again' } },
      { status: 429, body: { message: 'Too Many Requests' } },
      { status: 200, body: grantBody() },
    ]);
    try {
      await requestGrant({ url: broker.url, audience: 'a' }, TOKEN, quiet, scope(retries));
      expect(broker.requests).toHaveLength(3);
      expect(retries[0]).toMatch(
        /answered HTTP 503 \(the issuer keys could not be fetched: try again\); retrying \(attempt 2 of 4\)/,
      );
    } finally {
      await broker.stop();
    }
  });

  it('a 4xx is the broker refusing: no retry, its message with the URL, the token never in it', async () => {
    const broker = await scriptedBroker([
      { status: 403, body: { error: `repositories of stranger may not use this cache (token ${TOKEN})` } },
    ]);
    try {
      const error = await requestGrant({ url: broker.url, audience: 'a' }, TOKEN, quiet, scope()).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CacheUnavailableError);
      expect((error as Error).message).toBe(
        `The credential broker ${broker.url} refused this job (HTTP 403): repositories of stranger may not use this cache (token ***). The cache is not used in this step.`,
      );
      expect(broker.requests).toHaveLength(1);
    } finally {
      await broker.stop();
    }
  });

  it('gives up after 4 attempts of 502 with a ServiceError that says to check the broker logs', async () => {
    const broker = await scriptedBroker(
      Array.from({ length: 4 }, () => ({ status: 502, body: { message: 'Internal Server Error' } })),
    );
    try {
      const error = await requestGrant({ url: broker.url, audience: 'a' }, TOKEN, quiet, scope()).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ServiceError);
      expect(broker.requests).toHaveLength(4);
      expect(describeError(error)).toMatch(
        new RegExp(
          `The credential broker ${broker.url} failed with HTTP 502 after 4 attempts .*check its logs`,
        ),
      );
    } finally {
      await broker.stop();
    }
  });

  it('a broker that never answers ends each attempt at its time limit', async () => {
    const broker = await scriptedBroker(['hang', 'hang', 'hang', 'hang']);
    try {
      const error = await requestGrant({ url: broker.url, audience: 'a' }, TOKEN, quiet, scope(), {
        attemptTimeoutMs: 200,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
      expect(describeError(error)).toMatch(
        /got no answer after 4 attempts; last cause: no answer within 0.2 s/,
      );
    } finally {
      await broker.stop();
    }
  });

  it('a broker that cannot be reached names broker-url', async () => {
    const broker = await scriptedBroker([]);
    await broker.stop();
    const error = await requestGrant({ url: broker.url, audience: 'a' }, TOKEN, quiet, scope()).catch(
      (e: unknown) => e,
    );
    expect(describeError(error)).toMatch(
      /got no answer after 4 attempts.*broker-url \/ DAZN_CACHE_BROKER_URL/,
    );
  });
});

describe('parseGrant', () => {
  it('refuses answers whose scopes are not the hash of their ref, or that miss parts', () => {
    expect(parseGrant(grantBody({ write: { ref: 'refs/heads/main', scope: 'ref-0000' } }))).toMatch(
      /write scope/,
    );
    expect(
      parseGrant(grantBody({ read: [{ ref: 'refs/heads/x', scope: scopeSegment('refs/heads/y') }] })),
    ).toMatch(/read scope/);
    expect(parseGrant(grantBody({ read: [] }))).toMatch(/no read scopes/);
    expect(parseGrant(grantBody({ repository: 'dazn/app' }))).toMatch(/repo-<id>/);
    expect(parseGrant(grantBody({ version: 2 }))).toMatch(/version 2, this action reads version 1/);
    expect(parseGrant(grantBody({ credentials: { accessKeyId: 'a' } }))).toMatch(/no complete credentials/);
    expect(parseGrant([])).toMatch(/not a JSON object/);
  });

  it('keeps the reason of a read-only grant', () => {
    const grant = parseGrant(grantBody({ write: null, readOnlyReason: 'the pull_request_target trigger …' }));
    expect(grant).toMatchObject({ write: null, readOnlyReason: 'the pull_request_target trigger …' });
  });
});

describe('resolveBrokerGrant', () => {
  const s3 = { bucket: 'b', region: 'eu-central-1', prefix: 'cache' };

  it('asks for a token with the broker audience and masks the token and every credential', async () => {
    const broker = await scriptedBroker([{ status: 200, body: grantBody() }]);
    const secrets: string[] = [];
    const audiences: string[] = [];
    const deps: CredentialsDeps = {
      getIDToken: async (audience) => {
        audiences.push(audience);
        return TOKEN;
      },
      setSecret: (s) => secrets.push(s),
      assumeRoleWithWebIdentity: async () => {
        throw new Error('not used with the broker');
      },
    };
    try {
      await resolveBrokerGrant({ ...s3, broker: { url: broker.url, audience: 'my-aud' } }, quiet, deps, {
        bounds: { idleMs: 1000 },
        scope: scope(),
      });
      expect(audiences).toEqual(['my-aud']);
      expect(secrets).toEqual([TOKEN, 'ASIAEXAMPLE', 'secret-key', 'session-token']);
    } finally {
      await broker.stop();
    }
  });

  it('without id-token permission: a warning naming broker-url and the permission', async () => {
    const deps: CredentialsDeps = {
      getIDToken: async () => {
        throw new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
      },
      setSecret: () => undefined,
      assumeRoleWithWebIdentity: async () => {
        throw new Error('unused');
      },
      idTokenPermitted: () => false,
    };
    const error = await resolveBrokerGrant(
      { ...s3, broker: { url: 'https://b.example/', audience: 'a' } },
      quiet,
      deps,
      {
        bounds: { idleMs: 1000 },
        scope: scope(),
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheUnavailableError);
    expect((error as Error).message).toMatch(
      /to call the credential broker https:\/\/b.example\/.*`permissions: id-token: write` to use broker-url/,
    );
  });
});

describe('settings', () => {
  const env = {
    GITHUB_REPOSITORY: 'dazn/app',
    GITHUB_REF: 'refs/heads/main',
    DAZN_CACHE_BUCKET: 'bucket',
    DAZN_CACHE_ROLE_ARN: 'arn:aws:iam::1:role/r',
  };
  const inputs = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  it('broker-url turns isolated mode on and role-to-assume off; the audience defaults to dazn-cache', () => {
    const settings = resolveSettings(
      'restore',
      inputs({ path: 'x', key: 'k', 'broker-url': 'https://abc.lambda-url.eu-central-1.on.aws/' }),
      env,
    );
    expect(settings.s3?.broker).toEqual({
      url: 'https://abc.lambda-url.eu-central-1.on.aws/',
      audience: 'dazn-cache',
    });
    expect(settings.s3?.roleToAssume).toBeUndefined();
    const fromEnv = resolveSettings('save', inputs({ path: 'x', key: 'k' }), {
      ...env,
      DAZN_CACHE_BROKER_URL: 'https://b.example/',
      DAZN_CACHE_BROKER_AUDIENCE: 'other',
    });
    expect(fromEnv.s3?.broker).toEqual({ url: 'https://b.example/', audience: 'other' });
  });

  it('without broker-url nothing changes', () => {
    const settings = resolveSettings('restore', inputs({ path: 'x', key: 'k' }), env);
    expect(settings.s3?.broker).toBeUndefined();
    expect(settings.s3?.roleToAssume).toBe('arn:aws:iam::1:role/r');
  });

  it('refuses a broker URL that would send the token in clear text', () => {
    expect(() =>
      resolveSettings(
        'restore',
        inputs({ path: 'x', key: 'k', 'broker-url': 'http://broker.example/' }),
        env,
      ),
    ).toThrow(ValidationError);
    expect(() =>
      resolveSettings('restore', inputs({ path: 'x', key: 'k', 'broker-url': 'not a url' }), env),
    ).toThrow(/broker-url \/ DAZN_CACHE_BROKER_URL "not a url" is not an https:\/\/ URL/);
  });
});
