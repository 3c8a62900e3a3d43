/**
 * The cache version: a SHA-256 over the path lines (as settings reads them, like actions/cache's
 * getInputAsArray: "! x" is "!x"), the compression method and (on Windows unless
 * enableCrossOsArchive) an OS marker, computed like upstream's getCacheVersion. The same key saved
 * with other paths or another compression is another entry and never matches.
 */
import { createHash } from 'node:crypto';
import { COMPRESSION_METHOD, VERSION_SALT } from '../config/constants';

export function cacheVersion(
  pathLines: readonly string[],
  enableCrossOsArchive: boolean,
  platform: NodeJS.Platform = process.platform,
  compressionMethod: string = COMPRESSION_METHOD,
): string {
  const components = [...pathLines, compressionMethod];
  if (platform === 'win32' && !enableCrossOsArchive) components.push('windows-only');
  components.push(VERSION_SALT);
  return createHash('sha256').update(components.join('|')).digest('hex');
}
