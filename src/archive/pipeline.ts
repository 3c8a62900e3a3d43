/**
 * The streams between the workspace and S3, with no archive file on disk:
 *   save:    tar -c | zstd   -> stdout read by the uploader
 *   restore: downloader -> zstd -d | tar -x
 * The two programs are connected by an OS pipe (the data never passes through Node between them).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { PassThrough, Readable, Writable } from 'node:stream';
import { ToolError } from '../errors/errors';
import { mayLeaveWorkspace } from './paths';
import type { ArchiveTools } from './tools';

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function watch(child: ChildProcess, name: string): Promise<Finished> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new ToolError(`${name} could not be started: ${error.message}`)));
    child.once('close', (code, signal) => resolve({ code, signal, stderr: stderr.trim() }));
  });
}

/** What a program's error output means for the user, when it is not self-explanatory. */
type Explain = (stderr: string) => string | undefined;

async function expectSuccess(finished: Promise<Finished>, name: string, explain?: Explain): Promise<void> {
  const { code, signal, stderr } = await finished;
  if (code !== 0) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const hint = explain?.(stderr);
    throw new ToolError(`${name} ${how}${stderr ? `: ${stderr}` : ''}${hint ? `. ${hint}` : ''}`);
  }
}

/** GNU tar without -P refuses members named `../…` (its message does not say why that matters). */
const explainExtract: Explain = (stderr) =>
  stderr.includes("Member name contains '..'")
    ? 'The entry names files outside the workspace, which path lines relative to the workspace never save (an entry made before workspace names were escaped): those files were not written. Save the cache again under a new key.'
    : undefined;

export interface Pipeline {
  /** Resolves when both programs exited successfully; rejects naming the one that failed. */
  done: Promise<void>;
  /** The failure, once `done` has rejected (lets callers report the program's error, not EPIPE). */
  failure(): unknown;
  /** Stops both programs (after a failure elsewhere). */
  kill(): void;
}

export interface CreatePipeline extends Pipeline {
  /** The compressed archive. */
  output: Readable;
}

export interface ExtractPipeline extends Pipeline {
  /** Where the compressed archive goes. */
  input: Writable;
  /**
   * Stops after a failure elsewhere by closing the input, so that zstd and tar see the end of their
   * data and exit on their own (tar flushing its journal); kills them if they have not within
   * `graceMs`. Resolves true when they exited on their own.
   */
  stop(graceMs: number): Promise<boolean>;
}

function twoProcesses(
  first: ChildProcess,
  firstName: string,
  second: ChildProcess,
  secondName: string,
  explainSecond?: Explain,
): Pipeline {
  const firstDone = watch(first, firstName);
  const secondDone = watch(second, secondName);
  // Report the upstream program's failure first: its failure usually causes the other's.
  const done = (async () => {
    const results = await Promise.allSettled([
      expectSuccess(firstDone, firstName),
      expectSuccess(secondDone, secondName, explainSecond),
    ]);
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  })();
  let failed: unknown;
  done.catch((error: unknown) => {
    failed = error;
  });
  return {
    done,
    failure: () => failed,
    kill: () => {
      for (const child of [first, second]) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        // 'close' waits until the child's output streams end; output nobody reads any more (a save
        // that failed before uploading) never ends, and with nothing else pending Node would exit
        // silently, before the warning: drop it.
        child.stdout?.destroy();
      }
    },
  };
}

export function createArchive(
  tools: ArchiveTools,
  workspace: string,
  manifestPath: string,
  level: number,
  threads: number,
  recursive = true,
): CreatePipeline {
  const tar = spawn(tools.tar.path, tools.tar.createArgs(workspace, manifestPath, recursive), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const zstd = spawn(tools.zstd.path, tools.zstd.compressArgs(level, threads), {
    stdio: [tar.stdout ?? 'ignore', 'pipe', 'pipe'],
  });
  // zstd holds its own copy of the pipe; closing ours lets tar see EPIPE if zstd dies.
  tar.stdout?.destroy();
  const pipeline = twoProcesses(tar, 'tar', zstd, 'zstd');
  // Read through a PassThrough from the start: when a child exits, Node drains (and drops) any of its
  // output streams that nobody reads yet, and the upload may start reading only after zstd is done.
  // The pipe keeps backpressure: zstd waits while the PassThrough is full.
  const output = new PassThrough({ highWaterMark: 1024 * 1024 });
  const source = zstd.stdout as Readable;
  source.on('error', (error) => output.destroy(error));
  source.pipe(output);
  return { ...pipeline, output };
}

/**
 * Extracts into the workspace; outside it only if the path lines can resolve there
 * (mayLeaveWorkspace). With `journal`, tar lists each member there as it extracts it.
 */
export function extractArchive(
  tools: ArchiveTools,
  workspace: string,
  pathLines: readonly string[],
  journal?: string,
): ExtractPipeline {
  const zstd = spawn(tools.zstd.path, tools.zstd.decompressArgs(), { stdio: ['pipe', 'pipe', 'pipe'] });
  const tar = spawn(tools.tar.path, tools.tar.extractArgs(workspace, mayLeaveWorkspace(pathLines), journal), {
    stdio: [zstd.stdout ?? 'ignore', 'ignore', 'pipe'],
  });
  zstd.stdout?.destroy();
  const pipeline = twoProcesses(zstd, 'zstd -d', tar, 'tar -x', explainExtract);
  const input = zstd.stdin as Writable;
  input.on('error', () => undefined); // EPIPE when zstd stops early: reported through `done`
  const stop = async (graceMs: number): Promise<boolean> => {
    input.end();
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      pipeline.done.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!exited) {
      pipeline.kill();
      await pipeline.done.catch(() => undefined);
    }
    return exited;
  };
  return { ...pipeline, input, stop };
}
