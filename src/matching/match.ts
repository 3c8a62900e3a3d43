/**
 * Finds the entry a restore uses. Scopes in order; inside each scope: the exact primary key, the
 * newest entry whose key starts with the primary key, then for each restore key its exact entry,
 * else the newest entry starting with it. The first hit wins. "Newest" is the latest LastModified
 * (creation time, entries are immutable); ties go to the greater object key, so the choice is stable.
 */
import { decodeSegment, encodeSegment, scopeFolder } from './encoding';

export interface ListedObject {
  key: string;
  lastModified: Date;
  size: number;
  etag?: string;
}

/** Lists every object under a prefix (all pages). */
export interface EntryLister {
  list(prefix: string): Promise<ListedObject[]>;
}

export interface MatchQuery {
  prefix: string;
  repository: string;
  version: string;
  scopes: readonly string[];
  primaryKey: string;
  restoreKeys: readonly string[];
}

export interface Match {
  /** The cache key of the entry (decoded). */
  cacheKey: string;
  objectKey: string;
  scope: string;
  size: number;
  etag?: string;
  /** The entry's key equals the primary key. */
  exact: boolean;
}

/** The newest object; ties broken by the greater key. */
export function newest(objects: readonly ListedObject[]): ListedObject | undefined {
  let best: ListedObject | undefined;
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
    const folder = scopeFolder({
      prefix: query.prefix,
      repository: query.repository,
      scope,
      version: query.version,
    });
    for (const candidate of candidates) {
      const wanted = folder + encodeSegment(candidate);
      const objects = (await lister.list(wanted)).filter(
        (object) => object.key.startsWith(wanted) && !object.key.slice(folder.length).includes('/'),
      );
      const hit = objects.find((object) => object.key === wanted) ?? newest(objects);
      if (hit) {
        const cacheKey = decodeSegment(hit.key.slice(folder.length));
        return {
          cacheKey,
          objectKey: hit.key,
          scope,
          size: hit.size,
          etag: hit.etag,
          exact: cacheKey === query.primaryKey,
        };
      }
    }
  }
  return undefined;
}
