/**
 * Builds folders for the action to cache and describes them (type, mode, link target, content hash),
 * so a test can compare what was saved with what was restored.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export type TreeSpec = Record<
  string,
  | string
  | Buffer
  | { content: string | Buffer; mode?: number }
  | { symlink: string }
  | { dir: true; mode?: number }
>;

/** Creates the files, folders and symlinks of a spec under root (paths use '/'). */
export function writeTree(root: string, spec: TreeSpec): void {
  for (const [path, entry] of Object.entries(spec)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof entry === 'string' || Buffer.isBuffer(entry)) {
      writeFileSync(target, entry);
    } else if ('symlink' in entry) {
      symlinkSync(entry.symlink, target);
    } else if ('dir' in entry) {
      mkdirSync(target, { recursive: true });
      if (entry.mode !== undefined) chmodSync(target, entry.mode);
    } else {
      writeFileSync(target, entry.content);
      if (entry.mode !== undefined) chmodSync(target, entry.mode);
    }
  }
}

/** Pseudo-random bytes that zstd cannot shrink (so sizes and transfers are real). */
export function noise(bytes: number): Buffer {
  return randomBytes(bytes);
}

/** Text that compresses well, e.g. a fake dependency tree. */
export function text(bytes: number, seed = 'dazn'): string {
  const line = `${seed} lorem ipsum dolor sit amet ${'x'.repeat(40)}\n`;
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

/** One line per entry under root: `path type mode [sha256|target]`, sorted. */
export function describeTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(full);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) {
        out.push(`${path} symlink -> ${readlinkSync(full)}`);
      } else if (stat.isDirectory()) {
        out.push(`${path} dir ${mode}`);
        walk(full, path);
      } else {
        const hash = createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 16);
        out.push(`${path} file ${mode} ${hash}`);
      }
    }
  };
  walk(root, '');
  return out;
}
