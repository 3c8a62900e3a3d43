/**
 * Builds tool caches the way @actions/tool-cache lays them out (`<tool>/<version>/<arch>/…` and the
 * `<tool>/<version>/<arch>.complete` marker written last) with deterministic content, and describes trees
 * (type, mode, size, content hash, link target) so tests can compare what moved.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
export const OTHER_ARCH = ARCH === 'x64' ? 'arm64' : 'x64';

export interface ToolVersion {
  tool: string;
  version: string;
  /** Regular files to generate (small, deterministic). */
  files: number;
  /** Extra bytes per file, to make a copy slow enough to interrupt. */
  fileSize?: number;
}

export const key = (v: ToolVersion): string => `${v.tool}/${v.version}/${ARCH}`;
export const versionPath = (root: string, v: ToolVersion): string => path.join(root, v.tool, v.version, ARCH);
export const markerPath = (root: string, v: ToolVersion): string =>
  path.join(root, v.tool, v.version, `${ARCH}.complete`);

function content(seed: string, size: number): Buffer {
  const base = createHash('sha256').update(seed).digest('hex');
  return Buffer.from(base.repeat(Math.ceil(size / base.length)).slice(0, size));
}

/**
 * Writes one version: bin/ with executables and relative links, nested lib/ folders of small files, a
 * private file (0600) and folder (0700), a link pointing out of the tool folder (/etc/passwd) and a dangling
 * link. With `complete` the marker is written last, as tool-cache does.
 */
export function writeVersion(root: string, v: ToolVersion, complete = true): void {
  const dir = versionPath(root, v);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bin', v.tool), content(`${key(v)}:bin`, 2048), { mode: 0o755 });
  fs.symlinkSync(v.tool, path.join(dir, 'bin', `${v.tool}-link`));
  fs.symlinkSync('../lib/pkg0/file0.txt', path.join(dir, 'bin', 'first-file'));
  fs.symlinkSync('/etc/passwd', path.join(dir, 'bin', 'passwd-outside'));
  fs.symlinkSync('../../nowhere', path.join(dir, 'bin', 'dangling'));
  fs.mkdirSync(path.join(dir, 'private'), { mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'private', 'key'), 'secret', { mode: 0o600 });
  for (let i = 0; i < v.files; i += 1) {
    const sub = path.join(dir, 'lib', `pkg${i % 40}`, `mod${Math.floor(i / 400)}`);
    const name = i < 40 ? path.join(dir, 'lib', `pkg${i}`, `file${i}.txt`) : path.join(sub, `f${i}.js`);
    fs.mkdirSync(path.dirname(name), { recursive: true });
    fs.writeFileSync(name, content(`${key(v)}:${i}`, 64 + (i % 50) * 8 + (v.fileSize ?? 0)));
    if (i % 97 === 0) fs.chmodSync(name, 0o755);
  }
  if (complete) fs.writeFileSync(markerPath(root, v), '');
}

export interface Entry {
  type: 'file' | 'dir' | 'link';
  mode: number;
  size?: number;
  hash?: string;
  target?: string;
}

/** Every entry under dir by relative path, without following symlinks. */
export function describe(dir: string): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, r);
      const st = fs.lstatSync(full);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) out[r] = { type: 'link', mode: 0, target: fs.readlinkSync(full) };
      else if (st.isDirectory()) {
        out[r] = { type: 'dir', mode };
        walk(r);
      } else {
        const hash = createHash('sha1').update(fs.readFileSync(full)).digest('hex');
        out[r] = { type: 'file', mode, size: st.size, hash };
      }
    }
  };
  walk('');
  return out;
}

/** Number of regular files under dir (symlinks not followed). */
export function countFiles(dir: string): number {
  return Object.values(describe(dir)).filter((e) => e.type === 'file').length;
}

/** Folders directly under root that are runtime-sync bookkeeping or tools. */
export function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}
