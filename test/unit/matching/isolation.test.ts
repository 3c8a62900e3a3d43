import { createHash } from 'node:crypto';
import { entryName } from '../../../src/matching/encoding';
import { NO_SCOPE, repositorySegment, scopeSegment } from '../../../src/matching/isolation';

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
