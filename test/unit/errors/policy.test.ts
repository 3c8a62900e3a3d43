import { applyFailurePolicy, describeError } from '../../../src/errors/policy';
import { CacheMissError, ServiceError, ServiceFailure, ValidationError } from '../../../src/errors/errors';

function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

function sink() {
  const calls = { failed: [] as string[], warnings: [] as string[] };
  return {
    calls,
    setFailed: (m: string) => calls.failed.push(m),
    warning: (m: string) => calls.warnings.push(m),
  };
}

describe('failure policy', () => {
  it('fails the step on a ValidationError and on a miss under fail-on-cache-miss', () => {
    const s = sink();
    applyFailurePolicy(new ValidationError('bad key'), s, 'Failed to restore');
    applyFailurePolicy(new CacheMissError('miss'), s, 'Failed to restore');
    expect(s.calls).toEqual({ failed: ['bad key', 'miss'], warnings: [] });
  });

  it('turns every other error into a warning', () => {
    const s = sink();
    applyFailurePolicy(new Error('socket hang up'), s, 'Failed to save');
    applyFailurePolicy('a string', s, 'Failed to save');
    expect(s.calls.failed).toEqual([]);
    expect(s.calls.warnings).toEqual(['Failed to save: socket hang up', 'Failed to save: a string']);
  });

  it('says which S3 problem happened and what to check', () => {
    expect(describeError(sdkError('AccessDenied', 403), 'b')).toMatch(/access denied on bucket "b".*role/);
    expect(describeError(sdkError('NoSuchBucket', 404), 'b')).toMatch(/bucket not found.*DAZN_CACHE_BUCKET/);
    expect(describeError(sdkError('PermanentRedirect', 301), 'b')).toMatch(/wrong region.*DAZN_CACHE_REGION/);
    expect(describeError(sdkError('AuthorizationHeaderMalformed', 400), 'b')).toMatch(/wrong region/);
  });
});

describe('service failures', () => {
  const base = { attempts: 5, cause: 'c' };
  const text = (failure: ServiceFailure): string => describeError(new ServiceError(failure), 'b');

  it('STS refusing the role points at the trust policy and the token subject, not at S3', () => {
    const message = text({
      ...base,
      service: 'STS',
      operation: 'AssumeRoleWithWebIdentity',
      target: 'arn:aws:iam::1:role/r',
      status: 403,
      code: 'AccessDenied',
      attempts: 1,
      subject: 'repo:o/r:ref:refs/heads/x',
    });
    expect(message).toMatch(
      /^STS refused the role arn:aws:iam::1:role\/r .*trust policy.*repo:o\/r:ref:refs\/heads\/x/,
    );
    expect(message).not.toMatch(/S3 access denied/);
  });

  it('a 5xx names the service, the operation, the status and the attempts', () => {
    expect(
      text({ ...base, service: 'STS', operation: 'AssumeRoleWithWebIdentity', target: 'arn:r', status: 500 }),
    ).toMatch(/^STS AssumeRoleWithWebIdentity for arn:r failed with HTTP 500 after 5 attempts \(c\)/);
    expect(
      text({ ...base, service: 'S3', operation: 'ListObjectsV2', target: 's3://b/p', status: 503 }),
    ).toMatch(/^S3 ListObjectsV2 on s3:\/\/b\/p failed with HTTP 503 after 5 attempts/);
  });

  it('an S3 403 says which permission the operation needs', () => {
    expect(
      text({
        ...base,
        service: 'S3',
        operation: 'HeadObject',
        purpose: 'the check that the key is not saved yet',
        target: 's3://b/k',
        status: 403,
        attempts: 1,
      }),
    ).toMatch(
      /^S3 denied HeadObject \(the check that the key is not saved yet\) on s3:\/\/b\/k \(HTTP 403: c\).*s3:GetObject/,
    );
    expect(
      text({ ...base, service: 'S3', operation: 'UploadPart', target: 's3://b/k', status: 403 }),
    ).toMatch(/s3:PutObject/);
  });

  it('no answer names the attempts and the last cause; an exhausted budget names its setting', () => {
    expect(
      text({
        ...base,
        service: 'S3',
        operation: 'GetObject',
        target: 's3://b/k bytes 0-9 (part 1 of 2)',
        cause: 'ECONNRESET: aborted',
      }),
    ).toMatch(
      /^S3 GetObject on s3:\/\/b\/k bytes 0-9 \(part 1 of 2\) failed after 5 attempts; last cause: ECONNRESET: aborted/,
    );
    expect(
      text({
        ...base,
        service: 'S3',
        operation: 'PutObject',
        target: 's3://b/k',
        budgetExpired: true,
        budgetMs: 120_000,
        budgetSetting: 'DAZN_CACHE_STEP_TIMEOUT_MINS',
      }),
    ).toMatch(/did not finish within the budget of 2 min \(DAZN_CACHE_STEP_TIMEOUT_MINS\)/);
  });

  it('the token service failing with a status says the permission is there', () => {
    const message = text({
      service: 'GitHub OIDC token service',
      operation: 'token request',
      target: 'ACTIONS_ID_TOKEN_REQUEST_URL',
      status: 500,
      cause: 'The token service answered HTTP 500',
    });
    expect(message).toMatch(
      /GitHub OIDC token service failed with HTTP 500.*has the id-token: write permission/,
    );
    expect(message).not.toMatch(/must grant/);
  });
});
