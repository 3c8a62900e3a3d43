import { createHash } from 'node:crypto';
import { cacheVersion } from '../../../src/matching/version';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('cache version', () => {
  it('hashes the path lines as written, the compression method and the salt like upstream', () => {
    expect(cacheVersion(['node_modules', '~/.npm'], false, 'linux')).toBe(
      sha('node_modules|~/.npm|zstd-without-long|1.0'),
    );
  });

  it('differs when the paths or the compression differ', () => {
    const base = cacheVersion(['a'], false, 'linux');
    expect(cacheVersion(['a', 'b'], false, 'linux')).not.toBe(base);
    expect(cacheVersion(['./a'], false, 'linux')).not.toBe(base);
    expect(cacheVersion(['a'], false, 'linux', 'gzip')).not.toBe(base);
  });

  it('adds a Windows marker unless enableCrossOsArchive', () => {
    expect(cacheVersion(['a'], false, 'win32')).toBe(sha('a|zstd-without-long|windows-only|1.0'));
    expect(cacheVersion(['a'], true, 'win32')).toBe(cacheVersion(['a'], false, 'linux'));
  });
});
