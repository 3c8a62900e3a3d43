/**
 * tar and zstd, each behind a small interface. Finding them costs no process: the programs are
 * looked up on PATH, and their versions are only asked for when a pipeline has failed, to turn the
 * failure into "install GNU tar" or "zstd is too old" (a `--version` probe of each on every step
 * cost two process starts on the fast path). GNU tar is required (gtar on macOS).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ToolError } from '../errors/errors';

export interface Tar {
  readonly path: string;
  /**
   * Arguments that write a POSIX tar of the manifest's paths (NUL-separated, relative to workspace)
   * to stdout; with `recursive` false, only the members named (a segment's list, archive/segments.ts).
   */
  createArgs(workspace: string, manifestPath: string, recursive?: boolean): string[];
  /**
   * Arguments that extract a tar read from stdin into the workspace. `absoluteNames` (-P, as
   * upstream) lets members named `../…` or `/…` (from `~` and absolute path lines) be written where
   * they name; without it tar refuses such members (and a symbolic link out of the workspace is
   * not followed), so an entry of workspace-relative lines cannot write outside the workspace.
   */
  extractArgs(workspace: string, absoluteNames: boolean, journal?: string): string[];
}

export interface Zstd {
  readonly path: string;
  compressArgs(level: number, threads: number): string[];
  decompressArgs(): string[];
}

export interface ArchiveTools {
  tar: Tar;
  zstd: Zstd;
}

/** The first executable `name` on PATH, or undefined. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function tarInstallHint(platform: NodeJS.Platform): string {
  return platform === 'darwin' ? 'brew install gnu-tar' : 'apt-get install tar (GNU tar)';
}

const ZSTD_MISSING = 'zstd was not found on PATH: install it (apt-get install zstd, brew install zstd).';

export function findTar(platform: NodeJS.Platform = process.platform, path?: string): Tar {
  const candidates = platform === 'darwin' ? ['gtar', 'tar'] : ['tar'];
  const program = candidates.map((name) => onPath(name, path)).find((found) => found !== undefined);
  if (!program) {
    throw new ToolError(
      `GNU tar was not found on PATH (looked for ${candidates.join(', ')}): install it (${tarInstallHint(platform)}).`,
    );
  }
  return {
    path: program,
    createArgs: (workspace, manifestPath, recursive = true) => [
      '--posix',
      '-cf',
      '-',
      '-P',
      '-C',
      workspace,
      '--null',
      '--verbatim-files-from',
      ...(recursive ? [] : ['--no-recursion']),
      '-T',
      manifestPath,
    ],
    extractArgs: (workspace, absoluteNames, journal) => [
      '-xf',
      '-',
      ...(absoluteNames ? ['-P'] : []),
      '-C',
      workspace,
      // Each member's name, as its extraction starts, into the journal (archive/journal.ts).
      ...(journal ? ['-v', `--index-file=${journal}`, '--quoting-style=escape'] : []),
    ],
  };
}

export function findZstd(path?: string): Zstd {
  const program = onPath('zstd', path);
  if (!program) throw new ToolError(ZSTD_MISSING);
  return {
    path: program,
    // --check: the frame checksum, so a corrupted or truncated entry fails on restore.
    compressArgs: (level, threads) => [`-${level}`, `-T${threads}`, '--check', '-q', '-c', '-'],
    decompressArgs: () => ['-d', '-q', '-c', '-'],
  };
}

/** Both programs, or a ToolError that names the missing one and how to install it. */
export function findArchiveTools(platform: NodeJS.Platform = process.platform): ArchiveTools {
  return { tar: findTar(platform), zstd: findZstd() };
}

function versionOf(program: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(program, ['--version'], { timeout: 10_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.toString());
    });
  });
}

/** Why the tools cannot do the job, from their versions; undefined when they look fine. */
export async function toolProblem(
  tools: ArchiveTools,
  platform: NodeJS.Platform = process.platform,
): Promise<ToolError | undefined> {
  const [tarVersion, zstdVersion] = await Promise.all([
    versionOf(tools.tar.path),
    versionOf(tools.zstd.path),
  ]);
  if (!tarVersion?.includes('GNU tar')) {
    return new ToolError(
      `${tools.tar.path} is not GNU tar (${(tarVersion ?? 'no version').split('\n')[0].trim()}): install GNU tar (${tarInstallHint(platform)}).`,
    );
  }
  const match = zstdVersion ? /v(\d+)\.(\d+)\.(\d+)/.exec(zstdVersion) : null;
  if (!match) return new ToolError(ZSTD_MISSING);
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < 1 || (major === 1 && minor < 4)) {
    return new ToolError(
      `zstd ${match[0]} is too old: version 1.4 or newer is needed (apt-get install zstd).`,
    );
  }
  return undefined;
}

/** A failed pipeline's error, or the tools' own problem when that explains it better. */
export async function explainToolFailure(tools: ArchiveTools, error: unknown): Promise<unknown> {
  if (!(error instanceof ToolError)) return error;
  return (await toolProblem(tools).catch(() => undefined)) ?? error;
}
