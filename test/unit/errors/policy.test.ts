import { applyFailurePolicy, describeError } from '../../../src/errors/policy';
import { CacheMissError, ValidationError } from '../../../src/errors/errors';

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
