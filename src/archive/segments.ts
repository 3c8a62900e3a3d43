/**
 * The segmented entry format (`tar+zstd-segments/1`): one S3 object that holds N independently
 * decodable `tar | zstd` streams, so a restore runs N `zstd -d | tar -x` pipelines at once, each fed
 * by its own ranged GETs (one `tar -x` creating 50,000 small files on one core was the restore's
 * critical path).
 *
 * Layout of the object:
 *
 *   [chunks of the segments, interleaved in the order the save produced them][index][footer]
 *
 * - The save splits the file list into N groups of about equal weight (bytes plus a cost per file),
 *   contiguous in walk order (a folder's files stay together, which keeps zstd's ratio), a hard-link
 *   group always in one group (tar stores a second link as a reference to the first, which must be
 *   in the same archive). Every folder goes into one last segment of folders only, extracted after
 *   all the others: the file segments create the folders they need, the folder segment then sets
 *   the folders' modes and modification times (which creating files inside them would have moved),
 *   and holds the empty ones.
 * - The N pipelines run at once; a segment's output is cut into chunks of about SEGMENT_CHUNK_BYTES
 *   appended to the object as they fill, so the upload streams and memory stays bounded.
 * - The index (JSON) lists for every segment its kind and its chunks as [offset, length] pairs; the
 *   footer is the index's length (4 bytes, big-endian) and FOOTER_MAGIC. The restore reads the tail
 *   of the object first, checks that the chunks and the index cover the object exactly, then
 *   streams each segment's chunks into its own pipeline.
 *
 * Integrity holds per segment: each is a zstd stream with its frame checksum, so a corrupted chunk
 * fails that segment's `zstd -d`; a missing or short one fails its ranged GET; either fails the
 * restore, which then removes what every pipeline wrote (each has its own journal).
 */
import { lstatSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { DEFAULT_DOWNLOAD_PART_SIZE } from '../config/constants';
import type { ExtractPipeline } from './pipeline';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The format recorded in the object's metadata for segmented entries. */
export const SEGMENTED_FORMAT = 'tar+zstd-segments/1';

/** Most pipelines an entry is split into: beyond 8, the restore's disk, not its cores, is the limit. */
export const MAX_SEGMENTS = 8;

/**
 * Least weight per file segment (bytes plus FILE_WEIGHT per member): below it the extra tar and
 * zstd processes (~5 ms each) and ranged GETs cost more than a second core wins. An entry lighter
 * than two of these (a 1 MiB cache, or 100 MiB of build output) stays one plain tar+zstd stream.
 */
export const MIN_SEGMENT_WEIGHT = 64 * MiB;

/**
 * What one member costs `tar -x`, in bytes of data: creating a small file took ~40 µs of CPU on
 * the benchmark machine (2.1 s for 50,000 files), writing data through zstd -d and tar ~1 µs per
 * KiB; so a file counts as 32 KiB more than its size when the groups are balanced.
 */
export const FILE_WEIGHT = 32 * KiB;

/**
 * A segment's output is appended to the object in chunks of exactly this many bytes (the last
 * smaller): the default ranged GET size, so a chunk is one GET.
 */
export const SEGMENT_CHUNK_BYTES = DEFAULT_DOWNLOAD_PART_SIZE;

/** Marks the end of a segmented entry; the 4 bytes before it are the index's length. */
export const FOOTER_MAGIC = Buffer.from('DZCSEGS1', 'latin1');
const FOOTER_BYTES = FOOTER_MAGIC.length + 4;

/** The longest index the restore accepts, bytes (a chunk is ~25 bytes of JSON; 1 MiB ~ 300 GiB). */
export const MAX_INDEX_BYTES = 1 * MiB;

export type SegmentKind = 'files' | 'folders';

export interface SegmentPlan {
  /** Member names per segment, in archive order (relative to the workspace, as tar takes them). */
  segments: { kind: SegmentKind; names: string[] }[];
  /** Bytes of file data, and members, in the whole tree. */
  bytes: number;
  members: number;
}

export interface Member {
  name: string;
  weight: number;
  /** dev:ino of a file with more than one link. */
  inode?: string;
}

/**
 * Walks the resolved paths as `tar` would (a folder with all it contains, symbolic links not
 * followed), once each; members that vanish during the walk are left out, as tar would warn.
 */
function walk(
  names: readonly string[],
  workspace: string,
): { files: Member[]; folders: string[]; bytes: number } {
  const files: Member[] = [];
  const folders: string[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  const stack = [...names].reverse();
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const absolute = path.resolve(workspace, name);
    let stats;
    try {
      stats = lstatSync(absolute);
    } catch {
      continue;
    }
    if (stats.isDirectory()) {
      folders.push(name);
      let children: string[];
      try {
        children = readdirSync(absolute);
      } catch {
        continue; // unreadable: tar -c reports it and fails the save, as without segments
      }
      const prefix = name.endsWith('/') ? name : `${name}/`;
      for (let i = children.length - 1; i >= 0; i--) stack.push(prefix + children[i]);
      continue;
    }
    const size = stats.isFile() ? stats.size : 0;
    bytes += size;
    files.push({
      name,
      weight: size + FILE_WEIGHT,
      inode: stats.isFile() && stats.nlink > 1 ? `${stats.dev}:${stats.ino}` : undefined,
    });
  }
  return { files, folders, bytes };
}

/** How many file segments: the cores, at most MAX_SEGMENTS, at least MIN_SEGMENT_WEIGHT each. */
export function segmentCount(weight: number, cores: number, requested?: number): number {
  if (requested !== undefined) return Math.max(1, Math.min(MAX_SEGMENTS, Math.floor(requested)));
  return Math.max(1, Math.min(MAX_SEGMENTS, cores, Math.floor(weight / MIN_SEGMENT_WEIGHT)));
}

/** Splits the tree into contiguous groups of about equal weight; a hard-link group stays together. */
export function partition(files: readonly Member[], count: number): string[][] {
  const groups: string[][] = Array.from({ length: count }, () => []);
  const total = files.reduce((sum, file) => sum + file.weight, 0);
  const target = total / count;
  const groupOfInode = new Map<string, number>();
  let group = 0;
  let filled = 0;
  for (const file of files) {
    const linked = file.inode === undefined ? undefined : groupOfInode.get(file.inode);
    if (linked !== undefined) {
      groups[linked].push(file.name);
      continue;
    }
    // The group where the member's middle falls: a big file is not tacked onto a full group.
    while (group < count - 1 && filled + file.weight / 2 >= target * (group + 1)) group += 1;
    groups[group].push(file.name);
    filled += file.weight;
    if (file.inode !== undefined) groupOfInode.set(file.inode, group);
  }
  return groups;
}

/**
 * The segments for the paths, or undefined when one plain stream is the better entry (fewer than
 * two file segments' worth of data, or one core).
 */
export function planSegments(
  names: readonly string[],
  workspace: string,
  cores: number,
  requested?: number,
): SegmentPlan | undefined {
  if (requested === 1 || (requested === undefined && cores < 2)) return undefined;
  const { files, folders, bytes } = walk(names, workspace);
  const weight = files.reduce((sum, file) => sum + file.weight, 0);
  const count = Math.min(segmentCount(weight, cores, requested), Math.max(1, files.length));
  if (count < 2) return undefined;
  const segments: SegmentPlan['segments'] = partition(files, count)
    .filter((group) => group.length > 0)
    .map((group) => ({ kind: 'files' as const, names: group }));
  if (folders.length > 0) segments.push({ kind: 'folders', names: folders });
  return { segments, bytes, members: files.length + folders.length };
}

export interface SegmentIndex {
  segments: { kind: SegmentKind; chunks: [number, number][] }[];
}

/** The index and footer that end a segmented entry. */
export function encodeTrailer(index: SegmentIndex): Buffer {
  const json = Buffer.from(JSON.stringify(index), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([json, length, FOOTER_MAGIC]);
}

export type TrailerRead =
  | { status: 'index'; index: SegmentIndex }
  /** The tail read was too short: read this many bytes from the end of the object. */
  | { status: 'more'; tailBytes: number };

/**
 * The index from the last bytes of an object of `size` bytes (`tail`), checked: every segment's
 * chunks lie before the index, and all chunks with the index cover the object exactly once.
 * Throws, naming the entry, when the object is not a complete segmented entry.
 */
export function readTrailer(tail: Buffer, size: number, what: string): TrailerRead {
  const broken = (why: string): Error =>
    new Error(`${what} is not a complete segmented entry (${why}); not restoring it.`);
  if (tail.length < FOOTER_BYTES || size < FOOTER_BYTES) throw broken('too short for its footer');
  if (!tail.subarray(tail.length - FOOTER_MAGIC.length).equals(FOOTER_MAGIC)) throw broken('no footer');
  const length = tail.readUInt32BE(tail.length - FOOTER_BYTES);
  if (length > MAX_INDEX_BYTES || length + FOOTER_BYTES > size) throw broken(`an index of ${length} bytes`);
  if (length + FOOTER_BYTES > tail.length) return { status: 'more', tailBytes: length + FOOTER_BYTES };
  let index: SegmentIndex;
  try {
    index = JSON.parse(
      tail.subarray(tail.length - FOOTER_BYTES - length, tail.length - FOOTER_BYTES).toString('utf8'),
    ) as SegmentIndex;
  } catch (error) {
    throw broken(`its index is not JSON: ${(error as Error).message}`);
  }
  const indexStart = size - FOOTER_BYTES - length;
  if (!Array.isArray(index?.segments) || index.segments.length === 0)
    throw broken('an index without segments');
  const chunks: [number, number][] = [];
  for (const segment of index.segments) {
    if ((segment.kind !== 'files' && segment.kind !== 'folders') || !Array.isArray(segment.chunks))
      throw broken('a segment of unknown kind');
    for (const chunk of segment.chunks) {
      if (!Array.isArray(chunk) || !chunk.every((n) => Number.isSafeInteger(n) && n >= 0))
        throw broken('a chunk that is not two offsets');
      chunks.push(chunk);
    }
  }
  chunks.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  for (const [start, length] of chunks) {
    if (start !== covered)
      throw broken(`bytes ${Math.min(start, covered)}–${Math.max(start, covered)} in no segment or in two`);
    covered = start + length;
  }
  if (covered !== indexStart) throw broken('chunks that do not end where the index starts');
  return { status: 'index', index };
}

/**
 * One stream of the segments' outputs read at once: whichever segment has SEGMENT_CHUNK_BYTES ready
 * appends exactly that many as a chunk; when all have ended, their rests and the trailer follow. The buffers
 * pass through uncopied (the uploader copies each byte once, into its part). Backpressure: every
 * segment pauses while the output is full.
 */
export function interleave(
  sources: readonly Readable[],
  kinds: readonly SegmentKind[],
  chunkBytes = SEGMENT_CHUNK_BYTES,
): Readable {
  const output = new PassThrough({ highWaterMark: 1 * MiB });
  const index: SegmentIndex = { segments: kinds.map((kind) => ({ kind, chunks: [] })) };
  const pendingData: Buffer[][] = sources.map(() => []);
  const pendingBytes = sources.map(() => 0);
  let offset = 0;
  let ended = 0;
  let failed = false;
  const flush = (segment: number): boolean => {
    let accepted = true;
    for (const buffer of pendingData[segment]) accepted = output.write(buffer) && accepted;
    if (pendingBytes[segment] > 0) index.segments[segment].chunks.push([offset, pendingBytes[segment]]);
    offset += pendingBytes[segment];
    pendingData[segment] = [];
    pendingBytes[segment] = 0;
    return accepted;
  };
  let paused = false;
  const pauseAll = (): void => {
    if (paused) return;
    paused = true;
    for (const source of sources) source.pause();
    output.once('drain', () => {
      paused = false;
      if (!failed) for (const source of sources) source.resume();
    });
  };
  sources.forEach((source, segment) => {
    source.on('data', (data: Buffer) => {
      // Chunks of exactly chunkBytes (a view of the buffer is cut, not copied): one chunk is then
      // one ranged GET of the default size; a chunk a few KiB over it cost a second, tiny GET.
      let rest = data;
      let accepted = true;
      while (pendingBytes[segment] + rest.length >= chunkBytes) {
        const take = chunkBytes - pendingBytes[segment];
        pendingData[segment].push(rest.subarray(0, take));
        pendingBytes[segment] += take;
        rest = rest.subarray(take);
        accepted = flush(segment) && accepted;
      }
      if (rest.length > 0) {
        pendingData[segment].push(rest);
        pendingBytes[segment] += rest.length;
      }
      if (!accepted) pauseAll();
    });
    source.once('error', (error) => {
      failed = true;
      output.destroy(error);
    });
    source.once('end', () => {
      ended += 1;
      if (ended < sources.length || failed) return;
      for (let s = 0; s < sources.length; s++) flush(s);
      output.end(encodeTrailer(index));
    });
  });
  return output;
}

/** Feeds one segment's compressed bytes into its pipeline (resolves once all are written). */
export type FeedSegment = (segment: number, sink: Writable) => Promise<void>;

export interface SegmentedExtraction {
  /** One journal per segment's tar -x (archive/journal.ts). */
  journals: string[];
  /** Every file segment at once, then the folder segments; rejects with the first failure. */
  done: Promise<void>;
  /** The first pipeline's own failure, once one failed (its error says more than a broken pipe). */
  failure(): unknown;
  /**
   * Stops every pipeline started (as ExtractPipeline.stop) and waits for the feeds; resolves true
   * when all exited on their own (their journals are complete).
   */
  stop(graceMs: number): Promise<boolean>;
}

/** Runs the index's segments through pipelines made by `start`, fed by `feed`. */
export function extractSegments(
  index: SegmentIndex,
  journalBase: string,
  start: (journal: string) => ExtractPipeline,
  feed: FeedSegment,
): SegmentedExtraction {
  const journals = index.segments.map((_, segment) => `${journalBase}.${segment}`);
  const started: ExtractPipeline[] = [];
  const tasks: Promise<void>[] = [];
  let stopped = false;
  const run = (segment: number): Promise<void> => {
    const pipeline = start(journals[segment]);
    started.push(pipeline);
    const task = (async () => {
      try {
        await feed(segment, pipeline.input);
        pipeline.input.end();
      } catch (error) {
        throw pipeline.failure() ?? error;
      }
      await pipeline.done;
    })();
    task.catch(() => undefined); // reported through `done`
    tasks.push(task);
    return task;
  };
  const ofKind = (kind: SegmentKind): number[] =>
    index.segments.flatMap((segment, number) => (segment.kind === kind ? [number] : []));
  const done = (async () => {
    await Promise.all(ofKind('files').map(run));
    // Folders last: their modes and times are final only once nothing is created inside them.
    for (const segment of ofKind('folders')) {
      if (stopped) throw new Error('the restore was stopped');
      await run(segment);
    }
  })();
  done.catch(() => undefined);
  return {
    journals,
    done,
    failure: () => started.map((pipeline) => pipeline.failure()).find((failure) => failure !== undefined),
    stop: async (graceMs) => {
      stopped = true;
      const exited = await Promise.all(started.map((pipeline) => pipeline.stop(graceMs)));
      await Promise.allSettled(tasks);
      return exited.every(Boolean);
    },
  };
}

/**
 * Bytes read first from the end of an entry larger than one range: a segmented entry's index and
 * footer (a 1 GiB entry's index is ~4 KiB), and the object's metadata, which says the format.
 */
export const TAIL_PROBE_BYTES = 64 * KiB;
