import { decodeSegment, encodeSegment, objectKey, scopeFolder } from '../../../src/matching/encoding';

const keys = [
  'npm-linux-x64-3f2a',
  'key/with/slashes',
  '100%-done %2F literal',
  'ünïcödé-ключ-鍵-🙂',
  'spaces and\ttabs\nand newline',
  'back\\slash',
  '..',
  'a+b=c?d#e&f',
];

describe('key encoding', () => {
  it.each(keys)('round-trips %j and keeps it one S3 key segment', (key) => {
    const encoded = encodeSegment(key);
    expect(decodeSegment(encoded)).toBe(key);
    expect(encoded).not.toContain('/');
    expect([...encoded].some((c) => (c.codePointAt(0) ?? 0) < 0x20 || c === '\u007f')).toBe(false);
  });

  it('preserves prefix matching in both directions', () => {
    const samples = [...keys, 'key', 'key/', 'key%', 'key%2', '%', '%2F', 'ü', 'üb', ''];
    for (const key of samples) {
      for (const prefix of samples) {
        expect(encodeSegment(key).startsWith(encodeSegment(prefix))).toBe(key.startsWith(prefix));
      }
    }
  });

  it('lays entries out as prefix/owner/repo/scope/version/key', () => {
    const location = { prefix: '/cache/', repository: 'dazn/app', scope: 'refs/pull/7/merge', version: 'v1' };
    expect(scopeFolder(location)).toBe('cache/dazn/app/refs%2Fpull%2F7%2Fmerge/v1/');
    expect(objectKey(location, 'deps/ü')).toBe('cache/dazn/app/refs%2Fpull%2F7%2Fmerge/v1/deps%2Fü');
  });
});
