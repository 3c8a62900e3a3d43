/**
 * The archive form of a version: `<arch>/` as one `tar --format=posix` stream compressed by zstd, built by
 * push and checked member by member by pull before it is extracted. tar and zstd run like rsync does: each
 * in its own process group, bounded by the run's budget (process/run.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArchiveToolsUnavailableError, errnoCode, errorMessage } from '../errors';
import { runBounded, startBounded } from '../process/run';

/** How long `tar --version` and `zstd --version` may take (ms). */
const VERSION_PROBE_TIMEOUT_MS = 10_000;
/** zstd level 3 (its default speed/ratio point) on every core. */
const ZSTD_ARGS = ['-3', '-T0', '-q', '-c'];
/** Fixed locale: tar's listing (dates, quoting) is parsed. */
const TAR_ENV = { ...process.env, LC_ALL: 'C' };
export const ARCHIVE_TOOLS_HINT =
  'install GNU tar and zstd in the runner image (Debian/Ubuntu: apt-get install -y tar zstd; ' +
  'Amazon Linux/RHEL: dnf install -y tar zstd) or set RUNTIME_SYNC_LAYOUT=folders';

export interface Bounds {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Checks that GNU tar (for --zstd and its listing format) and zstd are there; the error says how to install them. */
export async function checkArchiveTools(): Promise<void> {
  const probe = async (program: string, expect: RegExp): Promise<void> => {
    let output = '';
    try {
      const run = await runBounded(program, ['--version'], { timeoutMs: VERSION_PROBE_TIMEOUT_MS });
      output = run.code === 0 ? run.stdout : '';
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
    if (!expect.test(output)) {
      throw new ArchiveToolsUnavailableError(
        `the archive layout needs ${program === 'tar' ? 'GNU tar' : program}, which was not found or did not ` +
          `answer --version as expected: ${ARCHIVE_TOOLS_HINT}`,
      );
    }
  };
  await Promise.all([probe('tar', /GNU tar/), probe('zstd', /zstd|Zstandard/i)]);
}

export interface TreeCount {
  /** Entries that are not folders (files, symlinks). */
  files: number;
  /** Their sizes (lstat: a symlink counts its target's length). */
  bytes: number;
}

/** Counts a tree without following symlinks, the way the root scan sizes a folder. */
export async function countTree(dir: string): Promise<TreeCount> {
  const acc: TreeCount = { files: 0, bytes: 0 };
  const walk = async (p: string): Promise<void> => {
    for (const entry of await fsp.readdir(p, { withFileTypes: true })) {
      const full = path.join(p, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        acc.files += 1;
        acc.bytes += (await fsp.lstat(full)).size;
      }
    }
  };
  await walk(dir);
  return acc;
}

function failure(program: string, run: { code: number | null; stderr: string; stopped: boolean }): string {
  return run.stopped
    ? `${program} was stopped (time budget or signal)`
    : `${program} exited ${String(run.code)}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`;
}

export class ArchiveStoppedError extends Error {}

/**
 * `tar --create --format=posix --numeric-owner -C <parent> <arch>` piped through `zstd -3 -T0` into
 * outFile (created, never overwritten), hashed while it is written. Hard links are stored as copies (pull
 * accepts files, folders and symlinks only). Throws ArchiveStoppedError when the budget stopped it.
 */
export async function createArchive(
  parent: string,
  arch: string,
  outFile: string,
  bounds: Bounds,
): Promise<{ sha256: string; size: number }> {
  const tar = startBounded(
    'tar',
    [
      '--create',
      '--format=posix',
      '--numeric-owner',
      '--hard-dereference',
      '--pax-option=delete=atime,delete=ctime',
      '-C',
      parent,
      '-f',
      '-',
      arch,
    ],
    { ...bounds, stdout: 'stream', env: TAR_ENV },
  );
  if (!tar.child.stdout) throw new Error('tar has no stdout');
  const zstd = startBounded('zstd', ZSTD_ARGS, { ...bounds, stdin: tar.child.stdout, stdout: 'stream' });
  if (!zstd.child.stdout) throw new Error('zstd has no stdout');
  const hash = createHash('sha256');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const written = pipeline(zstd.child.stdout, hashing, createWriteStream(outFile, { flags: 'wx' }));
  const [tarRun, zstdRun, write] = await Promise.allSettled([tar.done, zstd.done, written]);
  for (const run of [tarRun, zstdRun]) if (run.status === 'rejected') throw run.reason;
  const t = (tarRun as PromiseFulfilledResult<Awaited<typeof tar.done>>).value;
  const z = (zstdRun as PromiseFulfilledResult<Awaited<typeof zstd.done>>).value;
  if (t.stopped || z.stopped) throw new ArchiveStoppedError(failure('tar | zstd', { ...t, stopped: true }));
  if (t.code !== 0) throw new Error(failure('tar', t));
  if (z.code !== 0) throw new Error(failure('zstd', z));
  if (write.status === 'rejected') throw new Error(`writing ${outFile}: ${errorMessage(write.reason)}`);
  return { sha256: hash.digest('hex'), size };
}

/** SHA-256 (hex) and size of a file. */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The text of a C-quoted string starting at line[start] (a `"`), escapes kept as written, and its end. */
function quoted(line: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  for (let i = start + 1; i < line.length; i += 1) {
    const c = line[i] ?? '';
    if (c === '\\') {
      text += c + (line[i + 1] ?? '');
      i += 1;
    } else if (c === '"') return { text, end: i };
    else text += c;
  }
  return undefined;
}

/** Member types pull accepts (the first letter of `tar -tv`): regular file, folder, symlink. */
const ACCEPTED_TYPES = new Set(['-', 'd', 'l']);

/**
 * Why one line of `tar -tv --quoting-style=c` is refused, or undefined: only files, folders and symlinks,
 * each under `<arch>/` (not absolute, no `..`, no other top name) and not below a symlink of the archive
 * (a member written through a link would land outside the folder).
 */
export function refuseMember(line: string, arch: string, links: Set<string>): string | undefined {
  const start = line.indexOf('"');
  const name = start >= 0 ? quoted(line, start)?.text : undefined;
  if (name === undefined) return `unreadable listing line '${line}'`;
  const type = line[0] ?? '';
  if (!ACCEPTED_TYPES.has(type)) return `${name}: not a file, folder or symlink (type '${type}')`;
  if (name.startsWith('/')) return `${name}: an absolute name`;
  const parts = name.split('/');
  if (parts[parts.length - 1] === '') parts.pop();
  if (parts[0] !== arch) return `${name}: not under ${arch}/`;
  if (parts.some((p) => p === '..' || p === '.' || p === ''))
    return `${name}: a '..', '.' or empty component`;
  for (let i = 2; i < parts.length; i += 1) {
    if (links.has(parts.slice(0, i).join('/')))
      return `${name}: below the symlink ${parts.slice(0, i).join('/')}`;
  }
  if (type === 'l') links.add(parts.join('/'));
  return undefined;
}

/** Lists the archive's members (`tar --zstd -tv`) and returns why it is refused, or undefined when every one passes. */
export async function refuseArchive(file: string, arch: string, bounds: Bounds): Promise<string | undefined> {
  const listing = startBounded(
    'tar',
    ['--zstd', '-t', '-v', '--numeric-owner', '--quoting-style=c', '-f', file],
    { ...bounds, stdout: 'stream', env: TAR_ENV },
  );
  if (!listing.child.stdout) throw new Error('tar has no stdout');
  const links = new Set<string>();
  let refused: string | undefined;
  let members = 0;
  const lines = createInterface({ input: listing.child.stdout, crlfDelay: Infinity });
  const reading = (async () => {
    for await (const line of lines) {
      members += 1;
      refused ??= refuseMember(line, arch, links);
    }
  })();
  const [run] = await Promise.all([listing.done, reading]);
  if (run.code !== 0 || run.stopped) return `listing failed: ${failure('tar', run)}`;
  if (members === 0) return 'the archive is empty';
  return refused;
}

/** Extracts into dest (an empty private folder): modes kept, owner the extracting user. */
export async function extractArchive(
  file: string,
  dest: string,
  bounds: Bounds,
): Promise<string | undefined> {
  const run = await runBounded(
    'tar',
    ['--zstd', '-x', '-p', '--no-same-owner', '--delay-directory-restore', '-f', file, '-C', dest],
    { ...bounds, env: TAR_ENV },
  );
  return run.code === 0 && !run.stopped ? undefined : `extraction failed: ${failure('tar', run)}`;
}
