/**
 * The default branch from the GitHub App (GITHUB_APP_SECRET_ARN): the built bundle reads the App's
 * key from Secrets Manager (moto), authenticates with @octokit/auth-app against a fake GitHub that
 * checks App JWTs and installation tokens, and reads `default_branch`, cached per repository id.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generateAppKeyPair } from '../../scaler/test/support/jwt';
import { scopeSegment } from '../../src/matching/isolation';
import { startGitHubOidc, type GitHubJob, type GitHubOidc } from '../../test/support/github-oidc';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../../test/support/moto';
import { startStrictSts, type StrictSts } from '../../test/support/strict-sts';
import type * as Broker from '../src/index';
import { startFakeGitHub, type FakeGitHub } from './support/fake-github';

const APP_ID = '31337';
const keys = generateAppKeyPair();
let oidc: GitHubOidc;
let moto: MotoServer;
let sts: StrictSts;
let github: FakeGitHub;
let broker: typeof Broker;

beforeAll(async () => {
  [oidc, moto] = await Promise.all([startGitHubOidc(), startMoto()]);
  sts = await startStrictSts(moto.endpoint);
  github = await startFakeGitHub({
    appId: APP_ID,
    publicKeyPem: keys.publicKeyPem,
    installationId: 77,
    repositories: [
      { fullName: 'dazn/develop-first', id: 501, defaultBranch: 'develop' },
      { fullName: 'dazn/not-installed', id: 502, defaultBranch: 'main', installed: false },
      { fullName: 'dazn/recreated', id: 999, defaultBranch: 'main' },
    ],
  });
  const secrets = new SecretsManagerClient({
    region: TEST_AWS_ENV.AWS_REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const secret = await secrets.send(
    new CreateSecretCommand({ Name: 'dazn-cache-broker/app-key', SecretString: keys.privateKeyPem }),
  );
  secrets.destroy();
  Object.assign(process.env, TEST_AWS_ENV, {
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
    CACHE_ROLE_ARN: 'arn:aws:iam::123456789012:role/dazn-cache-isolated',
    ALLOWED_OWNERS: 'dazn',
    OIDC_ISSUER: oidc.issuer,
    GITHUB_APP_SECRET_ARN: secret.ARN,
    GITHUB_APP_ID: APP_ID,
    GITHUB_API_URL: github.url,
  });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  broker = require('../dist/index.js') as typeof Broker;
}, 60_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await Promise.all([oidc?.stop(), sts?.stop(), github?.stop()]);
  await moto?.stop();
});

async function call(
  job: GitHubJob,
): Promise<{ status: number; body: Record<string, unknown>; tags: Record<string, string> }> {
  const result = await broker.handler({
    requestContext: { http: { method: 'POST' } },
    headers: { authorization: `Bearer ${oidc.mint(job, { audience: 'dazn-cache' })}` },
  });
  return {
    status: result.statusCode,
    body: JSON.parse(result.body) as Record<string, unknown>,
    tags: sts.calls[sts.calls.length - 1]?.tags ?? {},
  };
}

const refs = (body: Record<string, unknown>): string[] => (body.read as { ref: string }[]).map((r) => r.ref);
const DEVELOP = { repository: 'dazn/develop-first', repositoryId: '501' };

describe('default branch from the GitHub App', () => {
  it('a feature branch of a repository whose default branch is develop reads develop', async () => {
    const answer = await call({ ...DEVELOP, ref: 'refs/heads/feature/x', eventName: 'push' });
    expect(answer.status).toBe(200);
    expect(refs(answer.body)).toEqual(['refs/heads/feature/x', 'refs/heads/develop']);
    expect(answer.tags['cache-read-default']).toBe(scopeSegment('refs/heads/develop'));
    expect(github.requests).toEqual([
      'GET /repos/dazn/develop-first/installation 200',
      'POST /app/installations/77/access_tokens 201',
      'GET /repos/dazn/develop-first 200',
    ]);
  });

  it('a push to develop writes it; an issues-triggered job on develop is read-only; main is just a branch', async () => {
    const push = await call({ ...DEVELOP, ref: 'refs/heads/develop', eventName: 'push' });
    expect(push.body.write).toEqual({ ref: 'refs/heads/develop', scope: scopeSegment('refs/heads/develop') });
    const issues = await call({ ...DEVELOP, ref: 'refs/heads/develop', eventName: 'issues' });
    expect(issues.body.write).toBeNull();
    expect(issues.body.readOnlyReason).toMatch(/issues trigger on the default branch/);
    const main = await call({ ...DEVELOP, ref: 'refs/heads/main', eventName: 'issues' });
    expect(main.body.write).toEqual({ ref: 'refs/heads/main', scope: scopeSegment('refs/heads/main') });
  });

  it('the default branch is cached: later calls for the repository do not ask GitHub', () => {
    expect(github.requests.filter((r) => r.startsWith('GET /repos/dazn/develop-first '))).toHaveLength(1);
  });

  it('a repository the App is not installed on: default branch unknown, so nothing beyond its own ref is read', async () => {
    const answer = await call({
      repository: 'dazn/not-installed',
      repositoryId: '502',
      ref: 'refs/heads/feature/y',
      eventName: 'push',
    });
    expect(answer.status).toBe(200);
    expect(refs(answer.body)).toEqual(['refs/heads/feature/y']);
    expect(answer.tags['cache-read-default']).toBe('none');
  });

  it('a name now held by another repository id is not trusted for the default branch', async () => {
    const answer = await call({
      repository: 'dazn/recreated',
      repositoryId: '123',
      ref: 'refs/heads/feature/z',
      eventName: 'push',
    });
    expect(answer.status).toBe(200);
    expect(answer.tags['cache-read-default']).toBe('none');
  });

  it('GitHub failing answers 503 (the action retries), and the next call after it recovers works', async () => {
    github.failWith = 502;
    const failed = await call({
      repository: 'dazn/develop-first',
      repositoryId: '777',
      ref: 'refs/heads/x',
      eventName: 'push',
    });
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatch(
      /GitHub did not tell the default branch of dazn\/develop-first \(502\): try again/,
    );
    github.failWith = undefined;
    // The failure was not cached: the same repository asks GitHub again.
    const ok = await call({
      repository: 'dazn/develop-first',
      repositoryId: '777',
      ref: 'refs/heads/x',
      eventName: 'push',
    });
    expect(ok.status).toBe(200);
    expect(github.requests.slice(-2)).toEqual([
      'GET /repos/dazn/develop-first 502',
      'GET /repos/dazn/develop-first 200',
    ]);
  });
});

describe('the fake GitHub refuses what GitHub refuses', () => {
  it('refuses an App JWT signed with another key, one that lives longer than 10 minutes, and a repository call without a token', async () => {
    const { signRs256Jwt } = await import('../../scaler/test/support/jwt');
    const other = generateAppKeyPair();
    const nowS = Math.floor(Date.now() / 1000);
    const ask = (token: string, path = '/repos/dazn/develop-first/installation') =>
      fetch(`${github.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(
      await ask(signRs256Jwt(other.privateKeyPem, { iat: nowS - 60, exp: nowS + 500, iss: APP_ID })),
    ).toBe(401);
    expect(
      await ask(signRs256Jwt(keys.privateKeyPem, { iat: nowS - 60, exp: nowS + 700, iss: APP_ID })),
    ).toBe(401);
    expect(await ask(signRs256Jwt(keys.privateKeyPem, { iat: nowS - 60, exp: nowS + 500, iss: '1' }))).toBe(
      401,
    );
    expect(
      await ask(signRs256Jwt(keys.privateKeyPem, { iat: nowS - 60, exp: nowS + 500, iss: APP_ID })),
    ).toBe(200);
    expect(await ask('ghs_unknown', '/repos/dazn/develop-first')).toBe(401);
  });
});
