import { createHash } from 'node:crypto';
import { entryName } from '../../../src/matching/encoding';
import { isolationGrant, NO_SCOPE, repositorySegment, scopeSegment } from '../../../src/matching/isolation';

const tagValue = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u; // STS session tag values

describe('isolated layout', () => {
  it('names a scope by the SHA-256 of its ref, as a valid session tag value', () => {
    const ref = 'refs/heads/main';
    const hex = createHash('sha256').update(ref).digest('hex').slice(0, 40);
    expect(scopeSegment(ref)).toBe(`ref-${hex}`);
    expect(scopeSegment(ref)).toMatch(tagValue);
    expect(repositorySegment('123456')).toMatch(tagValue);
  });

  it('gives refs that look alike different scopes', () => {
    const refs = [
      'refs/heads/main',
      'refs/heads/Main',
      'refs/heads/main/',
      'refs/heads/feature%2Fmain',
      'refs/heads/feature/main',
      'refs/heads/mаin', // Cyrillic a
      'refs/tags/main',
      'refs/pull/1/merge',
    ];
    const segments = new Set(refs.map(scopeSegment));
    expect(segments.size).toBe(refs.length);
    expect(segments.has(NO_SCOPE)).toBe(false);
  });

  it('refuses what is not a repository id or a full ref, naming the setting', () => {
    expect(() => repositorySegment('dazn/cache')).toThrow(/GITHUB_REPOSITORY_ID/);
    expect(() => repositorySegment('0')).toThrow(/digits only/);
    expect(() => scopeSegment('main')).toThrow(/GITHUB_REF/);
  });

  it('puts the scope segment into the object key in place of the encoded ref', () => {
    const name = entryName(
      {
        prefix: 'caches',
        repository: repositorySegment('42'),
        scope: 'refs/heads/main',
        scopeSegment: scopeSegment('refs/heads/main'),
        version: 'v1',
      },
      'npm-linux',
    );
    expect(name.objectKey).toBe(`caches/repo-42/${scopeSegment('refs/heads/main')}/v1/npm-linux`);
  });
});

describe('isolationGrant', () => {
  const claims = { repositoryId: '7', ref: 'refs/heads/feature/x', eventName: 'push' };

  it('lets a push write its own ref and read its ref and the default branch, with every tag set', () => {
    const g = isolationGrant(claims, 'develop');
    expect(g.write?.ref).toBe('refs/heads/feature/x');
    expect(g.read.map((r) => r.ref)).toEqual(['refs/heads/feature/x', 'refs/heads/develop']);
    expect(g.tags).toEqual({
      'cache-repo': 'repo-7',
      'cache-write': scopeSegment('refs/heads/feature/x'),
      'cache-read-ref': scopeSegment('refs/heads/feature/x'),
      'cache-read-base': NO_SCOPE,
      'cache-read-default': scopeSegment('refs/heads/develop'),
    });
  });

  it('reads a pull request base branch and writes only the pull request ref', () => {
    const g = isolationGrant(
      { repositoryId: '7', ref: 'refs/pull/3/merge', eventName: 'pull_request', baseRef: 'release/1' },
      'main',
    );
    expect(g.write?.ref).toBe('refs/pull/3/merge');
    expect(g.read.map((r) => r.ref)).toEqual([
      'refs/pull/3/merge',
      'refs/heads/release/1',
      'refs/heads/main',
    ]);
    expect(g.tags['cache-read-base']).toBe(scopeSegment('refs/heads/release/1'));
  });

  it.each(['pull_request_target', 'issue_comment', 'workflow_run'])(
    'makes %s read-only on any ref',
    (eventName) => {
      const g = isolationGrant({ ...claims, eventName }, 'main');
      expect(g.write).toBeNull();
      expect(g.tags['cache-write']).toBe(NO_SCOPE);
      expect(g.readOnlyReason).toContain(eventName);
    },
  );

  it('lets only the trusted triggers write the default branch', () => {
    const onMain = { repositoryId: '7', ref: 'refs/heads/main', eventName: 'schedule' };
    expect(isolationGrant(onMain, 'main').write?.ref).toBe('refs/heads/main');
    expect(isolationGrant({ ...onMain, eventName: 'issues' }, 'main').write).toBeNull();
    expect(isolationGrant({ ...onMain, eventName: 'issues' }, 'main').readOnlyReason).toMatch(
      /default branch/,
    );
  });

  it('treats a branch as the default one when the default branch is unknown', () => {
    expect(isolationGrant({ ...claims, eventName: 'issues' }, undefined).write).toBeNull();
    expect(isolationGrant(claims, undefined).write?.ref).toBe('refs/heads/feature/x');
    expect(isolationGrant(claims, undefined).tags['cache-read-default']).toBe(NO_SCOPE);
  });
});
