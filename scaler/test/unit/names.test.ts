import { isOurs, MAX_NAME, runnerName } from '../../src/names';

describe('runner names', () => {
  it('are <prefix>-<pool>-<12 hex>', () => {
    expect(runnerName('dazn', 'ecs-x86_64-spot', () => '0123456789ab')).toBe(
      'dazn-ecs-x86_64-spot-0123456789ab',
    );
    expect(runnerName('dazn', 'fargate-arm64')).toMatch(/^dazn-fargate-arm64-[0-9a-f]{12}$/);
  });

  it('shorten the pool part to stay within 64 characters of [A-Za-z0-9._-]', () => {
    const name = runnerName('dazn', 'p'.repeat(80) + ' odd/chars', () => 'abcdefabcdef');
    expect(name.length).toBe(MAX_NAME);
    expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(name.endsWith('-abcdefabcdef')).toBe(true);
  });

  it('are unique', () => {
    const names = new Set(Array.from({ length: 2000 }, () => runnerName('dazn', 'x')));
    expect(names.size).toBe(2000);
  });

  it('mark what the scaler may stop: only names with its prefix and a dash', () => {
    expect(isOurs('dazn-x-0123456789ab', 'dazn')).toBe(true);
    expect(isOurs('daznother-x', 'dazn')).toBe(false);
    expect(isOurs('my-laptop', 'dazn')).toBe(false);
  });
});
