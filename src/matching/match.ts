/**
 * Finds the entry a restore uses. Scopes in order; inside each scope: the exact primary key, the
 * newest entry whose key starts with the primary key, then for each restore key its exact entry,
 * else the newest entry starting with it. The first hit wins. "Newest" is the latest LastModified
 * (creation time, entries are immutable); ties go to the greater object key, so the choice is stable.
 */
import { decodeEntryName, listingPrefix, objectKey, scopeFolder } from './encoding';

export interface ListedObject {
  key: string;
  lastModified: Date;
  size: number;
  etag?: string;
}

/** Lists every object under a prefix (all pages). */
export interface EntryLister {
  list(prefix: string): Promise<ListedObject[]>;
  /**
   * The whole cache key of an entry whose key was too long for S3 (its head is in the object key,
   * the rest in its metadata); undefined when it cannot be read.
   */
  longKey(objectKey: string, head: string): Promise<string | undefined>;
}

export interface MatchQuery {
  prefix: string;
  repository: string;
  version: string;
  scopes: readonly string[];
  primaryKey: string;
  restoreKeys: readonly string[];
  /** Isolated mode: each scope's folder name (ref-<hash>), by scope (see isolation.ts). */
  segments?: ReadonlyMap<string, string>;
}

export interface Match {
  /** The cache key of the entry (decoded). */
  cacheKey: string;
  objectKey: string;
  scope: string;
  size: number;
  etag?: string;
}

/**
 * Whether a restored key counts as the primary key: `cache-hit`, and the post step's "not saving"
 * decision, both use this one rule. Upstream's (actions/cache `isExactKeyMatch`): equal ignoring
 * case, not ignoring accents. Matching in S3 stays case-sensitive (object keys are), so this
 * differs from `===` only when a restore key reached an entry whose key differs from the primary key
 * in case alone.
 */
export function isExactKeyMatch(primaryKey: string, matchedKey: string | undefined): boolean {
  return !!matchedKey && matchedKey.localeCompare(primaryKey, undefined, { sensitivity: 'accent' }) === 0;
}

/** The newest object; ties broken by the greater key. */
export function newest<T extends ListedObject>(objects: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const object of objects) {
    if (
      best === undefined ||
      object.lastModified.getTime() > best.lastModified.getTime() ||
      (object.lastModified.getTime() === best.lastModified.getTime() && object.key > best.key)
    ) {
      best = object;
    }
  }
  return best;
}

export async function findMatch(lister: EntryLister, query: MatchQuery): Promise<Match | undefined> {
  const candidates = [query.primaryKey, ...query.restoreKeys];
  for (const scope of query.scopes) {
    const segment = query.segments?.get(scope);
    const location = {
      prefix: query.prefix,
      repository: query.repository,
      scope,
      version: query.version,
      ...(segment !== undefined ? { scopeSegment: segment } : {}),
    };
    const folder = scopeFolder(location);
    for (const candidate of candidates) {
      const exactKey = objectKey(location, candidate);
      const objects: (ListedObject & { cacheKey: string })[] = [];
      for (const object of await lister.list(listingPrefix(folder, candidate))) {
        const name = object.key.slice(folder.length);
        if (!object.key.startsWith(folder) || name.includes('/')) continue;
        const decoded = decodeEntryName(name);
        const cacheKey = decoded.long
          ? object.key === exactKey
            ? candidate
            : await lister.longKey(object.key, decoded.key)
          : decoded.key;
        if (cacheKey !== undefined && cacheKey.startsWith(candidate)) objects.push({ ...object, cacheKey });
      }
      const hit = objects.find((object) => object.key === exactKey) ?? newest(objects);
      if (hit) {
        return {
          cacheKey: hit.cacheKey,
          objectKey: hit.key,
          scope,
          size: hit.size,
          etag: hit.etag,
        };
      }
    }
  }
  return undefined;
}
