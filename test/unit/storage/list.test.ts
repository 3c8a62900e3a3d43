import { listAll, PageFetcher } from '../../../src/storage/list';
import { findMatch } from '../../../src/matching/match';
import { objectKey } from '../../../src/matching/encoding';

/** Fake ListObjectsV2 pages of `pageSize` keys, sorted like S3 (UTF-8 byte order). */
function pagedBucket(keys: { key: string; at: number }[], pageSize: number): PageFetcher & { pages: number } {
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  const fetcher = async (prefix: string, token?: string) => {
    fetcher.pages += 1;
    const matching = sorted.filter((k) => k.key.startsWith(prefix));
    const start = token ? Number(token) : 0;
    const page = matching.slice(start, start + pageSize);
    const next = start + pageSize < matching.length ? String(start + pageSize) : undefined;
    return {
      objects: page.map((k) => ({ key: k.key, lastModified: new Date(k.at), size: 1 })),
      nextToken: next,
    };
  };
  fetcher.pages = 0;
  return fetcher;
}

describe('listing', () => {
  it('follows continuation tokens over thousands of entries', async () => {
    const keys = Array.from({ length: 4321 }, (_, i) => ({ key: `p/k-${i}`, at: i }));
    const fetcher = pagedBucket(keys, 1000);
    const all = await listAll(fetcher, 'p/');
    expect(all).toHaveLength(4321);
    expect(fetcher.pages).toBe(5);
  });

  it('finds the newest entry even when it is on the last page', async () => {
    const location = { prefix: 'cache', repository: 'o/r', scope: 'refs/heads/main', version: 'v' };
    const keys = Array.from({ length: 3000 }, (_, i) => ({
      key: objectKey(location, `deps-${String(i).padStart(4, '0')}`),
      at: i === 2999 ? 10_000_000 : i,
    }));
    const fetcher = pagedBucket(keys, 1000);
    const match = await findMatch(
      { list: (prefix) => listAll(fetcher, prefix), longKey: async () => undefined },
      { ...location, scopes: ['refs/heads/main'], primaryKey: 'deps-x', restoreKeys: ['deps-'] },
    );
    expect(match?.cacheKey).toBe('deps-2999');
  });
});
