import { errnoCode, errorMessage, RsyncUnavailableError } from './errors';
import { runBounded } from './process/run';

/** Oldest rsync we accept: --files-from with --from0 and --stats output as parsed here. */
export const MIN_RSYNC_VERSION: readonly [number, number, number] = [3, 0, 0];
/** How long `rsync --version` may take (ms). */
const VERSION_PROBE_TIMEOUT_MS = 10_000;

const INSTALL_HINT =
  'install rsync >= 3.0 in the runner image (Debian/Ubuntu: apt-get install -y rsync; ' +
  'Amazon Linux/RHEL: dnf install -y rsync; Alpine: apk add rsync) or set RUNTIME_SYNC_RSYNC to its path';

export interface RsyncStats {
  /** Regular files transferred. */
  files: number;
  /** Bytes of the regular files transferred. */
  bytes: number;
}

export interface CopyRequest {
  /** Folder the relative paths are taken from. */
  sourceRoot: string;
  /** Folder they are recreated under (with their relative path). */
  destRoot: string;
  /** Paths relative to sourceRoot: folders are copied recursively, symlinks as symlinks (never followed). */
  paths: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface CopyResult {
  ok: boolean;
  /** Stopped by its timeout or abort signal. */
  stopped: boolean;
  exitCode: number | null;
  stats: RsyncStats;
  /** The last lines rsync printed on stderr (for the warning). */
  errorTail: string;
  /** The full argument list used (without the file list, which goes through stdin). */
  args: readonly string[];
}

/** The small interface the commands use; `createRsync` is the only way to get one. */
export interface Rsync {
  readonly path: string;
  readonly version: string;
  copy(request: CopyRequest): Promise<CopyResult>;
}

export function parseRsyncVersion(output: string): [number, number, number] | undefined {
  const match = /version\s+v?(\d+)\.(\d+)\.(\d+)/.exec(output);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function atLeast(version: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i += 1) {
    if ((version[i] ?? 0) !== min[i]) return (version[i] ?? 0) > (min[i] ?? 0);
  }
  return true;
}

/** Numbers in --stats output carry thousands separators (',' or '.', by locale); sizes are integers. */
function statNumber(output: string, label: string): number {
  const match = new RegExp(`^${label}:\\s*([\\d.,]+)`, 'm').exec(output);
  return match?.[1] ? Number(match[1].replace(/[.,]/g, '')) : 0;
}

export function parseRsyncStats(output: string): RsyncStats {
  return {
    files: statNumber(output, 'Number of regular files transferred'),
    bytes: statNumber(output, 'Total transferred file size'),
  };
}

/**
 * Arguments of one copy: archive mode (permissions, times, symlinks as symlinks — no -L/--copy-links, so
 * a link to /etc/passwd stays a link and its target's content is never read), explicit -r because
 * --files-from turns off the recursion -a implies, and a NUL-separated file list on stdin.
 */
export function copyArgs(sourceRoot: string, destRoot: string): string[] {
  return ['-a', '-r', '--files-from=-', '--from0', '--stats', '--', `${sourceRoot}/`, `${destRoot}/`];
}

/** Checks that rsync exists and is recent enough; the error says how to install it. */
export async function createRsync(path: string): Promise<Rsync> {
  let output: string;
  try {
    const result = await runBounded(path, ['--version'], { timeoutMs: VERSION_PROBE_TIMEOUT_MS });
    if (result.code !== 0) throw new Error(`'${path} --version' exited with ${String(result.code)}`);
    output = result.stdout;
  } catch (error) {
    const why = errnoCode(error) === 'ENOENT' ? `rsync was not found at '${path}'` : errorMessage(error);
    throw new RsyncUnavailableError(`${why}: ${INSTALL_HINT}`);
  }
  const version = parseRsyncVersion(output);
  if (!version || !atLeast(version, MIN_RSYNC_VERSION)) {
    const found = version ? version.join('.') : 'an unknown version';
    throw new RsyncUnavailableError(
      `'${path}' is ${found}, older than ${MIN_RSYNC_VERSION.join('.')}: ${INSTALL_HINT}`,
    );
  }
  return {
    path,
    version: version.join('.'),
    async copy(request: CopyRequest): Promise<CopyResult> {
      const args = copyArgs(request.sourceRoot, request.destRoot);
      const list = request.paths.map((p) => `${p}\0`).join('');
      const result = await runBounded(path, args, {
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        input: list,
      });
      return {
        ok: result.code === 0 && !result.stopped,
        stopped: result.stopped,
        exitCode: result.code,
        stats: parseRsyncStats(result.stdout),
        errorTail: result.stderr.trim().split('\n').slice(-5).join(' | '),
        args,
      };
    },
  };
}
