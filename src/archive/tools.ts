/**
 * tar and zstd, each behind a small interface. The factories check that the program exists and is
 * recent enough, and say what to install when it is not. GNU tar is required (gtar on macOS).
 */
import { execFile } from 'node:child_process';
import { ToolError } from '../errors/errors';

export interface Tar {
  readonly path: string;
  /** Arguments that write a POSIX tar of the manifest's paths (NUL-separated, relative to workspace) to stdout. */
  createArgs(workspace: string, manifestPath: string): string[];
  /** Arguments that extract a tar read from stdin into the workspace. */
  extractArgs(workspace: string): string[];
}

export interface Zstd {
  readonly path: string;
  compressArgs(level: number, threads: number): string[];
  decompressArgs(): string[];
}

function versionOf(program: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(program, ['--version'], { timeout: 10_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.toString());
    });
  });
}

export async function findTar(platform: NodeJS.Platform = process.platform): Promise<Tar> {
  const candidates = platform === 'darwin' ? ['gtar', 'tar'] : ['tar'];
  for (const program of candidates) {
    const version = await versionOf(program);
    if (version?.includes('GNU tar')) {
      return {
        path: program,
        createArgs: (workspace, manifestPath) => [
          '--posix',
          '-cf',
          '-',
          '-P',
          '-C',
          workspace,
          '--null',
          '--verbatim-files-from',
          '-T',
          manifestPath,
        ],
        extractArgs: (workspace) => ['-xf', '-', '-P', '-C', workspace],
      };
    }
  }
  const install = platform === 'darwin' ? 'brew install gnu-tar' : 'apt-get install tar (GNU tar)';
  throw new ToolError(
    `GNU tar was not found on PATH (looked for ${candidates.join(', ')}): install it (${install}).`,
  );
}

export async function findZstd(): Promise<Zstd> {
  const version = await versionOf('zstd');
  const match = version ? /v(\d+)\.(\d+)\.(\d+)/.exec(version) : null;
  if (!match) {
    throw new ToolError('zstd was not found on PATH: install it (apt-get install zstd, brew install zstd).');
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < 1 || (major === 1 && minor < 4)) {
    throw new ToolError(
      `zstd ${match[0]} is too old: version 1.4 or newer is needed (apt-get install zstd).`,
    );
  }
  return {
    path: 'zstd',
    // --check: the frame checksum, so a corrupted or truncated entry fails on restore.
    compressArgs: (level, threads) => [`-${level}`, `-T${threads}`, '--check', '-q', '-c', '-'],
    decompressArgs: () => ['-d', '-q', '-c', '-'],
  };
}

export interface ArchiveTools {
  tar: Tar;
  zstd: Zstd;
}

export async function findArchiveTools(): Promise<ArchiveTools> {
  const [tar, zstd] = await Promise.all([findTar(), findZstd()]);
  return { tar, zstd };
}
