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
}

/** `<prefix>/<owner>/<repo>/<encoded scope>/<version>/` — the folder that holds a scope's entries. */
export function scopeFolder(location: EntryLocation): string {
  const prefix = location.prefix.replace(/^\/+|\/+$/g, '');
  const head = prefix ? `${prefix}/` : '';
  return `${head}${location.repository}/${encodeSegment(location.scope)}/${location.version}/`;
}

/** The S3 key of the entry for a cache key. */
export function objectKey(location: EntryLocation, cacheKey: string): string {
  return scopeFolder(location) + encodeSegment(cacheKey);
}
