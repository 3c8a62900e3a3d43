import path from 'node:path';

/**
 * Names in the tool cache (`<tool>/<version>/<arch>/…` + `<tool>/<version>/<arch>.complete`, the layout
 * of @actions/tool-cache) and the bookkeeping folders runtime-sync keeps in the EFS root. Bookkeeping
 * names start with a dot, which no tool folder does, so scans skip them.
 */
export const MARKER_SUFFIX = '.complete';
export const ARCH_FILE = '.runtime-sync-arch';
export const LOCKS_DIR = '.locks';
export const STAGING_DIR = '.staging';
export const LEASES_DIR = '.leases';
export const USAGE_DIR = '.usage';
export const TRASH_DIR = '.trash';

export interface VersionId {
  tool: string;
  version: string;
  arch: string;
}

/** `node/20.11.1/x64` */
export function versionKey(v: VersionId): string {
  return `${v.tool}/${v.version}/${v.arch}`;
}

/** The key as one file name (for locks and usage records). */
export function keyFileName(v: VersionId): string {
  return encodeURIComponent(versionKey(v));
}

/** The version folder, relative to a cache root. */
export function versionDir(v: VersionId): string {
  return path.join(v.tool, v.version, v.arch);
}

/** The completeness marker, relative to a cache root. */
export function markerFile(v: VersionId): string {
  return path.join(v.tool, v.version, `${v.arch}${MARKER_SUFFIX}`);
}
