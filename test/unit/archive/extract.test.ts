/**
 * Restore writes outside the workspace only for path lines that can resolve there: real GNU tar and
 * zstd extract hostile entries (a `../` member, a symbolic link out of the workspace followed by a
 * member under it) made the way the old unescaped workspace made them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { extractArchive } from '../../../src/archive/pipeline';
import { findArchiveTools } from '../../../src/archive/tools';

const TIMEOUT_MS = 30_000;

let root: string;
let workspace: string;
let sibling: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'extract-'));
  workspace = path.join(root, 'proj[1]');
  sibling = path.join(root, 'proj1');
  mkdirSync(workspace);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A zstd-compressed POSIX tar of `names`, made with -P in `from` (members keep `../`). */
function archive(from: string, names: string[]): Buffer {
  const tar = spawnSync('tar', ['--posix', '-cf', '-', '-P', ...names], { cwd: from, timeout: TIMEOUT_MS });
  expect(tar.status).toBe(0);
  const zstd = spawnSync('zstd', ['-q', '-c'], { input: tar.stdout, timeout: TIMEOUT_MS });
  expect(zstd.status).toBe(0);
  return zstd.stdout;
}

async function extract(bytes: Buffer, pathLines: string[]): Promise<unknown> {
  const pipeline = extractArchive(findArchiveTools(), workspace, pathLines);
  pipeline.input.end(bytes);
  return pipeline.done.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** Every path under the root, relative to it (folders too). */
function tree(): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}

describe('extracting an entry', () => {
  /** The entry the unescaped `proj[1]/data/*.txt` saved: its own file and the sibling's. */
  function poisoned(): Buffer {
    const source = mkdtempSync(path.join(root, 'src-'));
    for (const file of ['proj[1]/data/own.txt', 'proj1/data/SIBLING.txt']) {
      mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
      writeFileSync(path.join(source, file), file);
    }
    const bytes = archive(path.join(source, 'proj[1]'), ['data/own.txt', '../proj1/data/SIBLING.txt']);
    rmSync(source, { recursive: true, force: true });
    return bytes;
  }

  it('refuses a `../` member when every path line is in the workspace, and writes nothing outside', async () => {
    const error = await extract(poisoned(), ['data/*.txt']);
    expect(String(error)).toContain("Member name contains '..'");
    expect(String(error)).toContain('The entry names files outside the workspace');
    expect(existsSync(sibling)).toBe(false);
    expect(tree()).toEqual(['proj[1]', 'proj[1]/data', 'proj[1]/data/own.txt']);
  });

  it('writes a `../` member where it names when a ~ or absolute line may put it there (as upstream, -P)', async () => {
    expect(await extract(poisoned(), ['data/*.txt', '/opt/tool'])).toBeUndefined();
    expect(existsSync(path.join(sibling, 'data', 'SIBLING.txt'))).toBe(true);
  });

  it('does not follow a symbolic link out of the workspace for a member under it', async () => {
    const source = mkdtempSync(path.join(root, 'src-'));
    mkdirSync(path.join(source, 'ws'));
    mkdirSync(path.join(source, 'real'));
    writeFileSync(path.join(source, 'real', 'x.txt'), 'x');
    symlinkSync('../proj1/data', path.join(source, 'ws', 'data'));
    // `data` (the link) then `data/x.txt`, as a tree holding both would be archived
    const tar = spawnSync(
      'sh',
      ['-c', 'tar --posix -cf - data -C ../real --transform "s,^x[.]txt$,data/x.txt," x.txt | zstd -q -c'],
      { cwd: path.join(source, 'ws'), timeout: TIMEOUT_MS },
    );
    expect(tar.status).toBe(0);
    rmSync(source, { recursive: true, force: true });
    mkdirSync(path.join(sibling, 'data'), { recursive: true });

    const error = await extract(tar.stdout, ['data', 'data/*.txt']);
    expect(String(error)).toContain('data/x.txt: Cannot open: Not a directory');
    expect(readdirSync(path.join(sibling, 'data'))).toEqual([]);
  });
});
