/**
 * Runs the bundled command (runtime-sync/dist/index.js, or RUNTIME_SYNC_TEST_BUNDLE) as a real process under
 * the Node of DAZN_TEST_NODE (default: this Node), and makes temporary folders and rsync wrappers.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BUNDLE = process.env.RUNTIME_SYNC_TEST_BUNDLE ?? path.resolve(__dirname, '../../dist/index.js');
export const NODE = process.env.DAZN_TEST_NODE ?? process.execPath;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The summary line (last line of stdout). */
  summary: string;
}

export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliResult>;
}

export function startCli(
  args: string[],
  env: Record<string, string>,
  options: { uid?: number; gid?: number } = {},
): RunningCli {
  const started = Date.now();
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('RUNTIME_SYNC_')),
  );
  // The copy mechanics are tested with synthetic tool versions, which no publisher lists: verification
  // is off unless a test asks for it (test/trust.test.ts does, against a local stand-in of the publishers).
  const child = spawn(NODE, [BUNDLE, ...args], {
    env: { ...clean, RUNTIME_SYNC_VERIFY: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout.trim().split('\n');
      resolve({ code, stdout, stderr, ms: Date.now() - started, summary: lines[lines.length - 1] ?? '' });
    });
  });
  return { child, done };
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  options: { uid?: number; gid?: number } = {},
): Promise<CliResult> {
  return startCli(args, env, options).done;
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `rs-${label}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * An rsync wrapper (for RUNTIME_SYNC_RSYNC) that records each copy (its file list from stdin) in order,
 * writes its pid (= process group, runtime-sync starts rsync in its own group) to `<dir>/pid`, and can sleep
 * first (WRAP_SLEEP seconds) or limit bandwidth (WRAP_BWLIMIT, KiB/s) to make a copy slow.
 */
export function rsyncWrapper(dir: string): string {
  const file = path.join(dir, 'rsync-wrapper.sh');
  fs.writeFileSync(
    file,
    `#!/bin/bash
set -euo pipefail
if [[ "\${1:-}" == --version ]]; then exec rsync "$@"; fi
n=$(date +%s%N)
cat > "${dir}/call-$n.list"
echo "$n" >> "${dir}/calls"
echo $$ > "${dir}/pid"
if [[ -n "\${WRAP_SLEEP:-}" ]]; then sleep "$WRAP_SLEEP"; fi
extra=()
if [[ -n "\${WRAP_BWLIMIT:-}" ]]; then extra=(--bwlimit="$WRAP_BWLIMIT"); fi
exec rsync "\${extra[@]}" "$@" < "${dir}/call-$n.list"
`,
    { mode: 0o755 },
  );
  return file;
}

/**
 * A folder holding a `tar` wrapper, to put first on PATH: it writes its pid (= its process group, as
 * runtime-sync starts tar in its own group) to `<dir>/tar-pid` and, with WRAP_TAR_SLOW=create or extract,
 * makes that operation slow (GNU tar sleeps a second every few records) so a test can kill it midway; with
 * WRAP_TAR_FAIL=<text>, a --create whose arguments hold that text fails (exit 2).
 */
export function tarWrapper(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const realTar = execFileSync('bash', ['-c', 'command -v tar'], { encoding: 'utf8' }).trim();
  fs.writeFileSync(
    path.join(bin, 'tar'),
    `#!/bin/bash
echo $$ > "${dir}/tar-pid"
slow=()
case " $* " in
  *" --create "*)
    [[ "\${WRAP_TAR_SLOW:-}" == create ]] && slow=(--checkpoint=2 --checkpoint-action=sleep=1)
    if [[ -n "\${WRAP_TAR_FAIL:-}" && " $* " == *"\${WRAP_TAR_FAIL}"* ]]; then echo "tar: failing on purpose" >&2; exit 2; fi ;;
  *" -x "*) [[ "\${WRAP_TAR_SLOW:-}" == extract ]] && slow=(--checkpoint=2 --checkpoint-action=sleep=1) ;;
esac
exec "${realTar}" "\${slow[@]}" "$@"
`,
    { mode: 0o755 },
  );
  return `${bin}:${process.env.PATH ?? ''}`;
}

/** The file lists of the copies the wrapper saw, in order (NUL-separated lists split). */
export function wrapperCalls(dir: string): string[][] {
  const calls = fs.existsSync(path.join(dir, 'calls'))
    ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n')
    : [];
  return calls.map((n) =>
    fs
      .readFileSync(path.join(dir, `call-${n}.list`), 'utf8')
      .split('\0')
      .filter((s) => s !== ''),
  );
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
