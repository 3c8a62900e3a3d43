import path from 'node:path';

/**
 * Names in the tool cache (`<tool>/<version>/<arch>/…` + `<tool>/<version>/<arch>.complete`, the layout
 * of @actions/tool-cache) and the bookkeeping folders runtime-sync keeps in the EFS root. Bookkeeping
 * names start with a dot, which no tool folder does, so scans skip them.
 */
export const MARKER_SUFFIX = '.complete';
/** The archive form of a version, next to its folder: `<tool>/<version>/<arch>.tar.zst` + its marker. */
export const ARCHIVE_SUFFIX = '.tar.zst';
export const ARCHIVE_MARKER_SUFFIX = `${ARCHIVE_SUFFIX}${MARKER_SUFFIX}`;
/** In the local tool cache: pull's and push's private work folders (a dot name, so scans skip it). */
export const LOCAL_WORK_DIR = '.runtime-sync';
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

/** The archive of a version, relative to a cache root. */
export function archiveFile(v: VersionId): string {
  return path.join(v.tool, v.version, `${v.arch}${ARCHIVE_SUFFIX}`);
}

/** The archive's marker (JSON, see ArchiveMarker), relative to a cache root. */
export function archiveMarkerFile(v: VersionId): string {
  return path.join(v.tool, v.version, `${v.arch}${ARCHIVE_MARKER_SUFFIX}`);
}
