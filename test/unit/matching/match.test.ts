import { entryName } from '../../../src/matching/encoding';
import {
  EntryLister,
  findMatch,
  isExactKeyMatch,
  ListedObject,
  MatchQuery,
} from '../../../src/matching/match';

const base = { prefix: 'cache', repository: 'o/r', version: 'v1' };

/** A bucket in memory: list() returns every key under a prefix, like a fully paginated ListObjectsV2. */
function bucket(
  entries: { scope: string; key: string; at: number; version?: string }[],
): EntryLister & { calls: string[] } {
  const tails = new Map<string, string | undefined>();
  const objects: ListedObject[] = entries.map((e) => {
    const name = entryName({ ...base, version: e.version ?? base.version, scope: e.scope }, e.key);
    tails.set(name.objectKey, name.keyTail);
    return { key: name.objectKey, lastModified: new Date(e.at * 1000), size: 1 };
  });
  const calls: string[] = [];
  return {
    calls,
    list: async (prefix) => {
      calls.push(prefix);
      return objects.filter((o) => o.key.startsWith(prefix));
    },
    longKey: async (key, head) => {
      calls.push(`head ${key}`);
      const tail = tails.get(key);
      return tail === undefined ? undefined : head + tail;
    },
  };
}

const query = (over: Partial<MatchQuery>): MatchQuery => ({
  ...base,
  scopes: ['refs/heads/feature', 'refs/heads/main'],
  primaryKey: 'deps-abc',
  restoreKeys: ['deps-'],
  ...over,
});

describe('matching', () => {
  it('prefers the exact primary key over newer entries that start with it', async () => {
    const lister = bucket([
      { scope: 'refs/heads/feature', key: 'deps-abc', at: 1 },
      { scope: 'refs/heads/feature', key: 'deps-abcd', at: 9 },
    ]);
    const match = await findMatch(lister, query({}));
    expect(match).toMatchObject({ cacheKey: 'deps-abc', scope: 'refs/heads/feature' });
  });

  it('takes the newest entry starting with the primary key before any restore key', async () => {
    const lister = bucket([
      { scope: 'refs/heads/feature', key: 'deps-abc-1', at: 1 },
      { scope: 'refs/heads/feature', key: 'deps-abc-2', at: 2 },
      { scope: 'refs/heads/feature', key: 'deps-zzz', at: 9 },
    ]);
    expect(await findMatch(lister, query({}))).toMatchObject({ cacheKey: 'deps-abc-2' });
  });

  it('tries each restore key in order, exact before the newest prefix match', async () => {
    const lister = bucket([
      { scope: 'refs/heads/feature', key: 'deps-', at: 1 },
      { scope: 'refs/heads/feature', key: 'deps-new', at: 5 },
      { scope: 'refs/heads/feature', key: 'other-x', at: 9 },
    ]);
    expect(await findMatch(lister, query({ restoreKeys: ['nothing-', 'deps-', 'other-'] }))).toMatchObject({
      cacheKey: 'deps-',
    });
    expect(await findMatch(lister, query({ restoreKeys: ['nothing-', 'deps-n', 'deps-'] }))).toMatchObject({
      cacheKey: 'deps-new',
    });
  });

  it('restores the newest entry that matches a restore key, ties broken by the key', async () => {
    const lister = bucket([
      { scope: 'refs/heads/feature', key: 'deps-1', at: 3 },
      { scope: 'refs/heads/feature', key: 'deps-3', at: 7 },
      { scope: 'refs/heads/feature', key: 'deps-2', at: 7 },
    ]);
    expect((await findMatch(lister, query({})))?.cacheKey).toBe('deps-3');
  });

  it('searches the next scope only when the current one has no match for any key', async () => {
    const lister = bucket([
      { scope: 'refs/heads/main', key: 'deps-abc', at: 9 },
      { scope: 'refs/heads/feature', key: 'deps-old', at: 1 },
    ]);
    expect(await findMatch(lister, query({}))).toMatchObject({
      cacheKey: 'deps-old',
      scope: 'refs/heads/feature',
    });
    const onlyMain = bucket([{ scope: 'refs/heads/main', key: 'deps-abc', at: 9 }]);
    expect(await findMatch(onlyMain, query({}))).toMatchObject({ scope: 'refs/heads/main' });
  });

  it('never matches entries of another version or keys that only share an encoded prefix', async () => {
    const lister = bucket([
      { scope: 'refs/heads/feature', key: 'deps-abc', at: 1, version: 'v2' },
      { scope: 'refs/heads/feature', key: 'deps%', at: 1 },
    ]);
    expect(await findMatch(lister, query({ restoreKeys: ['deps%2'] }))).toBeUndefined();
    expect(lister.calls).toHaveLength(4);
  });

  describe('keys too long for S3 (1024 bytes)', () => {
    const long = (fill: string, end: string): string => fill.repeat(500) + end;

    it('stores any accepted key within 1024 bytes and still matches it exactly', async () => {
      const key = long('名', '-v1');
      const name = entryName({ ...base, scope: 'refs/heads/main' }, key);
      expect(Buffer.byteLength(name.objectKey)).toBeLessThanOrEqual(1024);
      expect(name.keyTail?.length).toBeGreaterThan(0);
      const lister = bucket([{ scope: 'refs/heads/main', key, at: 1 }]);
      const match = await findMatch(lister, query({ primaryKey: key, restoreKeys: [] }));
      expect(match).toMatchObject({ cacheKey: key });
    });

    it('tells long keys with the same head apart and prefix-matches them by their whole key', async () => {
      const lister = bucket([
        { scope: 'refs/heads/main', key: long('名', '-a'), at: 5 },
        { scope: 'refs/heads/main', key: long('名', '-b'), at: 3 },
      ]);
      const match = await findMatch(
        lister,
        query({ primaryKey: long('名', '-x'), restoreKeys: [long('名', '-b')] }),
      );
      expect(match).toMatchObject({ cacheKey: long('名', '-b') });
      const newestLong = await findMatch(lister, query({ primaryKey: 'zzz', restoreKeys: [long('名', '')] }));
      expect(newestLong?.cacheKey).toBe(long('名', '-a'));
    });

    it('finds a long key through a short restore key without reading metadata for other keys', async () => {
      const lister = bucket([
        { scope: 'refs/heads/main', key: long('名', '-a'), at: 5 },
        { scope: 'refs/heads/main', key: 'short-1', at: 9 },
      ]);
      const match = await findMatch(lister, query({ primaryKey: 'x', restoreKeys: ['名名'] }));
      expect(match?.cacheKey).toBe(long('名', '-a'));
      expect(lister.calls.filter((c) => c.startsWith('head '))).toHaveLength(1);
    });
  });
});

describe('isExactKeyMatch (upstream rule for cache-hit and the post step)', () => {
  it.each([
    ['deps-abc', 'deps-abc', true],
    ['deps-abc', 'DEPS-ABC', true],
    ['deps-é', 'deps-e', false],
    ['deps-abc', 'deps-abc-2', false],
    ['deps-abc', undefined, false],
    ['deps-abc', '', false],
  ])('%s vs %s: %s', (primary, matched, expected) => {
    expect(isExactKeyMatch(primary, matched)).toBe(expected);
  });
});
