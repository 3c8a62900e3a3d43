import { canServe, routeJob } from '../../src/routing';

// GitHub's documented examples ("Using self-hosted runners in a workflow", "Using labels with
// self-hosted runners"): runs-on: [self-hosted, linux, ARM64] runs only on a runner with all three
// labels; runs-on: [self-hosted, linux, x64, gpu] needs every one of the four; labels match without
// regard to case.
const pools = [
  { name: 'linux-x64', labels: ['self-hosted', 'linux', 'X64'] },
  { name: 'linux-arm64', labels: ['self-hosted', 'linux', 'ARM64'] },
  { name: 'gpu', labels: ['self-hosted', 'linux', 'X64', 'gpu'] },
];

describe('routing', () => {
  it('runs [self-hosted, linux, ARM64] only on a runner with all three labels', () => {
    expect(routeJob(['self-hosted', 'linux', 'ARM64'], pools)?.name).toBe('linux-arm64');
  });

  it('needs every label of [self-hosted, linux, x64, gpu], case-insensitively', () => {
    expect(routeJob(['self-hosted', 'linux', 'x64', 'gpu'], pools)?.name).toBe('gpu');
    expect(canServe(['self-hosted', 'linux', 'X64'], ['self-hosted', 'linux', 'x64', 'gpu'])).toBe(false);
  });

  it('sends a job to the first pool in order whose labels include all of its labels', () => {
    expect(routeJob(['self-hosted'], pools)?.name).toBe('linux-x64');
    expect(routeJob(['LINUX', 'x64'], pools)?.name).toBe('linux-x64');
  });

  it('ignores jobs no pool serves, and jobs without labels', () => {
    expect(routeJob(['self-hosted', 'windows'], pools)).toBeNull();
    expect(routeJob(['ubuntu-latest'], pools)).toBeNull();
    expect(routeJob([], pools)).toBeNull();
  });
});
