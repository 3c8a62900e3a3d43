/**
 * Runs one command the way the benchmark measures it: wall time (monotonic clock, process start to
 * exit), CPU seconds of the process and all its children (user + system, from `/usr/bin/time`, which
 * reads the kernel's rusage of the waited-for tree), and the peak RSS (VmHWM) of the main process
 * itself, polled from /proc while it runs (`/usr/bin/time`'s maxrss is also kept: it is the largest
 * of the process and its children), and the I/O counters of the process and all its children
 * (/proc/<pid>/io).
 *
 * How the I/O of a whole process tree is read: when a parent reaps a child (wait), the kernel adds
 * the child's I/O counters, and those of the child's own reaped children, to the parent's
 * (`wait_task_zombie` adds them into the parent's signal->ioac, which /proc/<pid>/io includes). So
 * the command runs under a small bash wrapper that waits for it and then, before exiting itself,
 * has `cat` read /proc/<the wrapper's pid>/io: that is the sum over every process of the tree that
 * was waited for (node waits for its tar and zstd, tar for its children). Polling the children's
 * /proc files instead would lose what a short-lived child did after the last poll. Not counted: a
 * process that outlives its parent and is reparented to init (none of the measured commands leaves
 * one), and the wrapper's own bytes (a few hundred).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** /proc/<pid>/io of the measured tree (see above); all zero when it could not be read. */
export interface IoCounters {
  /** Bytes passed to read()-like and write()-like calls: files, pipes and sockets alike. */
  rchar: number;
  wchar: number;
  /** Number of read and write system calls (of any file descriptor). */
  syscr: number;
  syscw: number;
  /** Bytes fetched from the block device (page-cache misses). */
  readBytes: number;
  /** Bytes sent (or to be sent) to the block device: counted when a page of a file is dirtied. */
  writeBytes: number;
  /** Of writeBytes, bytes of pages truncated or deleted before they were written back. */
  cancelledWriteBytes: number;
}

const IO_FIELDS: [keyof IoCounters, string][] = [
  ['rchar', 'rchar'],
  ['wchar', 'wchar'],
  ['syscr', 'syscr'],
  ['syscw', 'syscw'],
  ['readBytes', 'read_bytes'],
  ['writeBytes', 'write_bytes'],
  ['cancelledWriteBytes', 'cancelled_write_bytes'],
];

export function parseIo(text: string): IoCounters {
  const io = Object.fromEntries(IO_FIELDS.map(([k]) => [k, 0])) as unknown as IoCounters;
  for (const [k, name] of IO_FIELDS) {
    const m = new RegExp(`^${name}: (\\d+)$`, 'm').exec(text);
    if (m) io[k] = Number(m[1]);
  }
  return io;
}

export function addIo(a: IoCounters, b: IoCounters): IoCounters {
  const sum = { ...a };
  for (const [k] of IO_FIELDS) sum[k] += b[k];
  return sum;
}

/** Runs "$@" (after the io file's name), waits for it, then reads its own io, which now holds the tree's. */
const IO_WRAPPER = '"${@:2}"; rc=$?; cat /proc/$$/io > "$1"; exit $rc';

export interface Measurement {
  seconds: number;
  cpuUser: number;
  cpuSystem: number;
  /** Peak RSS of the measured process itself (MiB); 0 when it ended before the first poll. */
  peakRssMiB: number;
  /** Largest peak RSS of the process or any child, from /usr/bin/time (MiB). */
  treeMaxRssMiB: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** CPU seconds the helper processes (S3 server, shaping proxy) spent meanwhile: the rest of the machine's load. */
  helperCpuSeconds: number;
  /** I/O of the command and all its children. */
  io: IoCounters;
}

/** The benchmark's own servers, whose CPU is recorded beside every measurement. */
const helperPids: number[] = [];
export function addHelper(pid: number | undefined): void {
  if (pid !== undefined) helperPids.push(pid);
}

let clockTicks: number | undefined;
/** user + system CPU seconds of the helpers so far, from /proc/<pid>/stat. */
export function helperCpu(): number {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  let ticks = 0;
  for (const pid of helperPids) {
    try {
      // after the command name (which may hold spaces) in parentheses: fields 14 and 15 are utime, stime
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // ended
    }
  }
  return ticks / clockTicks;
}

export const TIME_BIN = '/usr/bin/time';

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function vmHwmKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export async function measure(
  command: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const timeFile = join(dir, 'time');
  const ioFile = join(dir, 'io');
  const helpersBefore = helperCpu();
  const started = process.hrtime.bigint();
  const wrapped = ['bash', '-c', IO_WRAPPER, 'bench-io', ioFile, ...command];
  const child = spawn(TIME_BIN, ['-f', '%U %S %M', '-o', timeFile, ...wrapped], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout = (stdout + c).slice(-200_000)));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-200_000)));
  let peakKiB = 0;
  let target = 0;
  const poll = (): void => {
    // time → the io wrapper → the command (the wrapper's first child; `cat` comes only after it)
    const wrapper = !target && child.pid ? childrenOf(child.pid)[0] : undefined;
    if (wrapper) target = childrenOf(wrapper)[0] ?? 0;
    if (target) peakKiB = Math.max(peakKiB, vmHwmKiB(target));
  };
  const poller = setInterval(poll, 10);
  const timer = options.timeoutMs
    ? setTimeout(() => {
        if (target) process.kill(target, 'SIGKILL');
        child.kill('SIGKILL');
      }, options.timeoutMs)
    : undefined;
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? -1));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(poller);
  if (timer) clearTimeout(timer);
  let cpuUser = 0;
  let cpuSystem = 0;
  let treeMaxRssMiB = 0;
  try {
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const [u, s, m] = lines[lines.length - 1].split(' ').map(Number);
    cpuUser = u;
    cpuSystem = s;
    treeMaxRssMiB = m / 1024;
  } catch {
    // the time file is missing when the command could not start; exitCode says so
  }
  let io = parseIo('');
  try {
    io = parseIo(readFileSync(ioFile, 'utf8'));
  } catch {
    // the command could not start
  }
  rmSync(dir, { recursive: true, force: true });
  const helperCpuSeconds = helperCpu() - helpersBefore;
  return {
    seconds,
    cpuUser,
    cpuSystem,
    peakRssMiB: peakKiB / 1024,
    treeMaxRssMiB,
    exitCode,
    stdout,
    stderr,
    helperCpuSeconds,
    io,
  };
}
