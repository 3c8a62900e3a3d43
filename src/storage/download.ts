/**
 * Download of one entry into a writable stream (zstd's stdin). An entry of at most one part is a
 * single GET; larger ones are parallel ranged GETs, at most `concurrency` ahead of the writer and
 * written in order (memory: part size x concurrency). A range that stalls is aborted and retried
 * with backoff; the whole download has a deadline (SEGMENT_DOWNLOAD_TIMEOUT_MINS, or what is left of
 * the step's budget if that is less) after which it fails with DownloadTimeoutError. A range that
 * fails for good fails the download with a ServiceError naming the range, the attempts and the cause.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { DEFAULT_REQUEST_TIMEOUT_MS, RANGE_MAX_ATTEMPTS } from '../config/constants';
import { describeBudget, DownloadTimeoutError, ServiceError } from '../errors/errors';
import { describeFacts, errorFacts } from '../errors/facts';
import { backoffDelay, Budget, Sleep, realSleep } from './retry';

export interface DownloadSource {
  client: S3Client;
  bucket: string;
  key: string;
  size: number;
  etag?: string;
  /** Checks the object's metadata on every response (e.g. the archive format); throw to refuse it. */
  checkMetadata?: (metadata: Record<string, string> | undefined) => void;
  /**
   * The bytes to write, in this order, as [start, length] pairs (one segment of a segmented entry,
   * or the index at its end); each is fetched in GETs of at most the part size. Absent: the whole
   * object.
   */
  ranges?: readonly (readonly [number, number])[];
}

/** One ranged GET: bytes start..end inclusive, as the Range header counts them. */
interface Piece {
  start: number;
  end: number;
}

/** The GETs that fetch `ranges` (or the whole object), none longer than `partSize`. */
export function piecesOf(
  size: number,
  partSize: number,
  ranges?: readonly (readonly [number, number])[],
): Piece[] {
  // The whole of an empty object is still one GET (whose body is empty).
  if (ranges === undefined && size === 0) return [{ start: 0, end: -1 }];
  const pieces: Piece[] = [];
  for (const [start, length] of ranges ?? [[0, size]]) {
    if (start < 0 || length < 0 || start + length > size)
      throw new Error(`range ${start}+${length} lies outside the object's ${size} bytes`);
    for (let offset = start; offset < start + length; offset += partSize)
      pieces.push({ start: offset, end: Math.min(start + length, offset + partSize) - 1 });
  }
  return pieces;
}

/** The entry itself is unusable: retrying cannot help. */
export class EntryRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EntryRefusedError';
  }
}

export interface DownloadOptions {
  partSize: number;
  concurrency: number;
  /** SEGMENT_DOWNLOAD_TIMEOUT_MINS, milliseconds. */
  deadlineMs: number;
  /** The step's budget: the download ends with it if that comes first. */
  budget?: Budget;
  /** A range that receives no byte for this long is aborted and retried (the request timeout). */
  stallTimeoutMs?: number;
  maxAttempts?: number;
  sleep?: Sleep;
  onProgress?: (bytes: number) => void;
  onRetry?: (message: string) => void;
}

interface SdkError {
  name?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** 4xx other than timeouts and throttling will fail again: do not retry them. */
function isPermanent(error: unknown): boolean {
  const status = (error as SdkError | undefined)?.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Writes the chunks of one range (not joined: that would copy every byte once more) and waits while
 * the sink is full. A sink that is closed already (its program exited: another segment failed) fails
 * the write at once: it would never emit 'drain' or 'close' again, and with the deadline timer unref'd
 * nothing would keep the process alive, so it would exit mid-restore without cleaning up.
 */
export async function writeInOrder(sink: Writable, data: Buffer[], deadline: AbortSignal): Promise<void> {
  const stopped = (): Error => new Error('the archive reader stopped');
  if (sink.destroyed || sink.writableEnded) throw stopped();
  let accepted = true;
  for (const chunk of data) accepted = sink.write(chunk);
  if (accepted) return;
  if (sink.destroyed || sink.writableEnded) throw stopped();
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  deadline.addEventListener('abort', onAbort);
  try {
    const { signal } = controller;
    await Promise.race([
      once(sink, 'drain', { signal }),
      once(sink, 'error', { signal }).then(([error]) => Promise.reject(error as Error)),
      once(sink, 'close', { signal }).then(() => Promise.reject(stopped())),
    ]);
  } finally {
    deadline.removeEventListener('abort', onAbort);
    controller.abort();
  }
}

export async function downloadToStream(
  sink: Writable,
  source: DownloadSource,
  options: DownloadOptions,
): Promise<void> {
  const stallMs = options.stallTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxAttempts = options.maxAttempts ?? RANGE_MAX_ATTEMPTS;
  const sleep = options.sleep ?? realSleep;
  const pieces = piecesOf(source.size, options.partSize, source.ranges);
  const partCount = pieces.length;
  // One GET of the whole object needs no Range header (and works for an empty object).
  const whole = partCount === 1 && pieces[0].start === 0 && pieces[0].end === source.size - 1;
  const budgetFirst = options.budget !== undefined && options.budget.remaining() < options.deadlineMs;
  const deadlineMs = budgetFirst ? (options.budget as Budget).remaining() : options.deadlineMs;
  const deadline = new AbortController();
  let timedOut = false;
  const deadlineTimer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, deadlineMs);
  deadlineTimer.unref();
  const timeoutError = (): DownloadTimeoutError =>
    new DownloadTimeoutError(
      `Downloading s3://${source.bucket}/${source.key} did not finish within ` +
        (budgetFirst
          ? describeBudget((options.budget as Budget).total, (options.budget as Budget).setting)
          : describeBudget(options.deadlineMs, 'SEGMENT_DOWNLOAD_TIMEOUT_MINS')) +
        '; treating it as a cache miss.',
    );
  const rangeName = (index: number): string => {
    if (whole) return `s3://${source.bucket}/${source.key}`;
    const { start, end } = pieces[index];
    return `s3://${source.bucket}/${source.key} bytes ${start}-${end} (part ${index + 1} of ${partCount})`;
  };

  const fetchOnce = async (index: number): Promise<Buffer[]> => {
    const { start, end } = pieces[index];
    const attempt = new AbortController();
    const onDeadline = (): void => attempt.abort();
    deadline.signal.addEventListener('abort', onDeadline);
    let body: Readable | undefined;
    const stallTimer = setTimeout(() => {
      attempt.abort();
      body?.destroy(new Error(`no data for ${stallMs} ms`));
    }, stallMs);
    let received = 0;
    try {
      const response = await source.client.send(
        new GetObjectCommand({
          Bucket: source.bucket,
          Key: source.key,
          Range: whole ? undefined : `bytes=${start}-${end}`,
          IfMatch: source.etag,
        }),
        { abortSignal: attempt.signal },
      );
      body = response.Body as Readable;
      try {
        source.checkMetadata?.(response.Metadata);
      } catch (error) {
        body.destroy();
        throw new EntryRefusedError((error as Error).message);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of body) {
        const data = chunk as Buffer;
        chunks.push(data);
        received += data.length;
        options.onProgress?.(data.length);
        stallTimer.refresh();
      }
      const expected = end - start + 1;
      if (received !== expected) {
        throw new Error(`range ${start}-${end} of ${source.key}: got ${received} of ${expected} bytes`);
      }
      return chunks;
    } catch (error) {
      options.onProgress?.(-received);
      throw error;
    } finally {
      clearTimeout(stallTimer);
      deadline.signal.removeEventListener('abort', onDeadline);
    }
  };

  const fetchPart = async (index: number): Promise<Buffer[]> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await fetchOnce(index);
      } catch (error) {
        if (deadline.signal.aborted) throw timeoutError();
        if (error instanceof EntryRefusedError) throw error;
        if (attempt >= maxAttempts || isPermanent(error)) {
          const facts = errorFacts(error);
          throw new ServiceError(
            {
              service: 'S3',
              operation: 'GetObject',
              purpose: 'the download of the entry',
              target: rangeName(index),
              status: facts.status,
              code: facts.code,
              attempts: attempt,
              cause: facts.cause,
            },
            { cause: error },
          );
        }
        const delay = backoffDelay(attempt);
        options.onRetry?.(
          `S3 GetObject of ${rangeName(index)} failed (${describeFacts(errorFacts(error))}); retry ${attempt} in ${delay} ms`,
        );
        await sleep(delay, deadline.signal);
        if (deadline.signal.aborted) throw timeoutError();
      }
    }
  };

  const pending = new Map<number, Promise<Buffer[]>>();
  let launched = 0;
  const fill = (written: number): void => {
    while (launched < partCount && launched < written + options.concurrency) {
      const task = fetchPart(launched);
      task.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
      pending.set(launched, task);
      launched += 1;
    }
  };
  try {
    for (let index = 0; index < partCount; index += 1) {
      fill(index);
      const task = pending.get(index) as Promise<Buffer[]>;
      pending.delete(index);
      const data = await task;
      await writeInOrder(sink, data, deadline.signal);
      if (deadline.signal.aborted) throw timeoutError();
    }
  } catch (error) {
    const cause = timedOut ? timeoutError() : error;
    deadline.abort();
    await Promise.allSettled(pending.values());
    throw cause;
  } finally {
    clearTimeout(deadlineTimer);
  }
}

/** The given ranges (or the whole object) as one buffer: for small reads (an entry's index, a small entry). */
export async function downloadToBuffer(source: DownloadSource, options: DownloadOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  await downloadToStream(sink, source, options);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
