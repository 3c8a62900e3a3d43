import path from 'node:path';
import { UsageError } from './errors';

export const COMMANDS = ['pull', 'push', 'status', 'prune'] as const;
export type Command = (typeof COMMANDS)[number];

/** Default time budgets per command (seconds). push must fit inside the ECS task's stopTimeout. */
export const DEFAULT_TIMEOUT_SECONDS: Record<Command, number> = {
  pull: 300,
  push: 90,
  status: 300,
  prune: 3600,
};
export const DEFAULT_TOOL_CACHE = '/opt/hostedtoolcache';
/** Lock and staging expiry (seconds): a killed push's lock is taken over, and its staging removed, after this. */
export const DEFAULT_LOCK_TTL_SECONDS = 60;
/** Where the tools publish their releases and checksums (push verifies against them). */
export const DEFAULT_NODE_DIST_URL = 'https://nodejs.org/dist';
export const DEFAULT_GO_DL_URL = 'https://go.dev/dl';
export const VERIFY_MODES = ['published', 'off'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];
/** How versions are kept on the root: one folder each (rsync of every file) or one archive each. */
export const LAYOUTS = ['folders', 'archive'] as const;
export type Layout = (typeof LAYOUTS)[number];
/**
 * The program's default is the folder layout: it needs nothing but rsync (the archive layout also needs tar
 * and zstd) and is the faster one on a local disk; Terraform sets `archive` for EFS, where it is several
 * times faster (runtime-sync/README.md, "Layouts").
 */
export const DEFAULT_LAYOUT: Layout = 'folders';

/** Every setting of a run, resolved once from the environment and the flags (flags win). */
export interface Settings {
  command: Command;
  /** This architecture's EFS mount (RUNTIME_SYNC_ROOT / --root). */
  root: string;
  /** The local tool cache (RUNNER_TOOL_CACHE / --tool-cache). */
  toolCache: string;
  /** Hard budget of the run in ms (RUNTIME_SYNC_TIMEOUT_SECONDS / --timeout). */
  timeoutMs: number;
  /** Whether push may write the shared cache (RUNTIME_SYNC_PUSH / --push). */
  pushEnabled: boolean;
  /** Lock and staging expiry in ms (RUNTIME_SYNC_LOCK_TTL_SECONDS / --lock-ttl). */
  lockTtlMs: number;
  /** rsync program (RUNTIME_SYNC_RSYNC / --rsync). */
  rsyncPath: string;
  /**
   * push: `published` places only versions whose content is the tool's published release, checked
   * against its published checksums; `off` places every complete version (RUNTIME_SYNC_VERIFY / --verify).
   */
  verify: VerifyMode;
  /**
   * What push writes (`folders`: `<arch>/` + marker; `archive`: `<arch>.tar.zst` + marker) and which form pull
   * prefers when the root has both; pull takes the other form when only that one is there
   * (RUNTIME_SYNC_LAYOUT / --layout).
   */
  layout: Layout;
  /** Node's release folder: `<url>/v<version>/SHASUMS256.txt` (RUNTIME_SYNC_NODE_DIST_URL / --node-dist-url). */
  nodeDistUrl: string;
  /** Go's download page: `<url>/?mode=json&include=all` (RUNTIME_SYNC_GO_DL_URL / --go-dl-url). */
  goDlUrl: string;
  /** prune: remove versions unused for more than this many days (RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS / --max-age-days). */
  maxAgeDays?: number;
  /** prune: keep the volume under this many bytes (RUNTIME_SYNC_PRUNE_MAX_SIZE / --max-size, e.g. 200G). */
  maxSizeBytes?: number;
}

export type Parsed = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; settings: Settings };

export const HELP = `Usage: runtime-sync <command> [flags]

Keeps the runner tool cache (@actions/tool-cache layout) on a shared EFS volume, one per CPU architecture.

Commands:
  pull     copy every complete tool version from the EFS root to the local tool cache (runner entrypoint)
  push     copy every complete local version the EFS root lacks to it (entrypoint exit trap)
  status   list versions on the EFS root and locally, with sizes and last use
  prune    remove versions unused for N days (--max-age-days) or beyond a size cap (--max-size)

Flags (each overrides its environment variable):
  --root DIR            RUNTIME_SYNC_ROOT             EFS mount of this architecture (required)
  --tool-cache DIR      RUNNER_TOOL_CACHE             local tool cache (default ${DEFAULT_TOOL_CACHE})
  --timeout SECONDS     RUNTIME_SYNC_TIMEOUT_SECONDS  hard budget (default pull 300, push 90, status 300, prune 3600)
  --push true|false     RUNTIME_SYNC_PUSH             false: push does nothing (default true)
  --lock-ttl SECONDS    RUNTIME_SYNC_LOCK_TTL_SECONDS lock and staging expiry (default ${DEFAULT_LOCK_TTL_SECONDS})
  --rsync PATH          RUNTIME_SYNC_RSYNC            rsync program (default rsync from PATH)
  --verify MODE         RUNTIME_SYNC_VERIFY           push: published (default; only versions that match the
                                                      tool's published release and checksums) or off
  --layout LAYOUT       RUNTIME_SYNC_LAYOUT           folders (default: one folder per version, rsync of
                                                      every file) or archive (one .tar.zst per version;
                                                      needs tar and zstd); pull reads both
  --node-dist-url URL   RUNTIME_SYNC_NODE_DIST_URL    Node releases (default ${DEFAULT_NODE_DIST_URL})
  --go-dl-url URL       RUNTIME_SYNC_GO_DL_URL        Go releases (default ${DEFAULT_GO_DL_URL})
  --max-age-days N      RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS  prune: versions unused for more than N days
  --max-size SIZE       RUNTIME_SYNC_PRUNE_MAX_SIZE   prune: size cap, bytes or with K/M/G/T (1024-based)
  -h, --help            this text
  --version             the program version

Exit codes:
  0  done; pull also exits 0 after a warning (root missing, unreadable, slow, copy failed)
  1  unexpected failure (push, status, prune)
  2  bad command line or setting
  3  the root belongs to the other CPU architecture (wrong mount)
  4  rsync is missing or older than 3.0 (archive layout: or tar, zstd missing)
  5  push or prune ran out of time or was stopped by SIGTERM/SIGINT
  6  the root is missing, unreadable or did not answer in time (push, status, prune)
  7  push: the root is mounted read-only for this runner (a reader pool); nothing was written

Every run prints one summary line on stdout: versions, files, bytes, seconds.
`;

/**
 * A non-negative number of some unit (seconds, days): fractions allowed; zero only when `allowZero`.
 * The name says the unit to the reader; the message names the setting.
 */
function positiveNumber(value: string, name: string, allowZero = false): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${value}'`,
    );
  }
  return n;
}

/**
 * The action's grammar (src/config/settings.ts), so one setting reads the same everywhere: a boolean is
 * `true` or `false` in any case. Where the action reads anything else as false, runtime-sync refuses it.
 */
function bool(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new UsageError(`${name} must be true or false, got '${value}'`);
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * A byte count in the action's grammar (src/config/settings.ts): a whole number, optionally followed by
 * K, M, G (and here T, for volume caps), with an optional `B` or `iB`; the units are 1024-based.
 */
export function parseSize(value: string, name: string): number {
  const match = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(value.trim());
  const bytes = match ? Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toLowerCase()] ?? 1) : NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(
      `${name} must be a whole number of bytes, optionally with K, M, G or T (1024-based) such as 500M, ` +
        `200G or 1T, got '${value}'`,
    );
  }
  return bytes;
}

function verifyMode(value: string): VerifyMode {
  const v = value.trim().toLowerCase();
  if ((VERIFY_MODES as readonly string[]).includes(v)) return v as VerifyMode;
  throw new UsageError(`RUNTIME_SYNC_VERIFY (--verify) must be published or off, got '${value}'`);
}

function layout(value: string): Layout {
  const v = value.trim().toLowerCase();
  if ((LAYOUTS as readonly string[]).includes(v)) return v as Layout;
  throw new UsageError(`RUNTIME_SYNC_LAYOUT (--layout) must be folders or archive, got '${value}'`);
}

function httpUrl(value: string, name: string, example: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new UsageError(`${name} must be an http(s) URL (e.g. ${example}), got '${value}'`);
  }
  return value.replace(/\/+$/, '');
}

function absoluteDir(value: string, name: string, example: string): string {
  if (!path.isAbsolute(value)) {
    throw new UsageError(`${name} must be an absolute path (e.g. ${example}), got '${value}'`);
  }
  return path.resolve(value);
}

/** One setting: its flag, its environment variable, and how its value goes into Settings. */
interface SettingSpec {
  flag: string;
  variable: string;
  /** `name` is "VARIABLE (--flag)", for messages. */
  apply(settings: Settings, value: string, name: string): void;
}

const SETTINGS: readonly SettingSpec[] = [
  {
    flag: '--root',
    variable: 'RUNTIME_SYNC_ROOT',
    apply: (s, v, name) => (s.root = absoluteDir(v, name, '/mnt/runtime-cache')),
  },
  {
    flag: '--tool-cache',
    variable: 'RUNNER_TOOL_CACHE',
    apply: (s, v, name) => (s.toolCache = absoluteDir(v, name, DEFAULT_TOOL_CACHE)),
  },
  {
    flag: '--timeout',
    variable: 'RUNTIME_SYNC_TIMEOUT_SECONDS',
    apply: (s, v, name) => (s.timeoutMs = 1000 * positiveNumber(v, name)),
  },
  { flag: '--push', variable: 'RUNTIME_SYNC_PUSH', apply: (s, v, name) => (s.pushEnabled = bool(v, name)) },
  {
    flag: '--lock-ttl',
    variable: 'RUNTIME_SYNC_LOCK_TTL_SECONDS',
    apply: (s, v, name) => (s.lockTtlMs = 1000 * positiveNumber(v, name)),
  },
  { flag: '--rsync', variable: 'RUNTIME_SYNC_RSYNC', apply: (s, v) => (s.rsyncPath = v) },
  { flag: '--verify', variable: 'RUNTIME_SYNC_VERIFY', apply: (s, v) => (s.verify = verifyMode(v)) },
  { flag: '--layout', variable: 'RUNTIME_SYNC_LAYOUT', apply: (s, v) => (s.layout = layout(v)) },
  {
    flag: '--node-dist-url',
    variable: 'RUNTIME_SYNC_NODE_DIST_URL',
    apply: (s, v, name) => (s.nodeDistUrl = httpUrl(v, name, DEFAULT_NODE_DIST_URL)),
  },
  {
    flag: '--go-dl-url',
    variable: 'RUNTIME_SYNC_GO_DL_URL',
    apply: (s, v, name) => (s.goDlUrl = httpUrl(v, name, DEFAULT_GO_DL_URL)),
  },
  {
    flag: '--max-age-days',
    variable: 'RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS',
    apply: (s, v, name) => (s.maxAgeDays = positiveNumber(v, name, true)),
  },
  {
    flag: '--max-size',
    variable: 'RUNTIME_SYNC_PRUNE_MAX_SIZE',
    apply: (s, v, name) => (s.maxSizeBytes = parseSize(v, name)),
  },
];
const BY_FLAG = new Map(SETTINGS.map((spec) => [spec.flag, spec]));

type ReadArgv =
  { kind: 'help' } | { kind: 'version' } | { kind: 'run'; command?: string; flags: Map<string, string> };

/** Splits argv into the command and flag values (`--flag value` or `--flag=value`, trimmed). */
function readArgv(argv: readonly string[]): ReadArgv {
  const flags = new Map<string, string>();
  let command: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help' || arg === 'help') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    if (!arg.startsWith('-')) {
      if (command !== undefined)
        throw new UsageError(`unexpected argument '${arg}'; see runtime-sync --help`);
      command = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!BY_FLAG.has(flag)) throw new UsageError(`unknown flag '${flag}'; see runtime-sync --help`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[(i += 1)];
    if (value === undefined) throw new UsageError(`${flag} needs a value; see runtime-sync --help`);
    if (flag === '--push' && eq < 0 && value.startsWith('-'))
      throw new UsageError(`--push needs true or false`);
    flags.set(flag, value.trim());
  }
  return { kind: 'run', command, flags };
}

function checkCommand(command: string | undefined): Command {
  if (command === undefined)
    throw new UsageError(`a command is required (${COMMANDS.join(', ')}); see --help`);
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command '${command}': use one of ${COMMANDS.join(', ')}`);
  }
  return command as Command;
}

/** Rules across settings: a root, something for prune to do, and two folders apart. */
function checkTogether(settings: Settings): void {
  if (!settings.root) {
    throw new UsageError(
      'RUNTIME_SYNC_ROOT is not set: set it (or --root) to where this architecture’s EFS volume is mounted',
    );
  }
  if (
    settings.command === 'prune' &&
    settings.maxAgeDays === undefined &&
    settings.maxSizeBytes === undefined
  ) {
    throw new UsageError(
      'prune needs --max-age-days N or --max-size SIZE (or RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS / _MAX_SIZE)',
    );
  }
  const inside = (a: string, b: string): boolean => a === b || a.startsWith(`${b}${path.sep}`);
  if (inside(settings.root, settings.toolCache) || inside(settings.toolCache, settings.root)) {
    throw new UsageError(
      `RUNTIME_SYNC_ROOT (${settings.root}) and RUNNER_TOOL_CACHE (${settings.toolCache}) must not contain each other`,
    );
  }
}

/**
 * Reads argv (without node and script) and the environment into Settings; bad input is a UsageError. Each
 * setting comes from its flag, else its variable (an empty value counts as unset), else its default.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Parsed {
  const read = readArgv(argv);
  if (read.kind !== 'run') return read;
  const command = checkCommand(read.command);
  const settings: Settings = {
    command,
    root: '',
    toolCache: DEFAULT_TOOL_CACHE,
    timeoutMs: 1000 * DEFAULT_TIMEOUT_SECONDS[command],
    pushEnabled: true,
    lockTtlMs: 1000 * DEFAULT_LOCK_TTL_SECONDS,
    rsyncPath: 'rsync',
    verify: 'published',
    layout: DEFAULT_LAYOUT,
    nodeDistUrl: DEFAULT_NODE_DIST_URL,
    goDlUrl: DEFAULT_GO_DL_URL,
  };
  for (const spec of SETTINGS) {
    const value = read.flags.get(spec.flag) || env[spec.variable];
    if (value) spec.apply(settings, value, `${spec.variable} (${spec.flag})`);
  }
  checkTogether(settings);
  return { kind: 'run', settings };
}
