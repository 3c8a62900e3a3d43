import type * as fs from 'node:fs';
import { ARCH_FILE, MARKER_SUFFIX, USAGE_DIR } from './names';

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
}

export interface ScannedVersion {
  tool: string;
  version: string;
  arch: string;
  markerMtimeMs: number;
  /** Last pull or push (from the root's usage records), else the marker's time. */
  lastUsedMs: number;
  files?: number;
  bytes?: number;
  /** The marker's content, base64 (with `markers`; @actions/tool-cache writes an empty one). */
  marker?: string;
}

export interface ScanResult {
  exists: boolean;
  /** Content of the root's architecture file, if any. */
  arch: string | null;
  archMismatch: boolean;
  versions: ScannedVersion[];
  /** Version folders without a marker (`tool/version/arch`). */
  incomplete: string[];
  /** The requested lease was written (a read-only mount cannot take one). */
  leaseWritten?: boolean;
  leaseError?: string;
}

/** Bookkeeping names the scan needs, passed in because the function cannot import them in a child. */
export interface ScanNames {
  archFile: string;
  markerSuffix: string;
  usageDir: string;
}

export const SCAN_NAMES: ScanNames = {
  archFile: ARCH_FILE,
  markerSuffix: MARKER_SUFFIX,
  usageDir: USAGE_DIR,
};

/** Runs with `fsm` = node:fs. Symlinks are never followed: every entry is looked at with lstat. */
export function scanRoot(fsm: typeof fs, request: ScanRequest, names: ScanNames): ScanResult {
  const join = (...parts: string[]): string => parts.join('/');
  const result: ScanResult = { exists: false, arch: null, archMismatch: false, versions: [], incomplete: [] };
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
  for (const tool of dirs(request.root)) {
    if (!tool.isDirectory()) continue;
    for (const version of dirs(join(request.root, tool.name))) {
      if (!version.isDirectory()) continue;
      const versionPath = join(request.root, tool.name, version.name);
      const entries = fsm.readdirSync(versionPath, { withFileTypes: true });
      const folders = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
      const marked = new Set<string>();
      for (const entry of entries) {
        if (!entry.isFile() || !entry.name.endsWith(names.markerSuffix)) continue;
        const arch = entry.name.slice(0, -names.markerSuffix.length);
        if (!folders.has(arch)) continue;
        marked.add(arch);
        const markerMtimeMs = fsm.lstatSync(join(versionPath, entry.name)).mtimeMs;
        const usageName = encodeURIComponent(`${tool.name}/${version.name}/${arch}`);
        const usage = fsm.statSync(join(request.root, names.usageDir, usageName), { throwIfNoEntry: false });
        const scanned: ScannedVersion = {
          tool: tool.name,
          version: version.name,
          arch,
          markerMtimeMs,
          lastUsedMs: Math.max(markerMtimeMs, usage ? usage.mtimeMs : 0),
        };
        if (request.markers) {
          scanned.marker = fsm.readFileSync(join(versionPath, entry.name)).toString('base64');
        }
        if (request.sizes) {
          const acc = { files: 0, bytes: 0 };
          walk(join(versionPath, arch), acc);
          scanned.files = acc.files;
          scanned.bytes = acc.bytes;
        }
        result.versions.push(scanned);
      }
      for (const folder of folders) {
        if (!marked.has(folder)) result.incomplete.push(`${tool.name}/${version.name}/${folder}`);
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
