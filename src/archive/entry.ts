/**
 * The archive of a save: one `tar | zstd` stream (format tar+zstd/1), or for a tree worth splitting
 * on a runner with several cores, N streams at once in the segmented format (archive/segments.ts).
 */
import type { Readable } from 'node:stream';
import { ARCHIVE_FORMAT } from '../config/constants';
import { writeManifest } from './paths';
import { createArchive, CreatePipeline } from './pipeline';
import { interleave, planSegments, SEGMENTED_FORMAT } from './segments';
import type { ArchiveTools } from './tools';

export interface EntryArchive {
  /** The entry's bytes, as they are to be uploaded. */
  output: Readable;
  /** What the object's format metadata says. */
  format: string;
  /** How many tar | zstd pipelines make it (1: the plain format). */
  pipelines: number;
  /** Resolves when every program exited successfully; rejects with the first failure. */
  done: Promise<void>;
  failure(): unknown;
  kill(): void;
  /** Removes the manifests (call once the programs have exited). */
  remove(): Promise<void>;
}

export interface EntryOptions {
  level: number;
  /** zstd threads of a single stream (0: one per core). */
  threads: number;
  /** The runner's cores (os.availableParallelism()). */
  cores: number;
  /** DAZN_CACHE_SEGMENTS: the number of file segments, overriding the choice by size and cores. */
  segments?: number;
}

export async function createEntryArchive(
  tools: ArchiveTools,
  workspace: string,
  paths: readonly string[],
  options: EntryOptions,
): Promise<EntryArchive> {
  const plan = planSegments(paths, workspace, options.cores, options.segments);
  if (!plan) {
    const manifest = await writeManifest(paths);
    const single = createArchive(tools, workspace, manifest.path, options.level, options.threads);
    return { ...single, format: ARCHIVE_FORMAT, pipelines: 1, remove: manifest.remove };
  }
  const manifests = await Promise.all(plan.segments.map((segment) => writeManifest(segment.names)));
  const fileSegments = plan.segments.filter((segment) => segment.kind === 'files').length;
  // The cores are shared between the file segments' zstd (the folder segment's is tiny).
  const threads = Math.max(1, Math.floor(options.cores / fileSegments));
  const pipelines: CreatePipeline[] = manifests.map((manifest) =>
    createArchive(tools, workspace, manifest.path, options.level, threads, false),
  );
  const done = (async () => {
    const results = await Promise.allSettled(pipelines.map((pipeline) => pipeline.done));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  })();
  done.catch(() => undefined);
  return {
    output: interleave(
      pipelines.map((pipeline) => pipeline.output),
      plan.segments.map((segment) => segment.kind),
    ),
    format: SEGMENTED_FORMAT,
    pipelines: pipelines.length,
    done,
    failure: () => pipelines.map((pipeline) => pipeline.failure()).find((failure) => failure !== undefined),
    kill: () => pipelines.forEach((pipeline) => pipeline.kill()),
    remove: async () => {
      await Promise.all(manifests.map((manifest) => manifest.remove()));
    },
  };
}
