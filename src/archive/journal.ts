/**
 * What an unfinished restore wrote, and how it is taken back out of the workspace.
 *
 * `tar -x` runs with `-v --index-file=<journal> --quoting-style=escape`: it writes each member's
 * name to the journal as it starts extracting it, so after a failure the journal lists every path
 * the restore may have written (the last one possibly half-written). A restore that did not finish
 * removes them all: a tree that is only partly the entry must never look like a restored cache (the
 * job's post step would save it under the primary key, and the next job would get an exact hit).
 */
import { lstat, readFile, rmdir, unlink } from 'node:fs/promises';
import * as path from 'node:path';

const SIMPLE_ESCAPES: Record<string, number> = {
  '\\': 0x5c,
  n: 0x0a,
  t: 0x09,
  r: 0x0d,
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  v: 0x0b,
  '?': 0x3f,
  '"': 0x22,
  "'": 0x27,
};

/**
 * Decodes one name as GNU tar prints it with `--quoting-style=escape`: C escapes (`\\`, `\n`, …)
 * and `\ooo` octal bytes (what a non-UTF-8 locale prints for non-ASCII bytes); everything else is
 * the name's own bytes. The result is read as UTF-8, like the names tar archived.
 */
export function unescapeTarName(line: Buffer): string {
  const bytes: number[] = [];
  for (let i = 0; i < line.length; i++) {
    const byte = line[i];
    if (byte !== 0x5c || i + 1 >= line.length) {
      bytes.push(byte);
      continue;
    }
    const next = String.fromCharCode(line[i + 1]);
    const octal = /^[0-7]{3}$/.exec(line.subarray(i + 1, i + 4).toString('latin1'));
    if (octal) {
      bytes.push(parseInt(octal[0], 8) & 0xff);
      i += 3;
    } else if (next in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[next]);
      i += 1;
    } else {
      bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The member names in a journal, in the order tar extracted them (a missing journal: none). */
export async function readJournal(file: string): Promise<string[]> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const names: string[] = [];
  let start = 0;
  for (let i = 0; i <= content.length; i++) {
    if (i === content.length || content[i] === 0x0a) {
      if (i > start) names.push(unescapeTarName(content.subarray(start, i)));
      start = i + 1;
    }
  }
  return names;
}

export interface Removal {
  files: number;
  folders: number;
  /** Paths that could not be removed, with the reason (the tree may still be partial). */
  failed: string[];
}

/** True when `candidate` is `root` or one of its ancestors (never removed, whatever the journal says). */
function isRootOrAbove(candidate: string, root: string): boolean {
  const relative = path.relative(candidate, root);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Removes what the journal lists (resolved against the workspace as `tar -P -C workspace` does):
 * files and symbolic links are unlinked; folders, listed ones and those that only exist to hold a
 * listed path, are removed when they are empty afterwards (deepest first). The workspace, its
 * ancestors and the home folder are never removed.
 */
export async function removeJournalled(
  names: readonly string[],
  workspace: string,
  home: string,
): Promise<Removal> {
  const root = path.resolve(workspace);
  const protectedRoots = [root, path.resolve(home), path.parse(root).root];
  const folders = new Set<string>();
  const removal: Removal = { files: 0, folders: 0, failed: [] };
  const addAncestors = (target: string): void => {
    for (let dir = path.dirname(target); !protectedRoots.some((p) => isRootOrAbove(dir, p));) {
      folders.add(dir);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  };
  for (const name of new Set(names)) {
    const target = path.resolve(root, name);
    if (protectedRoots.some((p) => isRootOrAbove(target, p))) continue;
    addAncestors(target);
    let stats;
    try {
      stats = await lstat(target);
    } catch {
      continue; // listed but not created yet (tar names a member before writing it)
    }
    if (stats.isDirectory()) {
      folders.add(target);
      continue;
    }
    try {
      await unlink(target);
      removal.files += 1;
    } catch (error) {
      removal.failed.push(`${target}: ${(error as Error).message}`);
    }
  }
  const deepestFirst = [...folders].sort((a, b) => b.split(path.sep).length - a.split(path.sep).length);
  for (const folder of deepestFirst) {
    try {
      await rmdir(folder);
      removal.folders += 1;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Not empty: it holds something this restore did not write (kept), or a failed removal
      // (already reported). Gone already: fine.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT')
        removal.failed.push(`${folder}: ${(error as Error).message}`);
    }
  }
  return removal;
}
