/**
 * Encoding of cache keys and scopes into one S3 key segment.
 *
 * Percent-encoding of '%', '/', '\', control characters and DEL, character by character; every
 * other character (non-ASCII included) stays as it is, since S3 keys are UTF-8. Because '%' itself
 * is encoded, the code is prefix-free: encode(a) starts with encode(b) exactly when a starts with
 * b, so a ListObjectsV2 prefix over encoded keys finds the same entries as a prefix over keys.
 */

function mustEncode(code: number): boolean {
  return (
    code < 0x20 || code === 0x7f || code === 0x25 /* % */ || code === 0x2f /* / */ || code === 0x5c
  ); /* \ */
}

import { createHash } from 'node:crypto';

export function encodeSegment(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    out += mustEncode(code) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : char;
  }
  return out;
}

export function decodeSegment(encoded: string): string {
  return encoded.replace(/%([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export interface EntryLocation {
  prefix: string;
  repository: string;
  scope: string;
  version: string;
  /**
   * The scope's folder name when it is not the encoded scope: isolated mode's `ref-<hash>`
   * (see isolation.ts), with `repository` then `repo-<id>`.
   */
  scopeSegment?: string;
}

/**
 * `<prefix>/<owner>/<repo>/<encoded scope>/<version>/` — the folder that holds a scope's entries
 * (in isolated mode `<prefix>/repo-<id>/ref-<hash>/<version>/`).
 */
export function scopeFolder(location: EntryLocation): string {
  const prefix = location.prefix.replace(/^\/+|\/+$/g, '');
  const head = prefix ? `${prefix}/` : '';
  const scope = location.scopeSegment ?? encodeSegment(location.scope);
  return `${head}${location.repository}/${scope}/${location.version}/`;
}

/** S3 refuses object keys longer than 1024 UTF-8 bytes (KeyTooLongError). */
export const MAX_OBJECT_KEY_BYTES = 1024;
/**
 * Marks an entry whose encoded key did not fit: `<head>%~<hash>`. '%' is always encoded as '%25' in
 * an encoded key, so '%~' never occurs in a key that fits.
 */
export const LONG_KEY_MARK = '%~';
/** Hex digits of SHA-256(key) after the mark: 128 bits tell long keys with the same head apart. */
const LONG_KEY_HASH_CHARS = 32;
/** Metadata that holds the rest of a long key (base64 of its UTF-8), past the head in the object key. */
export const KEY_TAIL_METADATA_KEY = 'key-tail';

/** Cuts an encoded segment to at most `budget` UTF-8 bytes, never inside a character or a %XX escape. */
function clipEncoded(encoded: string, budget: number): string {
  let out = '';
  let bytes = 0;
  const tokens = encoded.match(/%[0-9A-F]{2}|[\s\S]/gu) ?? [];
  for (const token of tokens) {
    const size = Buffer.byteLength(token);
    if (bytes + size > budget) break;
    out += token;
    bytes += size;
  }
  return out;
}

/** Bytes of an encoded key that fit in front of the long-key mark and hash in this folder. */
function headBudget(folder: string): number {
  const budget =
    MAX_OBJECT_KEY_BYTES - Buffer.byteLength(folder) - LONG_KEY_MARK.length - LONG_KEY_HASH_CHARS;
  if (budget < 64) {
    throw new Error(
      `The S3 key folder ${JSON.stringify(folder)} is ${Buffer.byteLength(folder)} bytes long, too long for S3's ` +
        `${MAX_OBJECT_KEY_BYTES}-byte key limit: use a shorter prefix input (DAZN_CACHE_PREFIX).`,
    );
  }
  return budget;
}

export interface EntryName {
  /** The S3 object key. */
  objectKey: string;
  /** For a key too long for S3: the part of the key not in the object key, to store as metadata. */
  keyTail?: string;
}

/**
 * The S3 key of the entry for a cache key: the folder and the encoded key when they fit in S3's
 * 1024 bytes; otherwise the encoded key's head, the mark and a hash of the whole key, with the rest
 * of the key kept in the object's metadata (so any key actions/cache accepts is stored and matched).
 */
export function entryName(location: EntryLocation, cacheKey: string): EntryName {
  const folder = scopeFolder(location);
  const encoded = encodeSegment(cacheKey);
  if (Buffer.byteLength(folder) + Buffer.byteLength(encoded) <= MAX_OBJECT_KEY_BYTES) {
    return { objectKey: folder + encoded };
  }
  const head = clipEncoded(encoded, headBudget(folder));
  const hash = createHash('sha256').update(cacheKey, 'utf8').digest('hex').slice(0, LONG_KEY_HASH_CHARS);
  const keyTail = cacheKey.slice(decodeSegment(head).length);
  return { objectKey: `${folder}${head}${LONG_KEY_MARK}${hash}`, keyTail };
}

/** The S3 key of the entry for a cache key. */
export function objectKey(location: EntryLocation, cacheKey: string): string {
  return entryName(location, cacheKey).objectKey;
}

/**
 * The listing prefix that finds every entry whose key starts with `keyPrefix`, long keys included:
 * the encoded prefix, cut to the head budget when it is longer (long keys keep only that much).
 */
export function listingPrefix(folder: string, keyPrefix: string): string {
  const encoded = encodeSegment(keyPrefix);
  const budget = headBudget(folder);
  return folder + (Buffer.byteLength(encoded) > budget ? clipEncoded(encoded, budget) : encoded);
}

/** The cache key an object name holds, or the head of a long key (see isLongKeyName). */
export function decodeEntryName(name: string): { key: string; long: boolean } {
  const mark = name.indexOf(LONG_KEY_MARK);
  if (mark < 0) return { key: decodeSegment(name), long: false };
  return { key: decodeSegment(name.slice(0, mark)), long: true };
}
