import type * as fs from 'node:fs';
import { ARCH_FILE, ARCHIVE_MARKER_SUFFIX, ARCHIVE_SUFFIX, MARKER_SUFFIX, USAGE_DIR } from './names';

/**
 * Scanning a cache root. `scanRoot` is self-contained (it uses only its arguments and Node built-ins it is
 * given), because it also runs in a child process: a hung NFS call blocks the thread that made it, so the
 * first touch of the EFS root happens in a child that the parent can kill when its time is up.
 */

export interface ScanRequest {
  root: string;
  /** Compare with the root's architecture file; on mismatch nothing else is done. */
  expectArch?: string;
  /** Write this lease file (path, content) before looking for versions. */
  lease?: { path: string; body: string };
  /** Walk every complete version for its size and file count (status, prune). */
  sizes?: boolean;
  /** Read each marker's content (pull writes the local markers itself, after its copy). */
  markers?: boolean;
  /**
   * Versions (`tool/version/arch`) complete in the local cache: pull wants nothing of them but to know they
   * are complete on the root, so their markers are judged by name only, never opened or looked up, and their
   * usage record is not looked at (on EFS each of those is a round trip, on every runner start).
   */
  known?: string[];
}

/** The forms a version takes on a root: its folder (`<arch>/` + `<arch>.complete`), its archive, or both. */
export type Form = 'folder' | 'archive';

/**
 * The archive's marker, `<arch>.tar.zst.complete`, written after the archive: what pull checks the archive
 * and its extracted tree against.
 */
export interface ArchiveMarker {
  /** The tool-cache marker's content (base64), written as the local marker after extraction. */
  marker: string;
  /** SHA-256 (hex) and size in bytes of the archive file. */
  sha256: string;
  size: number;
  /** Entries that are not folders (files and symlinks) under `<arch>/`, and the bytes of the regular files. */
  files: number;
  bytes: number;
}

export interface ScannedVersion {
  tool: string;
  version: string;
  arch: string;
  /** The complete forms on this root ('folder' first when both). */
  forms: Form[];
  /** The folder marker's mtime, else the archive marker's. */
  markerMtimeMs: number;
  /** Last pull or push (from the root's usage records), else the marker's time. */
  lastUsedMs: number;
  files?: number;
  bytes?: number;
  /** The marker's content, base64 (with `markers`; @actions/tool-cache writes an empty one). */
  marker?: string;
  /** The archive's marker (with `markers` or `sizes`, when the version has the archive form). */
  archive?: ArchiveMarker;
  /** Bytes the version takes on the root (with `sizes`): its folder's files plus its archive. */
  storedBytes?: number;
}

export interface ScanResult {
  exists: boolean;
  /** Content of the root's architecture file, if any. */
  arch: string | null;
  archMismatch: boolean;
  versions: ScannedVersion[];
  /** Version folders without a marker (`tool/version/arch`). */
  incomplete: string[];
  /**
   * Archives without their marker (`tool/version/arch.tar.zst`): a push placing it, or one killed while it
   * did; `changedMs` is the ctime, which link(2) sets, so it says when the archive was placed.
   */
  unmarkedArchives: { path: string; changedMs: number }[];
  /** The requested lease was written (a read-only mount cannot take one). */
  leaseWritten?: boolean;
  leaseError?: string;
}

/** Bookkeeping names the scan needs, passed in because the function cannot import them in a child. */
export interface ScanNames {
  archFile: string;
  markerSuffix: string;
  archiveSuffix: string;
  archiveMarkerSuffix: string;
  usageDir: string;
}

export const SCAN_NAMES: ScanNames = {
  archFile: ARCH_FILE,
  markerSuffix: MARKER_SUFFIX,
  archiveSuffix: ARCHIVE_SUFFIX,
  archiveMarkerSuffix: ARCHIVE_MARKER_SUFFIX,
  usageDir: USAGE_DIR,
};

/** Runs with `fsm` = node:fs. Symlinks are never followed: every entry is looked at with lstat. */
export function scanRoot(fsm: typeof fs, request: ScanRequest, names: ScanNames): ScanResult {
  const join = (...parts: string[]): string => parts.join('/');
  const result: ScanResult = {
    exists: false,
    arch: null,
    archMismatch: false,
    versions: [],
    incomplete: [],
    unmarkedArchives: [],
  };
  const rootStat = fsm.statSync(request.root, { throwIfNoEntry: false });
  if (!rootStat) return result;
  if (!rootStat.isDirectory()) throw new Error(`${request.root} is not a directory`);
  result.exists = true;
  try {
    result.arch = fsm.readFileSync(join(request.root, names.archFile), 'utf8').trim();
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
  }
  if (request.expectArch !== undefined && result.arch !== null && result.arch !== request.expectArch) {
    result.archMismatch = true;
    return result;
  }
  if (request.lease) {
    try {
      fsm.mkdirSync(request.lease.path.slice(0, request.lease.path.lastIndexOf('/')), { recursive: true });
      fsm.writeFileSync(`${request.lease.path}.tmp`, request.lease.body);
      fsm.renameSync(`${request.lease.path}.tmp`, request.lease.path);
      result.leaseWritten = true;
    } catch (error) {
      result.leaseError = String((error as { code?: string }).code ?? error);
    }
  }
  const dirs = (p: string): fs.Dirent[] =>
    fsm.readdirSync(p, { withFileTypes: true }).filter((d) => !d.name.startsWith('.'));
  const walk = (p: string, acc: { files: number; bytes: number }): void => {
    for (const entry of fsm.readdirSync(p, { withFileTypes: true })) {
      const full = join(p, entry.name);
      if (entry.isDirectory()) walk(full, acc);
      else {
        acc.files += 1;
        acc.bytes += fsm.lstatSync(full).size;
      }
    }
  };
  const known = new Set(request.known ?? []);
  for (const tool of dirs(request.root)) {
    if (!tool.isDirectory()) continue;
    for (const version of dirs(join(request.root, tool.name))) {
      if (!version.isDirectory()) continue;
      const versionPath = join(request.root, tool.name, version.name);
      const entries = fsm.readdirSync(versionPath, { withFileTypes: true });
      const folders = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
      const files = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
      const byArch = new Map<string, ScannedVersion>();
      const usageMs = (arch: string): number => {
        const usageName = encodeURIComponent(`${tool.name}/${version.name}/${arch}`);
        const usage = fsm.statSync(join(request.root, names.usageDir, usageName), { throwIfNoEntry: false });
        return usage ? usage.mtimeMs : 0;
      };
      const isKnown = (arch: string): boolean => known.has(`${tool.name}/${version.name}/${arch}`);
      const add = (arch: string, form: Form, markerMtimeMs: number): ScannedVersion => {
        let v = byArch.get(arch);
        if (!v) {
          v = { tool: tool.name, version: version.name, arch, forms: [], markerMtimeMs, lastUsedMs: 0 };
          byArch.set(arch, v);
        }
        if (form === 'folder') v.markerMtimeMs = markerMtimeMs;
        v.forms = form === 'folder' ? ['folder', ...v.forms] : [...v.forms, 'archive'];
        v.lastUsedMs = Math.max(v.lastUsedMs, markerMtimeMs, isKnown(arch) ? 0 : usageMs(arch));
        return v;
      };
      for (const name of files) {
        if (name.endsWith(names.archiveMarkerSuffix)) {
          const arch = name.slice(0, -names.archiveMarkerSuffix.length);
          if (!files.has(`${arch}${names.archiveSuffix}`)) continue;
          if (isKnown(arch)) {
            add(arch, 'archive', 0);
            continue;
          }
          const markerPath = join(versionPath, name);
          let archive: ArchiveMarker;
          try {
            archive = JSON.parse(fsm.readFileSync(markerPath, 'utf8')) as ArchiveMarker;
          } catch {
            continue; // unreadable: the archive does not count
          }
          const v = add(arch, 'archive', fsm.lstatSync(markerPath).mtimeMs);
          if (request.markers || request.sizes) v.archive = archive;
        } else if (name.endsWith(names.markerSuffix)) {
          const arch = name.slice(0, -names.markerSuffix.length);
          if (!folders.has(arch)) continue;
          if (isKnown(arch)) {
            add(arch, 'folder', 0);
            continue;
          }
          const v = add(arch, 'folder', fsm.lstatSync(join(versionPath, name)).mtimeMs);
          if (request.markers) v.marker = fsm.readFileSync(join(versionPath, name)).toString('base64');
        } else if (name.endsWith(names.archiveSuffix) && !files.has(`${name}${names.markerSuffix}`)) {
          result.unmarkedArchives.push({
            path: `${tool.name}/${version.name}/${name}`,
            changedMs: fsm.lstatSync(join(versionPath, name)).ctimeMs,
          });
        }
      }
      for (const v of byArch.values()) {
        if (request.markers && v.marker === undefined) v.marker = v.archive?.marker ?? '';
        if (request.sizes) {
          const acc = { files: 0, bytes: 0 };
          if (v.forms.includes('folder')) walk(join(versionPath, v.arch), acc);
          v.files = v.archive ? v.archive.files : acc.files;
          v.bytes = v.archive ? v.archive.bytes : acc.bytes;
          v.storedBytes = acc.bytes + (v.archive ? v.archive.size : 0);
        }
        result.versions.push(v);
      }
      for (const folder of folders) {
        if (!byArch.get(folder)?.forms.includes('folder'))
          result.incomplete.push(`${tool.name}/${version.name}/${folder}`);
      }
    }
  }
  result.versions.sort((a, b) => (a.tool + a.version + a.arch).localeCompare(b.tool + b.version + b.arch));
  return result;
}

/** The child-process program: `node -e PROGRAM '<request json>'` prints the ScanResult as JSON. */
export const SCAN_PROGRAM =
  `const fs = require('fs');\n` +
  `const scanRoot = ${scanRoot.toString()};\n` +
  `try { process.stdout.write(JSON.stringify({ ok: true, result: scanRoot(fs, JSON.parse(process.argv[1]), JSON.parse(process.argv[2])) })); }\n` +
  `catch (e) { process.stdout.write(JSON.stringify({ ok: false, code: e.code || '', message: String(e.message || e) })); }\n`;
