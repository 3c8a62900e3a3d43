/**
 * The built bundle (broker/dist/index.js) called as Lambda calls it, handler(event) with a
 * function-URL event, against a fake GitHub OIDC issuer that signs real RS256 tokens and serves its
 * JWKS on loopback, and moto's STS behind a proxy that refuses what AWS STS refuses (moto checks no
 * tags, source identity or role limits) and records each AssumeRole.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { isolationGrant, scopeSegment } from '../../src/matching/isolation';
import {
  startGitHubOidc,
  type GitHubJob,
  type GitHubOidc,
  type MintOptions,
} from '../../test/support/github-oidc';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../../test/support/moto';
import { startStrictSts, type StrictSts } from '../../test/support/strict-sts';
import type * as Broker from '../src/index';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/dazn-cache-isolated';
const AUDIENCE = 'dazn-cache';

let oidc: GitHubOidc;
let moto: MotoServer;
let sts: StrictSts;
let broker: typeof Broker;
const logLines: string[] = [];

beforeAll(async () => {
  [oidc, moto] = await Promise.all([startGitHubOidc(), startMoto()]);
  sts = await startStrictSts(moto.endpoint);
  Object.assign(process.env, TEST_AWS_ENV, {
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    CACHE_ROLE_ARN: ROLE_ARN,
    ALLOWED_OWNERS: 'Dazn,other-org',
    OIDC_ISSUER: oidc.issuer,
    SESSION_SECONDS: '1800',
  });
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    logLines.push(String(line));
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  broker = require('../dist/index.js') as typeof Broker;
}, 60_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await Promise.all([oidc?.stop(), sts?.stop()]);
  await moto?.stop();
});

const PUSH_MAIN: GitHubJob = {
  repository: 'dazn/app',
  repositoryId: '1001',
  ref: 'refs/heads/main',
  eventName: 'push',
  runId: '9876543210',
  runAttempt: '2',
};

function event(token: string | undefined, method = 'POST'): Broker.FunctionUrlEvent {
  return {
    requestContext: { http: { method } },
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(job: GitHubJob, options: MintOptions = {}): Promise<Answer & { token: string }> {
  const token = oidc.mint(job, { audience: AUDIENCE, ...options });
  const result = await broker.handler(event(token));
  expect(result.headers['content-type']).toBe('application/json');
  // The token is never echoed or logged, whatever the answer.
  expect(result.body).not.toContain(token);
  expect(logLines.join('\n')).not.toContain(token);
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown>, token };
}

async function refused(job: GitHubJob, options: MintOptions, status: number, pattern: RegExp): Promise<void> {
  const calls = sts.calls.length;
  const answer = await call(job, options);
  expect(answer.status).toBe(status);
  expect(answer.body.error).toMatch(pattern);
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(sts.calls.length).toBe(calls); // no credentials were asked for
}

describe('valid job tokens', () => {
  it('a push to the default branch gets a session tagged with its repository and scope, writing main', async () => {
    const answer = await call(PUSH_MAIN);
    expect(answer.status).toBe(200);
    const main = { ref: 'refs/heads/main', scope: scopeSegment('refs/heads/main') };
    expect(answer.body).toMatchObject({ version: 1, repository: 'repo-1001', write: main, read: [main] });
    expect(answer.body.readOnlyReason).toBeUndefined();

    const call0 = sts.calls[sts.calls.length - 1];
    expect(call0).toMatchObject({
      status: 200,
      roleArn: ROLE_ARN,
      roleSessionName: 'gh-1001-9876543210-2',
      sourceIdentity: 'dazn@app',
      durationSeconds: 1800,
    });
    expect(call0.tags).toEqual(isolationGrant(PUSH_MAIN, 'main').tags);
    expect(call0.tags).toEqual({
      'cache-repo': 'repo-1001',
      'cache-write': main.scope,
      'cache-read-ref': main.scope,
      'cache-read-base': 'none',
      'cache-read-default': main.scope,
    });

    // The credentials are moto's, for the assumed role and the session name, and they work.
    const credentials = answer.body.credentials as Record<string, string>;
    const expiresInS = (Date.parse(credentials.expiration) - Date.now()) / 1000;
    expect(expiresInS).toBeGreaterThan(1700);
    expect(expiresInS).toBeLessThanOrEqual(1801);
    const client = new STSClient({
      region: TEST_AWS_ENV.AWS_REGION,
      endpoint: moto.endpoint,
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      },
    });
    const identity = await client.send(new GetCallerIdentityCommand({}));
    client.destroy();
    expect(identity.Arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/dazn-cache-isolated/gh-1001-9876543210-2',
    );
  });

  it('a pull request reads its own ref, its base and the default branch, and writes only its own ref', async () => {
    const job: GitHubJob = {
      repository: 'dazn/app',
      repositoryId: '1001',
      ref: 'refs/pull/7/merge',
      eventName: 'pull_request',
      baseRef: 'release/1.x',
      headRef: 'feature/login',
    };
    const answer = await call(job);
    expect(answer.status).toBe(200);
    expect(answer.body.write).toEqual({ ref: 'refs/pull/7/merge', scope: scopeSegment('refs/pull/7/merge') });
    expect((answer.body.read as { ref: string }[]).map((r) => r.ref)).toEqual([
      'refs/pull/7/merge',
      'refs/heads/release/1.x',
      'refs/heads/main',
    ]);
    expect(sts.calls[sts.calls.length - 1].tags['cache-read-base']).toBe(
      scopeSegment('refs/heads/release/1.x'),
    );
  });

  it('pull_request_target is read-only: write is null and the reason names the trigger', async () => {
    const job: GitHubJob = {
      ...PUSH_MAIN,
      eventName: 'pull_request_target',
      baseRef: 'main',
      headRef: 'evil',
    };
    const answer = await call(job);
    expect(answer.status).toBe(200);
    expect(answer.body.write).toBeNull();
    expect(answer.body.readOnlyReason).toMatch(
      /pull_request_target trigger can be set off by people without write access/,
    );
    expect(sts.calls[sts.calls.length - 1].tags['cache-write']).toBe('none');
  });

  it('the owner is compared case-insensitively, and a long run id still gives a valid session name', async () => {
    const job: GitHubJob = {
      ...PUSH_MAIN,
      repository: 'DAZN/App',
      repositoryId: '98765432109876543210',
      runId: '12345678901234567890',
      runAttempt: '123456',
    };
    const answer = await call(job);
    expect(answer.status).toBe(200);
    const name = sts.calls[sts.calls.length - 1].roleSessionName;
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^gh-98765432109876543210-12345678901234567890-/);
  });

  it('without the App, a job on master takes master as the default branch', async () => {
    const answer = await call({ ...PUSH_MAIN, ref: 'refs/heads/master' });
    expect(answer.status).toBe(200);
    expect(sts.calls[sts.calls.length - 1].tags['cache-read-default']).toBe(
      scopeSegment('refs/heads/master'),
    );
    const feature = await call({ ...PUSH_MAIN, ref: 'refs/heads/feature/x' });
    expect(sts.calls[sts.calls.length - 1].tags['cache-read-default']).toBe(scopeSegment('refs/heads/main'));
    expect((feature.body.read as { ref: string }[]).map((r) => r.ref)).toEqual([
      'refs/heads/feature/x',
      'refs/heads/main',
    ]);
  });
});

describe('refused tokens', () => {
  it('a token signed with another key (same kid) is refused with 401', async () => {
    await refused(PUSH_MAIN, { forge: true }, 401, /signature does not verify/);
  });

  it('a token whose payload was altered after signing is refused with 401', async () => {
    const token = oidc.mint(PUSH_MAIN, { audience: AUDIENCE });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims.repository_id = '2002';
    const altered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const result = await broker.handler(event(altered));
    expect(result.statusCode).toBe(401);
    expect(result.body).toMatch(/signature does not verify/);
  });

  it('a token from another issuer is refused with 401', async () => {
    await refused(PUSH_MAIN, { issuer: 'https://token.actions.githubusercontent.com' }, 401, /issuer is not/);
  });

  it('a token for another audience (the default https://github.com/<owner>) is refused with 401 naming the fix', async () => {
    const answer = await call(PUSH_MAIN, { audience: 'https://github.com/dazn' });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatch(/audience is not dazn-cache.*broker-audience/);
  });

  it('an expired token is refused with 401 (beyond the 30 s clock tolerance)', async () => {
    await refused(PUSH_MAIN, { issuedAtOffsetS: -400, lifetimeS: 300 }, 401, /expired/);
  });

  it('a token that expired within the clock tolerance is still accepted', async () => {
    const answer = await call(PUSH_MAIN, { issuedAtOffsetS: -310, lifetimeS: 300 });
    expect(answer.status).toBe(200);
  });

  it('a token that is not valid yet (nbf ahead) is refused with 401', async () => {
    await refused(PUSH_MAIN, { notBeforeOffsetS: 120 }, 401, /not valid yet/);
  });

  it('a token without exp is refused', async () => {
    await refused(PUSH_MAIN, { omit: ['exp'] }, 401, /exp claim/);
  });

  it.each(['repository_id', 'repository', 'repository_owner', 'ref', 'event_name'])(
    'a token without %s is refused with 403 naming the claim',
    async (claim) => {
      await refused(PUSH_MAIN, { omit: [claim] }, 403, new RegExp(`no ${claim} claim`));
    },
  );

  it('malformed claims are refused: a repository id that is not digits, a ref that is not a full ref', async () => {
    await refused(PUSH_MAIN, { extra: { repository_id: '../1' } }, 403, /repository_id claim is malformed/);
    await refused(PUSH_MAIN, { extra: { repository_id: 1001 } }, 403, /repository_id claim is malformed/);
    await refused(PUSH_MAIN, { extra: { ref: 'main' } }, 403, /ref claim is malformed/);
  });

  it('a repository of another organisation is refused with 403 naming ALLOWED_OWNERS', async () => {
    await refused(
      { ...PUSH_MAIN, repository: 'stranger/app' },
      {},
      403,
      /repositories of stranger may not use this cache: add stranger to the broker's ALLOWED_OWNERS/,
    );
  });

  it('a repository claim that disagrees with repository_owner is refused', async () => {
    await refused(
      PUSH_MAIN,
      { extra: { repository: 'stranger/app' } },
      403,
      /not owned by its repository_owner/,
    );
  });

  it('a token signed with HS256 or none is refused', async () => {
    await refused(PUSH_MAIN, { alg: 'HS256' }, 401, /not signed with RS256/);
    const token = oidc.mint(PUSH_MAIN, { audience: AUDIENCE });
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${token.split('.')[1]}.`;
    const result = await broker.handler(event(unsigned));
    expect(result.statusCode).toBe(401);
  });

  it('no Authorization header, a malformed one, or a GET is refused', async () => {
    for (const e of [event(undefined), { headers: { authorization: 'Basic abc' } }, event('not-a-jwt')]) {
      const result = await broker.handler(e);
      expect(result.statusCode).toBe(401);
      expect(JSON.parse(result.body).error).toMatch(/Authorization|not a valid JWT/);
    }
    const get = await broker.handler(event(oidc.mint(PUSH_MAIN, { audience: AUDIENCE }), 'GET'));
    expect(get.statusCode).toBe(405);
  });

  it('the JWKS is fetched once and then cached across requests', () => {
    expect(oidc.jwksFetches()).toBe(1);
  });
});

describe('the fake issuer holds the token service contract', () => {
  it("refuses a request token that is not a job's, and mints the job's claims for one that is", async () => {
    const env = oidc.jobEnv(PUSH_MAIN);
    const url = `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${AUDIENCE}`;
    const refused = await fetch(url, { headers: { authorization: 'Bearer someone-else' } });
    expect(refused.status).toBe(401);
    const answer = await fetch(url, {
      headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
    });
    const { value } = (await answer.json()) as { value: string };
    const claims = JSON.parse(Buffer.from(value.split('.')[1], 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({
      aud: AUDIENCE,
      iss: oidc.issuer,
      repository_id: '1001',
      sub: 'repo:dazn/app:ref:refs/heads/main',
    });
    expect((await broker.handler(event(value))).statusCode).toBe(200);
  });
});

describe('the fake STS refuses what STS refuses', () => {
  // The broker's own calls must never hit these; this shows the proxy would catch them.
  it('refuses a tag value with %, a session name over 64 characters and a duration over the role maximum', async () => {
    const client = new STSClient({
      region: TEST_AWS_ENV.AWS_REGION,
      endpoint: sts.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const attempt = (input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]>) =>
      client.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'ok-name', ...input }));
    await expect(attempt({ Tags: [{ Key: 'cache-write', Value: 'feature%2Fx' }] })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(attempt({ RoleSessionName: 'x'.repeat(65) })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(attempt({ DurationSeconds: 7200 })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(attempt({ SourceIdentity: 'aws:me' })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(
      attempt({
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'A', Value: '2' },
        ],
      }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(attempt({ Tags: [{ Key: 'cache-write', Value: 'ref-0123abcd' }] })).resolves.toBeDefined();
    client.destroy();
  });
});

describe('configuration', () => {
  it('names the missing or wrong variable', () => {
    expect(() => broker.readConfig({})).toThrow(/CACHE_ROLE_ARN is not set/);
    expect(() => broker.readConfig({ CACHE_ROLE_ARN: ROLE_ARN })).toThrow(/ALLOWED_OWNERS is not set/);
    expect(() => broker.readConfig({ CACHE_ROLE_ARN: 'role/x', ALLOWED_OWNERS: 'dazn' })).toThrow(
      /not an IAM role ARN/,
    );
    expect(() =>
      broker.readConfig({ CACHE_ROLE_ARN: ROLE_ARN, ALLOWED_OWNERS: 'dazn', SESSION_SECONDS: '60' }),
    ).toThrow(/SESSION_SECONDS=60/);
    expect(() =>
      broker.readConfig({
        CACHE_ROLE_ARN: ROLE_ARN,
        ALLOWED_OWNERS: 'dazn',
        OIDC_ISSUER: 'http://example.com',
      }),
    ).toThrow(/https/);
    expect(() =>
      broker.readConfig({
        CACHE_ROLE_ARN: ROLE_ARN,
        ALLOWED_OWNERS: 'dazn',
        GITHUB_APP_SECRET_ARN: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:app-key',
      }),
    ).toThrow(/GITHUB_APP_ID/);
    const config = broker.readConfig({ CACHE_ROLE_ARN: ROLE_ARN, ALLOWED_OWNERS: ' Dazn , other ' });
    expect(config).toMatchObject({
      allowedOwners: ['dazn', 'other'],
      audience: 'dazn-cache',
      issuer: 'https://token.actions.githubusercontent.com',
      jwksUrl: 'https://token.actions.githubusercontent.com/.well-known/jwks',
      defaultBranches: ['main', 'master'],
      sessionSeconds: 3600,
    });
    expect(config.app).toBeUndefined();
  });

  it('guesses the default branch from the list: own branch, then the base, then the first name', () => {
    const job = { repositoryId: '1', repository: 'dazn/a', owner: 'dazn', eventName: 'push' };
    expect(broker.guessDefaultBranch({ ...job, ref: 'refs/heads/master' }, ['main', 'master'])).toBe(
      'master',
    );
    expect(
      broker.guessDefaultBranch({ ...job, ref: 'refs/pull/1/merge', baseRef: 'master' }, ['main', 'master']),
    ).toBe('master');
    expect(
      broker.guessDefaultBranch({ ...job, ref: 'refs/heads/x', baseRef: 'develop' }, ['main', 'master']),
    ).toBe('main');
    expect(broker.guessDefaultBranch({ ...job, ref: 'refs/tags/v1' }, ['trunk'])).toBe('trunk');
  });
});
