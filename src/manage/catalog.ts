/**
 * The one module that lists and names cache entries for management (the dazn-cache command and the
 * prune/ step). It reads both layouts the action writes:
 *
 *   <prefix>/<owner>/<repo>/<encoded ref>/<version>/<encoded key>      (OIDC roles)
 *   <prefix>/repo-<repository id>/ref-<sha256>/<version>/<encoded key> (isolated mode, the broker)
 *
 * In the isolated layout the ref is a hash; `--ref` filters by hashing the given ref the same way.
 */
import { createHash } from 'node:crypto';
import { decodeEntryName, decodeSegment } from '../matching/encoding';
import { scopeSegment } from '../matching/isolation';

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface CatalogEntry {
  /** gh cache's numeric id: a stable number from the object key (53 bits of its SHA-256). */
  id: number;
  /** The cache key (for keys too long for S3, the head; `long` is then true until resolved). */
  key: string;
  long: boolean;
  /** The full ref (refs/heads/main) in the OIDC-role layout; `ref-<hash>` in the isolated layout. */
  ref: string;
  /** owner/repo, or repo-<id> in the isolated layout. */
  repository: string;
  version: string;
  sizeInBytes: number;
  createdAt: Date;
  /** The day a restore last used it (object tag), else its creation. */
  lastAccessedAt: Date;
  objectKey: string;
}

/** 2^53: ids stay exact in JSON numbers. */
const ID_BITS_HEX = 13;

export function entryId(objectKey: string): number {
  return parseInt(createHash('sha256').update(objectKey, 'utf8').digest('hex').slice(0, ID_BITS_HEX), 16);
}

/** Names an object under the prefix as an entry, or undefined when it is not one (foreign objects). */
export function parseEntry(prefix: string, object: StoredObject): CatalogEntry | undefined {
  const head = prefix ? `${prefix}/` : '';
  if (!object.key.startsWith(head)) return undefined;
  const parts = object.key.slice(head.length).split('/');
  let repository: string;
  let ref: string;
  let version: string;
  let name: string;
  if (parts.length === 4 && /^repo-[1-9][0-9]*$/.test(parts[0]) && /^ref-[0-9a-f]{40}$/.test(parts[1])) {
    [repository, ref, version, name] = parts;
  } else if (parts.length === 5 && parts[0] && parts[1] && parts[2].startsWith('refs%2F')) {
    repository = `${parts[0]}/${parts[1]}`;
    ref = decodeSegment(parts[2]);
    version = parts[3];
    name = parts[4];
  } else {
    return undefined;
  }
  if (!name || !version) return undefined;
  const decoded = decodeEntryName(name);
  return {
    id: entryId(object.key),
    key: decoded.key,
    long: decoded.long,
    ref,
    repository,
    version,
    sizeInBytes: object.size,
    createdAt: object.lastModified,
    lastAccessedAt: object.lastModified,
    objectKey: object.key,
  };
}

/** The listing prefix for one repository (`owner/repo` or `repo-<id>`), or the whole cache. */
export function repositoryPrefix(prefix: string, repository: string | undefined): string {
  const head = prefix ? `${prefix}/` : '';
  return repository ? `${head}${repository}/` : head;
}

/** Whether an entry is in a ref's scope: the ref itself, or its hash in the isolated layout. */
export function inRef(entry: CatalogEntry, ref: string): boolean {
  if (entry.ref === ref) return true;
  return ref.startsWith('refs/') && entry.ref === scopeSegment(ref);
}

/** `--repo` accepts owner/repo or repo-<id>; anything else is a mistake worth naming. */
export function checkRepository(value: string): string {
  if (/^[^/\s]+\/[^/\s]+$/.test(value) || /^repo-[1-9][0-9]*$/.test(value)) return value;
  throw new Error(
    `--repo ${JSON.stringify(value)} is neither owner/repo nor repo-<repository id> (isolated mode's folder name).`,
  );
}
