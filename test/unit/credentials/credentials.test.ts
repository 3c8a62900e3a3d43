import { CredentialsDeps, resolveCredentials, sessionName } from '../../../src/credentials/credentials';
import { CacheUnavailableError, ServiceError } from '../../../src/errors/errors';
import type { GitHubContext, S3Settings } from '../../../src/config/settings';

const s3: S3Settings = {
  bucket: 'b',
  region: 'eu-central-1',
  prefix: 'cache',
  roleToAssume: 'arn:aws:iam::1:role/r',
};
const github: GitHubContext = {
  repository: 'o/r',
  ref: 'refs/heads/x',
  runId: '42',
  runAttempt: '2',
  workspace: '/w',
};
const quiet = { debug: () => undefined, info: () => undefined, warning: () => undefined };

function deps(over: Partial<CredentialsDeps> = {}) {
  const secrets: string[] = [];
  const requests: unknown[] = [];
  const d: CredentialsDeps = {
    getIDToken: async () => 'id-token',
    setSecret: (s) => secrets.push(s),
    assumeRoleWithWebIdentity: async (request) => {
      requests.push(request);
      return { accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'SESSION' };
    },
    ...over,
  };
  return { d, secrets, requests };
}

describe('credentials', () => {
  it('sanitises the session name to STS characters and 64 characters', () => {
    expect(sessionName('o/r', '42', '2')).toBe('dazn-cache@o-r@42-2');
    const long = sessionName('owner/repo with spaces:and*stars'.repeat(4), '123');
    expect(long.length).toBe(64);
    expect(long).toMatch(/^[\w+=,.@-]+$/);
  });

  it('uses the default chain without a role', async () => {
    const { d, requests } = deps();
    expect(await resolveCredentials({ ...s3, roleToAssume: undefined }, github, quiet, d)).toBeUndefined();
    expect(requests).toEqual([]);
  });

  it('exchanges the OIDC token through STS and masks every secret', async () => {
    const { d, secrets, requests } = deps();
    const credentials = await resolveCredentials({ ...s3, stsEndpoint: 'http://sts' }, github, quiet, d);
    expect(credentials?.accessKeyId).toBe('AKID');
    expect(requests).toEqual([
      expect.objectContaining({
        roleArn: s3.roleToAssume,
        sessionName: 'dazn-cache@o-r@42-2',
        webIdentityToken: 'id-token',
        endpoint: 'http://sts',
      }),
    ]);
    expect(secrets).toEqual(expect.arrayContaining(['id-token', 'AKID', 'SECRET', 'SESSION']));
  });

  it('names the missing id-token permission when no token can be requested', async () => {
    const { d } = deps({
      getIDToken: async () => Promise.reject(new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL')),
    });
    const attempt = resolveCredentials(s3, github, quiet, d);
    await expect(attempt).rejects.toThrow(CacheUnavailableError);
    await expect(attempt).rejects.toThrow('permissions: id-token: write');
  });
});

describe('token request failures', () => {
  it('a status from the token service is its failure, not a missing permission', async () => {
    const { d } = deps({
      getIDToken: async () => Promise.reject(new Error('The token service answered HTTP 500')),
      idTokenPermitted: () => true,
    });
    const attempt = resolveCredentials(s3, github, quiet, d);
    await expect(attempt).rejects.toThrow(ServiceError);
    await expect(attempt).rejects.toMatchObject({
      failure: { service: 'GitHub OIDC token service', status: 500 },
    });
  });

  it('without the request variables it is the id-token permission, whatever the error says', async () => {
    const { d } = deps({
      getIDToken: async () => Promise.reject(new Error('HTTP 500')),
      idTokenPermitted: () => false,
    });
    await expect(resolveCredentials(s3, github, quiet, d)).rejects.toThrow('permissions: id-token: write');
  });

  it('an STS failure carries the subject the trust policy must match', async () => {
    const refused = new ServiceError({
      service: 'STS',
      operation: 'AssumeRoleWithWebIdentity',
      target: 'arn',
      status: 403,
      attempts: 1,
      cause: 'AccessDenied',
    });
    const { d } = deps({ assumeRoleWithWebIdentity: async () => Promise.reject(refused) });
    await expect(resolveCredentials(s3, github, quiet, d)).rejects.toMatchObject({
      failure: { subject: 'repo:o/r:ref:refs/heads/x' },
    });
  });
});
