/**
 * What a folder holds, entry by entry, without following symlinks, and the differences between two such
 * descriptions: how push tells a tool-cache version from the published archive it claims to be.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import path from 'node:path';

export interface TreeEntry {
  type: 'file' | 'dir' | 'link' | 'other';
  /** Regular files: size in bytes and SHA-256 of the content. */
  size?: number;
  sha256?: string;
  /** Symlinks: the target text (never followed). */
  target?: string;
  /**
   * Permission bits that change what the tool does: executable by the owner, setuid, setgid. Other bits
   * depend on the umask of whoever extracted the archive and are not compared.
   */
  bits: number;
}

const COMPARED_BITS = 0o4000 | 0o2000 | 0o100;

function hashFile(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1024 * 1024);
    let n: number;
    while ((n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Every entry under dir by relative path (lstat: symlinks are described, never followed). */
export function describeTree(dir: string): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, r);
      const st = fs.lstatSync(full);
      const bits = st.mode & COMPARED_BITS;
      if (st.isSymbolicLink()) out.set(r, { type: 'link', target: fs.readlinkSync(full), bits: 0 });
      else if (st.isDirectory()) {
        out.set(r, { type: 'dir', bits: 0 });
        walk(r);
      } else if (st.isFile()) out.set(r, { type: 'file', size: st.size, sha256: hashFile(full), bits });
      else out.set(r, { type: 'other', bits });
    }
  };
  walk('');
  return out;
}

/** Differences of `actual` from `expected`, e.g. `changed bin/node (content)`, at most `limit` of them. */
export function treeDifferences(
  expected: Map<string, TreeEntry>,
  actual: Map<string, TreeEntry>,
  limit = 5,
): { count: number; first: string[] } {
  const found: string[] = [];
  for (const [rel, want] of expected) {
    const have = actual.get(rel);
    if (!have) found.push(`missing ${rel}`);
    else if (have.type !== want.type) found.push(`changed ${rel} (${want.type} became ${have.type})`);
    else if (have.sha256 !== want.sha256 || have.size !== want.size) found.push(`changed ${rel} (content)`);
    else if (have.target !== want.target) found.push(`changed ${rel} (link target)`);
    else if (have.bits !== want.bits) found.push(`changed ${rel} (mode)`);
  }
  for (const rel of actual.keys()) if (!expected.has(rel)) found.push(`added ${rel}`);
  return { count: found.length, first: found.slice(0, limit) };
}
