/**
 * list, delete, usage and prune over a store of entries: the rules, free of S3 so they are tested
 * alone (the S3 store is in store.ts).
 */
import { CatalogEntry, checkRepository, inRef, parseEntry, repositoryPrefix, StoredObject } from './catalog';

export interface EntryStore {
  /** Every object under a prefix, page by page (onPage gets the running count, for progress). */
  list(prefix: string, onPage?: (count: number) => void): Promise<StoredObject[]>;
  /** The day a restore last recorded using the object, if it did. */
  lastAccess(objectKey: string): Promise<Date | undefined>;
  /** The full cache key of an entry whose key was too long for S3 (the rest is in its metadata). */
  fullKey(objectKey: string, head: string): Promise<string | undefined>;
  remove(objectKey: string): Promise<void>;
}

export interface EntryFilter {
  /** Repository folders (owner/repo and/or repo-<id>); none: every repository. */
  repositories?: readonly string[];
  ref?: string;
  /** Entries whose key starts with this. */
  keyPrefix?: string;
}

export type SortField = 'created' | 'last-accessed' | 'size';
export type SortOrder = 'asc' | 'desc';

/** gh cache list --sort takes created_at, last_accessed_at, size_in_bytes; the short names too. */
export function parseSort(value: string): SortField {
  const names: Record<string, SortField> = {
    created: 'created',
    created_at: 'created',
    'last-accessed': 'last-accessed',
    last_accessed_at: 'last-accessed',
    size: 'size',
    size_in_bytes: 'size',
  };
  const field = names[value];
  if (!field) {
    throw new Error(
      `--sort ${JSON.stringify(value)}: use created, last-accessed or size (or gh's created_at, last_accessed_at, size_in_bytes).`,
    );
  }
  return field;
}

export function parseOrder(value: string): SortOrder {
  if (value === 'asc' || value === 'desc') return value;
  throw new Error(`--order ${JSON.stringify(value)}: use asc or desc.`);
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** `10GB` (decimal, as GitHub's 10 GB limit), `512MiB` (binary), or bytes. */
export function parseSize(value: string, option = '--max-size'): number {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new Error(`${option} ${JSON.stringify(value)}: give a size such as 10GB, 500MB or 2GiB.`);
  }
  return Math.floor(parseFloat(match[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** `7d`, `12h`, `2w`, `90m`, `30s`. */
export function parseDuration(value: string, option = '--unused-for'): number {
  const match = /^\s*([0-9]+)\s*([smhdw])\s*$/.exec(value);
  if (!match) throw new Error(`${option} ${JSON.stringify(value)}: give a duration such as 7d, 12h or 2w.`);
  return parseInt(match[1], 10) * DURATION_UNITS[match[2]];
}

export interface ListOptions {
  /** Read each entry's last-access tag (one request per entry). */
  withAccess: boolean;
  onProgress?: (count: number) => void;
  /** Parallel requests for the per-entry reads. */
  concurrency?: number;
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  });
  await Promise.all(workers);
}

/** The entries under the prefix that pass the filter, with full keys and (if asked) last access. */
export async function listEntries(
  store: EntryStore,
  prefix: string,
  filter: EntryFilter,
  options: ListOptions,
): Promise<CatalogEntry[]> {
  const repositories = filter.repositories?.length ? filter.repositories : [undefined];
  const objects: StoredObject[] = [];
  for (const repository of repositories) {
    if (repository !== undefined) checkRepository(repository);
    objects.push(...(await store.list(repositoryPrefix(prefix, repository), options.onProgress)));
  }
  const entries: CatalogEntry[] = [];
  for (const object of objects) {
    const entry = parseEntry(prefix, object);
    if (!entry) continue;
    if (filter.ref && !inRef(entry, filter.ref)) continue;
    entries.push(entry);
  }
  const concurrency = options.concurrency ?? 16;
  await forEachLimited(
    entries.filter((entry) => entry.long),
    concurrency,
    async (entry) => {
      const full = await store.fullKey(entry.objectKey, entry.key);
      if (full !== undefined) {
        entry.key = full;
        entry.long = false;
      }
    },
  );
  const kept = filter.keyPrefix
    ? entries.filter((entry) => entry.key.startsWith(filter.keyPrefix ?? ''))
    : entries;
  if (options.withAccess) {
    await forEachLimited(kept, concurrency, async (entry) => {
      const day = await store.lastAccess(entry.objectKey);
      if (day && day.getTime() > entry.lastAccessedAt.getTime()) entry.lastAccessedAt = day;
    });
  }
  return kept;
}

export function sortEntries(
  entries: readonly CatalogEntry[],
  field: SortField,
  order: SortOrder,
): CatalogEntry[] {
  const value = (entry: CatalogEntry): number =>
    field === 'size'
      ? entry.sizeInBytes
      : field === 'created'
        ? entry.createdAt.getTime()
        : entry.lastAccessedAt.getTime();
  const sign = order === 'asc' ? 1 : -1;
  return [...entries].sort(
    (a, b) =>
      sign * (value(a) - value(b)) || (a.objectKey < b.objectKey ? -1 : a.objectKey > b.objectKey ? 1 : 0),
  );
}

/** Per repository, as GitHub's usage API names them. */
export interface RepositoryUsage {
  full_name: string;
  active_caches_size_in_bytes: number;
  active_caches_count: number;
}

export function usageByRepository(entries: readonly CatalogEntry[]): RepositoryUsage[] {
  const byRepository = new Map<string, RepositoryUsage>();
  for (const entry of entries) {
    const usage = byRepository.get(entry.repository) ?? {
      full_name: entry.repository,
      active_caches_size_in_bytes: 0,
      active_caches_count: 0,
    };
    usage.active_caches_size_in_bytes += entry.sizeInBytes;
    usage.active_caches_count += 1;
    byRepository.set(entry.repository, usage);
  }
  return [...byRepository.values()].sort(
    (a, b) =>
      b.active_caches_size_in_bytes - a.active_caches_size_in_bytes || a.full_name.localeCompare(b.full_name),
  );
}

export interface PruneRules {
  /** Each repository's budget in bytes. */
  maxSizePerRepository?: number;
  /** Entries not used for this long go first, whatever the budget. */
  unusedForMs?: number;
  now: Date;
}

export interface Eviction {
  entry: CatalogEntry;
  reason: 'unused' | 'over-budget';
}

/**
 * What prune removes: per repository, entries unused for longer than the limit, then the least
 * recently used (ties: the oldest, then the object key) until the repository fits its budget.
 */
export function planPrune(entries: readonly CatalogEntry[], rules: PruneRules): Eviction[] {
  if (rules.maxSizePerRepository === undefined && rules.unusedForMs === undefined) {
    throw new Error(
      'prune needs --max-size and/or --unused-for (for example --max-size 10GB --unused-for 7d).',
    );
  }
  const evictions: Eviction[] = [];
  const byRepository = new Map<string, CatalogEntry[]>();
  for (const entry of entries)
    byRepository.set(entry.repository, [...(byRepository.get(entry.repository) ?? []), entry]);
  for (const repositoryEntries of byRepository.values()) {
    const lru = [...repositoryEntries].sort(
      (a, b) =>
        a.lastAccessedAt.getTime() - b.lastAccessedAt.getTime() ||
        a.createdAt.getTime() - b.createdAt.getTime() ||
        (a.objectKey < b.objectKey ? -1 : 1),
    );
    let total = lru.reduce((sum, entry) => sum + entry.sizeInBytes, 0);
    for (const entry of lru) {
      const unused =
        rules.unusedForMs !== undefined &&
        rules.now.getTime() - entry.lastAccessedAt.getTime() > rules.unusedForMs;
      const over = rules.maxSizePerRepository !== undefined && total > rules.maxSizePerRepository;
      if (!unused && !over) continue;
      evictions.push({ entry, reason: unused ? 'unused' : 'over-budget' });
      total -= entry.sizeInBytes;
    }
  }
  return evictions;
}

/** The entries `delete KEY|ID` means: an id, else every entry with exactly that key. */
export function selectForDelete(
  entries: readonly CatalogEntry[],
  target: string | undefined,
  all: boolean,
): CatalogEntry[] {
  if (all) return [...entries];
  if (target === undefined || target === '') {
    throw new Error('delete needs a cache key, an id (from list) or --all.');
  }
  if (/^[0-9]+$/.test(target)) {
    const byId = entries.filter((entry) => String(entry.id) === target);
    if (byId.length > 0) return byId;
  }
  return entries.filter((entry) => entry.key === target);
}
