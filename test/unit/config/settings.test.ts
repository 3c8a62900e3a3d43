import { resolveSettings } from '../../../src/config/settings';
import { ValidationError } from '../../../src/errors/errors';

const baseInputs = { path: 'node_modules\n\n  ~/.npm  \n', key: 'deps-1' };
const baseEnv = {
  GITHUB_REPOSITORY: 'o/r',
  GITHUB_REF: 'refs/heads/feature',
  GITHUB_EVENT_PATH: '/event.json',
};
const event = JSON.stringify({ repository: { default_branch: 'main' } });

function resolve(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  kind: 'restore' | 'save' = 'restore',
) {
  const all: Record<string, string> = { ...baseInputs, ...inputs };
  return resolveSettings(
    kind,
    (name) => all[name] ?? '',
    { ...baseEnv, ...env },
    () => event,
  );
}

describe('settings', () => {
  it('reads the path lines as written and the keys', () => {
    const s = resolve({ 'restore-keys': 'deps-\n a- ' });
    expect(s.paths).toEqual(['node_modules', '~/.npm']);
    expect(s.restoreKeys).toEqual(['deps-', 'a-']);
    expect(s.github.defaultBranch).toBe('main');
  });

  it('has no S3 settings without a bucket (the GitHub cache fallback)', () => {
    expect(resolve({}).s3).toBeUndefined();
  });

  it('prefers the input over the environment over the default', () => {
    const env = {
      DAZN_CACHE_BUCKET: 'env-bucket',
      DAZN_CACHE_REGION: 'eu-west-1',
      AWS_REGION: 'us-east-1',
      DAZN_CACHE_PREFIX: 'env-prefix',
      DAZN_CACHE_ENDPOINT: 'http://127.0.0.1:9000',
      DAZN_CACHE_ROLE_ARN: 'arn:env',
    };
    expect(resolve({}, env).s3).toEqual({
      bucket: 'env-bucket',
      region: 'eu-west-1',
      prefix: 'env-prefix',
      endpoint: 'http://127.0.0.1:9000',
      stsEndpoint: 'http://127.0.0.1:9000',
      roleToAssume: 'arn:env',
    });
    const inputs = {
      bucket: 'in-bucket',
      region: 'ap-south-1',
      prefix: '/p/',
      'sts-endpoint': 'https://sts.example',
    };
    expect(resolve(inputs, env).s3).toMatchObject({
      bucket: 'in-bucket',
      region: 'ap-south-1',
      prefix: 'p',
      stsEndpoint: 'https://sts.example',
    });
    expect(resolve({ bucket: 'bkt' }, { AWS_REGION: 'us-east-1' }).s3?.region).toBe('us-east-1');
    expect(resolve({ bucket: 'bkt' }).s3).toMatchObject({
      region: 'eu-central-1',
      prefix: 'cache',
      endpoint: undefined,
    });
  });

  it('uses default-branch-role only on the default branch', () => {
    const env = { DAZN_CACHE_ROLE_ARN: 'arn:ref', DAZN_CACHE_DEFAULT_BRANCH_ROLE_ARN: 'arn:main' };
    expect(resolve({ bucket: 'bkt' }, env).s3?.roleToAssume).toBe('arn:ref');
    expect(resolve({ bucket: 'bkt' }, { ...env, GITHUB_REF: 'refs/heads/main' }).s3?.roleToAssume).toBe(
      'arn:main',
    );
    expect(
      resolve({ bucket: 'bkt', 'role-to-assume': 'arn:in' }, { GITHUB_REF: 'refs/heads/main' }).s3
        ?.roleToAssume,
    ).toBe('arn:in');
  });

  it('reads the tuning variables and upload-chunk-size', () => {
    const s = resolve(
      { 'upload-chunk-size': '67108864' },
      {
        DAZN_CACHE_UPLOAD_CONCURRENCY: '2',
        DAZN_CACHE_DOWNLOAD_CONCURRENCY: '16',
        DAZN_CACHE_DOWNLOAD_PART_SIZE: '4M',
        SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.5',
      },
    );
    expect(s.tuning).toEqual({
      uploadConcurrency: 2,
      uploadPartSize: 64 * 1024 * 1024,
      uploadChunkSize: 64 * 1024 * 1024,
      downloadConcurrency: 16,
      downloadPartSize: 4 * 1024 * 1024,
      downloadTimeoutMs: 30_000,
      requestTimeoutMs: 30_000,
      // restore: the download's 0.5 min plus 5 min for credentials, the lookup and tar
      stepTimeoutMs: 330_000,
    });
  });

  it('reads the request timeout and the step budget, and defaults the save budget to 60 minutes', () => {
    const s = resolve({}, { DAZN_CACHE_REQUEST_TIMEOUT_SECS: '1.5', DAZN_CACHE_STEP_TIMEOUT_MINS: '0.25' });
    expect(s.tuning.requestTimeoutMs).toBe(1500);
    expect(s.tuning.stepTimeoutMs).toBe(15_000);
    const save = resolve({}, {}, 'save');
    expect(save.tuning.stepTimeoutMs).toBe(60 * 60_000);
  });

  it.each([
    ['DAZN_CACHE_UPLOAD_CONCURRENCY', '0'],
    ['DAZN_CACHE_UPLOAD_CONCURRENCY', 'four'],
    ['DAZN_CACHE_DOWNLOAD_CONCURRENCY', '1000'],
    ['DAZN_CACHE_DOWNLOAD_PART_SIZE', '-1'],
    ['DAZN_CACHE_DOWNLOAD_PART_SIZE', '8 parsecs'],
    ['DAZN_CACHE_REQUEST_TIMEOUT_SECS', '0'],
    ['DAZN_CACHE_REQUEST_TIMEOUT_SECS', '5000'],
    ['DAZN_CACHE_STEP_TIMEOUT_MINS', 'soon'],
    ['SEGMENT_DOWNLOAD_TIMEOUT_MINS', '0'],
    ['SEGMENT_DOWNLOAD_TIMEOUT_MINS', 'soon'],
  ])('rejects %s=%s with an error naming it', (name, value) => {
    expect(() => resolve({}, { [name]: value })).toThrow(ValidationError);
    expect(() => resolve({}, { [name]: value })).toThrow(name);
  });

  it('rejects missing paths, bad keys, bad endpoints and bucket URLs naming the input', () => {
    expect(() => resolve({ path: ' \n ' })).toThrow(/path/);
    expect(() => resolve({ key: '' })).toThrow(/key/);
    expect(() => resolve({ 'upload-chunk-size': 'big' })).toThrow(/upload-chunk-size/);
    expect(() => resolve({ bucket: 'bkt', endpoint: 'localhost:9000' })).toThrow(/endpoint/);
    expect(() => resolve({ bucket: 's3://bkt' })).toThrow(/bucket/);
  });

  it('lets the post step run without a key input (it uses the key from state)', () => {
    expect(resolve({ key: '' }, {}, 'save').primaryKey).toBe('');
  });
});
