import { entryId, parseEntry, CatalogEntry } from '../../../src/manage/catalog';
import {
  EntryStore,
  parseDuration,
  parseSize,
  parseSort,
  planPrune,
  selectForDelete,
  sortEntries,
  usageByRepository,
} from '../../../src/manage/commands';
import { JSON_FIELDS, runCli } from '../../../src/manage/cli';
import { entryName } from '../../../src/matching/encoding';
import { repositorySegment, scopeSegment } from '../../../src/matching/isolation';

const DAY = 86_400_000;
const t0 = new Date('2026-11-01T00:00:00Z');

function legacyKey(repository: string, ref: string, key: string): string {
  return entryName({ prefix: 'cache', repository, scope: ref, version: 'v1' }, key).objectKey;
}
function isolatedKey(id: string, ref: string, key: string): string {
  return entryName(
    {
      prefix: 'cache',
      repository: repositorySegment(id),
      scope: ref,
      scopeSegment: scopeSegment(ref),
      version: 'v1',
    },
    key,
  ).objectKey;
}

function entry(
  repository: string,
  key: string,
  size: number,
  createdDay: number,
  accessDay = createdDay,
): CatalogEntry {
  const objectKey = `cache/${repository}/refs%2Fheads%2Fmain/v1/${key}`;
  return {
    id: entryId(objectKey),
    key,
    long: false,
    ref: 'refs/heads/main',
    repository,
    version: 'v1',
    sizeInBytes: size,
    createdAt: new Date(t0.getTime() + createdDay * DAY),
    lastAccessedAt: new Date(t0.getTime() + accessDay * DAY),
    objectKey,
  };
}

describe('catalog', () => {
  it('names entries of both layouts and skips foreign objects', () => {
    const at = new Date();
    const legacy = parseEntry('cache', {
      key: legacyKey('o/r', 'refs/heads/feature/x', 'npm-1'),
      size: 5,
      lastModified: at,
    });
    expect(legacy).toMatchObject({
      repository: 'o/r',
      ref: 'refs/heads/feature/x',
      key: 'npm-1',
      version: 'v1',
    });
    const isolated = parseEntry('cache', {
      key: isolatedKey('42', 'refs/heads/main', 'go/mod'),
      size: 5,
      lastModified: at,
    });
    expect(isolated).toMatchObject({
      repository: 'repo-42',
      ref: scopeSegment('refs/heads/main'),
      key: 'go/mod',
    });
    expect(parseEntry('cache', { key: 'cache/README', size: 1, lastModified: at })).toBeUndefined();
    expect(
      parseEntry('cache', { key: 'other/o/r/refs%2Fheads%2Fmain/v1/k', size: 1, lastModified: at }),
    ).toBeUndefined();
  });

  it('gives each object a stable id that fits a JSON number exactly', () => {
    const id = entryId('cache/o/r/refs%2Fheads%2Fmain/v1/k');
    expect(id).toBe(entryId('cache/o/r/refs%2Fheads%2Fmain/v1/k'));
    expect(Number.isSafeInteger(id)).toBe(true);
    expect(id).not.toBe(entryId('cache/o/r/refs%2Fheads%2Fmain/v1/l'));
  });
});

describe('options', () => {
  it('reads sizes, durations and sort names, and names the option when it cannot', () => {
    expect(parseSize('10GB')).toBe(10e9);
    expect(parseSize('2GiB')).toBe(2 * 2 ** 30);
    expect(parseSize('1500')).toBe(1500);
    expect(() => parseSize('ten')).toThrow(/--max-size "ten"/);
    expect(parseDuration('7d')).toBe(7 * DAY);
    expect(parseDuration('2w')).toBe(14 * DAY);
    expect(() => parseDuration('7 days')).toThrow(/--unused-for/);
    expect(parseSort('last_accessed_at')).toBe('last-accessed');
    expect(parseSort('size_in_bytes')).toBe('size');
    expect(() => parseSort('name')).toThrow(/--sort "name"/);
  });
});

describe('sorting, usage and prune', () => {
  const entries = [
    entry('o/a', 'k1', 100, 0, 9),
    entry('o/a', 'k2', 300, 1, 2),
    entry('o/a', 'k3', 200, 2, 5),
    entry('o/b', 'k1', 50, 3, 3),
  ];

  it('sorts by each field in both orders', () => {
    expect(sortEntries(entries, 'size', 'desc').map((e) => e.sizeInBytes)).toEqual([300, 200, 100, 50]);
    expect(sortEntries(entries, 'created', 'asc').map((e) => e.key + e.repository)).toEqual([
      'k1o/a',
      'k2o/a',
      'k3o/a',
      'k1o/b',
    ]);
    expect(sortEntries(entries, 'last-accessed', 'desc').map((e) => e.lastAccessedAt.getTime())).toEqual(
      [9, 5, 3, 2].map((d) => t0.getTime() + d * DAY),
    );
  });

  it('sums usage per repository', () => {
    expect(usageByRepository(entries)).toEqual([
      { full_name: 'o/a', active_caches_size_in_bytes: 600, active_caches_count: 3 },
      { full_name: 'o/b', active_caches_size_in_bytes: 50, active_caches_count: 1 },
    ]);
  });

  it('evicts the least recently used first until each repository fits its budget', () => {
    const plan = planPrune(entries, { maxSizePerRepository: 350, now: new Date(t0.getTime() + 10 * DAY) });
    // o/a holds 600: k2 (used day 2) goes first, leaving 300 <= 350; o/b is under budget.
    expect(plan.map((e) => `${e.entry.repository}:${e.entry.key}:${e.reason}`)).toEqual([
      'o/a:k2:over-budget',
    ]);
  });

  it('evicts what was not used for the given time, then by budget', () => {
    const plan = planPrune(entries, {
      maxSizePerRepository: 150,
      unusedForMs: 6 * DAY,
      now: new Date(t0.getTime() + 10 * DAY),
    });
    expect(plan.map((e) => `${e.entry.repository}:${e.entry.key}:${e.reason}`)).toEqual([
      'o/a:k2:unused', // last used 8 days ago
      'o/a:k3:over-budget', // 5 days ago, but o/a still holds 300 > 150
      'o/b:k1:unused', // 7 days ago
    ]);
  });

  it('refuses a prune without a rule', () => {
    expect(() => planPrune(entries, { now: t0 })).toThrow(/--max-size and\/or --unused-for/);
  });

  it('selects for delete by id, by key, or all', () => {
    expect(selectForDelete(entries, String(entries[2].id), false)).toEqual([entries[2]]);
    expect(selectForDelete(entries, 'k1', false)).toHaveLength(2);
    expect(selectForDelete(entries, undefined, true)).toHaveLength(4);
    expect(() => selectForDelete(entries, undefined, false)).toThrow(/--all/);
  });
});

describe('the command', () => {
  function memoryStore(keys: string[]): EntryStore & { removed: string[] } {
    const removed: string[] = [];
    return {
      removed,
      list: async (prefix) =>
        keys.filter((k) => k.startsWith(prefix)).map((k, i) => ({ key: k, size: 10 + i, lastModified: t0 })),
      lastAccess: async () => undefined,
      fullKey: async () => undefined,
      remove: async (k) => {
        removed.push(k);
      },
    };
  }

  async function run(args: string[], store: EntryStore, env: NodeJS.ProcessEnv = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env, store });
    return { code, out, err };
  }

  it('prints gh cache list --json fields by their gh names', async () => {
    expect([...JSON_FIELDS]).toEqual([
      'id',
      'key',
      'ref',
      'sizeInBytes',
      'createdAt',
      'lastAccessedAt',
      'version',
    ]);
    const store = memoryStore([legacyKey('o/r', 'refs/heads/main', 'k')]);
    const { code, out } = await run(
      ['list', '--json', 'id,key,ref,sizeInBytes,createdAt,lastAccessedAt,version'],
      store,
    );
    expect(code).toBe(0);
    expect(Object.keys(JSON.parse(out.join('\n'))[0])).toEqual([...JSON_FIELDS]);
  });

  it('names unknown JSON fields and lists the valid ones, as gh does', async () => {
    const { code, err } = await run(['list', '--json', 'id,name'], memoryStore([]));
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/Unknown JSON field: name[\s\S]*sizeInBytes/);
  });

  it('deletes only in the named repository, and says so when nothing matched', async () => {
    const store = memoryStore([
      legacyKey('o/a', 'refs/heads/main', 'k'),
      legacyKey('o/b', 'refs/heads/main', 'k'),
    ]);
    expect((await run(['delete', 'k', '--repo', 'o/a'], store)).code).toBe(0);
    expect(store.removed).toEqual([legacyKey('o/a', 'refs/heads/main', 'k')]);
    const none = await run(['delete', 'nope', '--repo', 'o/a'], store);
    expect(none.code).toBe(1);
    expect(none.err.join()).toMatch(/Could not find a cache matching nope in o\/a/);
    expect((await run(['delete', 'nope', '--repo', 'o/a', '--succeed-on-no-caches'], store)).code).toBe(0);
  });

  it('refuses a delete that names no repository, and takes GITHUB_REPOSITORY as gh takes the checkout', async () => {
    const store = memoryStore([legacyKey('o/a', 'refs/heads/main', 'k')]);
    const refused = await run(['delete', '--all'], store);
    expect(refused.code).toBe(2);
    expect(refused.err.join()).toMatch(/--repo owner\/repo/);
    expect((await run(['delete', '--all'], store, { GITHUB_REPOSITORY: 'o/a' })).code).toBe(0);
    expect(store.removed).toHaveLength(1);
  });

  it('asks for the bucket by its setting names', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['list'], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
    expect(code).toBe(2);
    expect(err.join()).toMatch(/--bucket or set DAZN_CACHE_BUCKET/);
  });
});
