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
  4  rsync is missing or older than 3.0
  5  push or prune ran out of time or was stopped by SIGTERM/SIGINT
  6  the root is missing, unreadable or did not answer in time (push, status, prune)
  7  push: the root is mounted read-only for this runner (a reader pool); nothing was written

Every run prints one summary line on stdout: versions, files, bytes, seconds.
`;

const FLAGS: Record<string, string> = {
  '--root': 'RUNTIME_SYNC_ROOT',
  '--tool-cache': 'RUNNER_TOOL_CACHE',
  '--timeout': 'RUNTIME_SYNC_TIMEOUT_SECONDS',
  '--push': 'RUNTIME_SYNC_PUSH',
  '--lock-ttl': 'RUNTIME_SYNC_LOCK_TTL_SECONDS',
  '--rsync': 'RUNTIME_SYNC_RSYNC',
  '--verify': 'RUNTIME_SYNC_VERIFY',
  '--node-dist-url': 'RUNTIME_SYNC_NODE_DIST_URL',
  '--go-dl-url': 'RUNTIME_SYNC_GO_DL_URL',
  '--max-age-days': 'RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS',
  '--max-size': 'RUNTIME_SYNC_PRUNE_MAX_SIZE',
};

function positiveSeconds(value: string, name: string, allowZero = false): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${value}'`,
    );
  }
  return n;
}

function bool(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new UsageError(`${name} must be true or false, got '${value}'`);
}

export function parseSize(value: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(value.trim());
  if (!match?.[1]) throw new UsageError(`${name} must be a size such as 500M, 200G or 1T, got '${value}'`);
  const power = ['', 'K', 'M', 'G', 'T'].indexOf((match[2] ?? '').toUpperCase());
  return Math.floor(Number(match[1]) * 1024 ** power);
}

function verifyMode(value: string): VerifyMode {
  const v = value.trim().toLowerCase();
  if ((VERIFY_MODES as readonly string[]).includes(v)) return v as VerifyMode;
  throw new UsageError(`RUNTIME_SYNC_VERIFY (--verify) must be published or off, got '${value}'`);
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

/** Reads argv (without node and script) and the environment into Settings; bad input is a UsageError. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Parsed {
  const values: Record<string, string | undefined> = {};
  for (const variable of Object.values(FLAGS)) values[variable] = env[variable];
  let command: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help' || arg === 'help') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    if (arg.startsWith('-')) {
      const eq = arg.indexOf('=');
      const flag = eq >= 0 ? arg.slice(0, eq) : arg;
      const variable = FLAGS[flag];
      if (!variable) throw new UsageError(`unknown flag '${flag}'; see runtime-sync --help`);
      let value = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1];
      if (eq < 0) i += 1;
      if (value === undefined) throw new UsageError(`${flag} needs a value; see runtime-sync --help`);
      if (flag === '--push' && eq < 0 && value.startsWith('-'))
        throw new UsageError(`--push needs true or false`);
      value = value.trim();
      values[variable] = value;
    } else if (command === undefined) {
      command = arg;
    } else {
      throw new UsageError(`unexpected argument '${arg}'; see runtime-sync --help`);
    }
  }
  if (command === undefined)
    throw new UsageError(`a command is required (${COMMANDS.join(', ')}); see --help`);
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command '${command}': use one of ${COMMANDS.join(', ')}`);
  }
  const cmd = command as Command;
  const rootValue = values.RUNTIME_SYNC_ROOT;
  if (!rootValue) {
    throw new UsageError(
      'RUNTIME_SYNC_ROOT is not set: set it (or --root) to where this architecture’s EFS volume is mounted',
    );
  }
  const settings: Settings = {
    command: cmd,
    root: absoluteDir(rootValue, 'RUNTIME_SYNC_ROOT (--root)', '/mnt/runtime-cache'),
    toolCache: absoluteDir(
      values.RUNNER_TOOL_CACHE || DEFAULT_TOOL_CACHE,
      'RUNNER_TOOL_CACHE (--tool-cache)',
      DEFAULT_TOOL_CACHE,
    ),
    timeoutMs:
      1000 *
      (values.RUNTIME_SYNC_TIMEOUT_SECONDS
        ? positiveSeconds(values.RUNTIME_SYNC_TIMEOUT_SECONDS, 'RUNTIME_SYNC_TIMEOUT_SECONDS (--timeout)')
        : DEFAULT_TIMEOUT_SECONDS[cmd]),
    pushEnabled: values.RUNTIME_SYNC_PUSH
      ? bool(values.RUNTIME_SYNC_PUSH, 'RUNTIME_SYNC_PUSH (--push)')
      : true,
    lockTtlMs:
      1000 *
      (values.RUNTIME_SYNC_LOCK_TTL_SECONDS
        ? positiveSeconds(values.RUNTIME_SYNC_LOCK_TTL_SECONDS, 'RUNTIME_SYNC_LOCK_TTL_SECONDS (--lock-ttl)')
        : DEFAULT_LOCK_TTL_SECONDS),
    rsyncPath: values.RUNTIME_SYNC_RSYNC || 'rsync',
    verify: values.RUNTIME_SYNC_VERIFY ? verifyMode(values.RUNTIME_SYNC_VERIFY) : 'published',
    nodeDistUrl: httpUrl(
      values.RUNTIME_SYNC_NODE_DIST_URL || DEFAULT_NODE_DIST_URL,
      'RUNTIME_SYNC_NODE_DIST_URL (--node-dist-url)',
      DEFAULT_NODE_DIST_URL,
    ),
    goDlUrl: httpUrl(
      values.RUNTIME_SYNC_GO_DL_URL || DEFAULT_GO_DL_URL,
      'RUNTIME_SYNC_GO_DL_URL (--go-dl-url)',
      DEFAULT_GO_DL_URL,
    ),
  };
  if (values.RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS) {
    settings.maxAgeDays = positiveSeconds(
      values.RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS,
      'RUNTIME_SYNC_PRUNE_MAX_AGE_DAYS (--max-age-days)',
      true,
    );
  }
  if (values.RUNTIME_SYNC_PRUNE_MAX_SIZE) {
    settings.maxSizeBytes = parseSize(
      values.RUNTIME_SYNC_PRUNE_MAX_SIZE,
      'RUNTIME_SYNC_PRUNE_MAX_SIZE (--max-size)',
    );
  }
  if (cmd === 'prune' && settings.maxAgeDays === undefined && settings.maxSizeBytes === undefined) {
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
  return { kind: 'run', settings };
}
