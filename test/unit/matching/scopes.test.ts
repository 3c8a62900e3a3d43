import { restoreScopes, saveScope } from '../../../src/matching/scopes';

describe('scopes', () => {
  it('searches the pull request ref, then its base branch, then the default branch', () => {
    expect(restoreScopes({ ref: 'refs/pull/12/merge', baseRef: 'release', defaultBranch: 'main' })).toEqual([
      'refs/pull/12/merge',
      'refs/heads/release',
      'refs/heads/main',
    ]);
  });

  it('searches a branch and then the default branch, once each', () => {
    expect(restoreScopes({ ref: 'refs/heads/feature', defaultBranch: 'main' })).toEqual([
      'refs/heads/feature',
      'refs/heads/main',
    ]);
    expect(restoreScopes({ ref: 'refs/heads/main', defaultBranch: 'main' })).toEqual(['refs/heads/main']);
    expect(restoreScopes({ ref: 'refs/pull/1/merge', baseRef: 'main', defaultBranch: 'main' })).toEqual([
      'refs/pull/1/merge',
      'refs/heads/main',
    ]);
  });

  it('saves only into the current ref', () => {
    expect(saveScope({ ref: 'refs/pull/12/merge', baseRef: 'main', defaultBranch: 'main' })).toBe(
      'refs/pull/12/merge',
    );
  });
});
