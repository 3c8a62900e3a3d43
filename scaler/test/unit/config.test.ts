import { gzipSync } from 'node:zlib';
import { ConfigError, loadConfig } from '../../src/config';

const pool = {
  name: 'ecs-x86_64-spot',
  labels: ['self-hosted', 'linux', 'X64', 'spot'],
  runnerGroup: 'ecs',
  cluster: 'arn:aws:ecs:eu-central-1:123456789012:cluster/c',
  taskDefinition: 'arn:aws:ecs:eu-central-1:123456789012:task-definition/t:1',
  containerName: 'runner',
  capacityProviderStrategy: [{ capacityProvider: 'x86_64-spot', weight: 1, base: 0 }],
  launchType: null,
  network: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: false },
  maxRunners: 100,
  warm: { officeHours: 2, otherHours: 0 },
  fallbackPool: null,
};
const env = (
  over: Record<string, string | undefined> = {},
  pools: unknown = [pool],
): Record<string, string | undefined> => ({
  GITHUB_ORG: 'dazn',
  GITHUB_APP_ID: '123',
  GITHUB_INSTALLATION_ID: '456',
  GITHUB_APP_KEY_SECRET_ARN: 'arn:key',
  WEBHOOK_SECRET_ARN: 'arn:hook',
  STATE_TABLE: 'state',
  POOLS: JSON.stringify(pools),
  ...over,
});

describe('config', () => {
  it('reads POOLS as base64 of gzipped JSON too (what stack 07 sends when the JSON passes 4 KB)', () => {
    const packed = gzipSync(Buffer.from(JSON.stringify([pool]))).toString('base64');
    expect(loadConfig(env({ POOLS: packed })).pools.map((p) => p.name)).toEqual([pool.name]);
    expect(() => loadConfig(env({ POOLS: 'H4sInot-gzip' }))).toThrow(
      /neither a JSON array nor base64 of gzipped JSON/,
    );
  });

  it('reads the documented defaults', () => {
    const config = loadConfig(env());
    expect(config).toMatchObject({
      githubApiUrl: 'https://api.github.com',
      jitParameterPrefix: '/dazn-runners/jit',
      runnerNamePrefix: 'dazn',
      maxRunners: 100,
      timeZone: 'UTC',
      runnerStartTimeoutSeconds: 600,
      installationId: 456,
    });
    expect(config.pools[0].capacityProviderStrategy).toEqual([
      { capacityProvider: 'x86_64-spot', weight: 1, base: 0 },
    ]);
  });

  it.each([
    [{ GITHUB_ORG: undefined }, /GITHUB_ORG is not set/],
    [{ GITHUB_INSTALLATION_ID: 'abc' }, /GITHUB_INSTALLATION_ID="abc" is not a whole number/],
    [{ TIME_ZONE: 'Europe/Berlinn' }, /TIME_ZONE="Europe\/Berlinn" is not an IANA time zone/],
    [{ OFFICE_HOURS: 'weekdays' }, /OFFICE_HOURS: .*e\.g\./],
    [{ GITHUB_API_URL: 'ftp://x' }, /GITHUB_API_URL/],
    [{ RUNNER_NAME_PREFIX: 'has-dash' }, /RUNNER_NAME_PREFIX/],
    [{ JIT_PARAMETER_PREFIX: 'no-slash' }, /JIT_PARAMETER_PREFIX/],
    [{ POOLS: 'not json' }, /POOLS is neither a JSON array nor base64 of gzipped JSON/],
    [{ RUNNER_START_TIMEOUT_SECONDS: '5' }, /RUNNER_START_TIMEOUT_SECONDS="5" is not a whole number >= 30/],
  ])('names the variable and the fix: %j', (over, message) => {
    expect(() => loadConfig(env(over))).toThrow(ConfigError);
    expect(() => loadConfig(env(over))).toThrow(message);
  });

  it('refuses inconsistent pools', () => {
    expect(() => loadConfig(env({}, [{ ...pool, fallbackPool: 'nowhere' }]))).toThrow(/fallbackPool nowhere/);
    expect(() => loadConfig(env({}, [pool, pool]))).toThrow(/appears twice/);
    expect(() => loadConfig(env({}, [{ ...pool, launchType: 'FARGATE' }]))).toThrow(/exactly one of/);
    expect(() => loadConfig(env({}, [{ ...pool, warm: { officeHours: 200 } }]))).toThrow(
      /warm minimum above/,
    );
    expect(() => loadConfig(env({}, [{ ...pool, labels: [] }]))).toThrow(/labels/);
  });
});
