import { ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** After SIGTERM, how long a process group gets before SIGKILL (ms). rsync removes its temp files on TERM. */
const KILL_GRACE_MS = 1_000;
/** After SIGKILL, how long we wait for the exit event before giving up on it (ms): a process stuck in an
 * uninterruptible NFS call cannot die, and must not hold the run past its budget. */
const EXIT_WAIT_MS = 500;
/** Output kept per stream (characters, the tail): rsync may print an error per file. */
const OUTPUT_LIMIT = 256 * 1024;

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  input?: string | Buffer;
  /** Another program's output, piped into this one's stdin (a pipeline of bounded programs). */
  stdin?: Readable;
  /**
   * `stream`: stdout is left to the caller (`child.stdout`, e.g. piped into another program or a file)
   * instead of keeping its tail in the result.
   */
  stdout?: 'tail' | 'stream';
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Stopped by the timeout or the abort signal. */
  stopped: boolean;
}

export interface Running {
  child: ChildProcess;
  done: Promise<RunResult>;
}

function appendTail(current: string, chunk: Buffer): string {
  const next = current + chunk.toString('utf8');
  return next.length > OUTPUT_LIMIT ? next.slice(next.length - OUTPUT_LIMIT) : next;
}

/**
 * Starts a program in its own process group. On timeout or abort the whole group gets SIGTERM, then
 * SIGKILL, and `done` resolves without waiting for a child stuck in the kernel. `done` rejects only when
 * the program cannot be started (e.g. ENOENT).
 */
export function startBounded(file: string, args: readonly string[], options: RunOptions): Running {
  const piped = options.input !== undefined || options.stdin !== undefined;
  const child = spawn(file, args, {
    detached: true,
    stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  const done = new Promise<RunResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let stopped = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (code: number | null): void => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      options.signal?.removeEventListener('abort', stop);
      resolve({ code, stdout, stderr, stopped });
    };
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    function stop(): void {
      if (stopped || settled) return;
      stopped = true;
      killGroup('SIGTERM');
      timers.push(
        setTimeout(() => {
          killGroup('SIGKILL');
          child.unref();
          timers.push(setTimeout(() => finish(null), EXIT_WAIT_MS));
        }, KILL_GRACE_MS),
      );
    }
    if (options.stdout !== 'stream')
      child.stdout?.on('data', (c: Buffer) => (stdout = appendTail(stdout, c)));
    child.stderr?.on('data', (c: Buffer) => (stderr = appendTail(stderr, c)));
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      options.signal?.removeEventListener('abort', stop);
      reject(error);
    });
    child.on('close', (code) => finish(code));
    if (piped && child.stdin) {
      child.stdin.on('error', () => undefined); // the program may exit without reading all of it
      if (options.stdin) options.stdin.pipe(child.stdin);
      else child.stdin.end(options.input);
    }
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
    timers.push(setTimeout(stop, Math.max(0, options.timeoutMs)));
  });
  return { child, done };
}

/** Runs a program in its own process group (see startBounded) and returns its exit code and output. */
export function runBounded(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return startBounded(file, args, options).done;
}
