/**
 * Streamed upload of one entry. Parts are cut from the archive stream while compression goes on
 * and uploaded `concurrency` at a time (memory: part size x (concurrency + 1)). An entry smaller
 * than one part is a single PutObject. Both finish with If-None-Match: * so S3 itself refuses a
 * second entry under the same key; a refused write returns 'exists'. Any failure aborts the
 * multipart upload, so a failed save leaves nothing visible. Every request is bounded and retried
 * inside the step's budget; when the budget runs out the upload stops and is aborted (the abort
 * with a budget of its own, ABORT_UPLOAD_BUDGET_MS).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ABORT_UPLOAD_BUDGET_MS, DEFAULT_SAVE_STEP_TIMEOUT_MINS } from '../config/constants';
import { describeBudget, ServiceError, StepTimeoutError } from '../errors/errors';
import { isConditionalWriteRefusal, request, RequestScope } from './client';
import { Budget, withinBudget } from './retry';

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  metadata: Record<string, string>;
}

export interface UploadOptions {
  partSize: number;
  concurrency: number;
  /** Called with the size of every part once uploaded. */
  onProgress?: (bytes: number) => void;
  /**
   * Awaited after the last byte and before the entry becomes visible: `commit` makes it visible,
   * `exists` stops there (the key is taken; an open multipart upload is aborted). Throws if the
   * archive failed.
   */
  beforeCommit?: () => Promise<CommitDecision>;
  /** The step's budget and retry reporting (a budget of DEFAULT_SAVE_STEP_TIMEOUT_MINS when absent). */
  scope?: RequestScope;
}

export type CommitDecision = 'commit' | 'exists';

export interface UploadResult {
  status: 'created' | 'exists';
  /** Bytes of the entry. */
  size: number;
}

/**
 * Copies stream chunks into parts of exactly `partSize` bytes (the last may be shorter). Part buffers
 * are reused once their upload has finished (`release`): one copy per byte and no fresh allocation
 * (page faults) per part, where concatenating the chunks of every part cost a second of CPU per GB.
 */
class PartCutter {
  private current: Buffer | undefined;
  private filled = 0;
  private readonly ready: Buffer[] = [];
  private readonly spare: Buffer[] = [];

  constructor(private readonly partSize: number) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      this.current ??= this.spare.pop() ?? Buffer.allocUnsafeSlow(this.partSize);
      const copied = chunk.copy(this.current, this.filled, offset);
      offset += copied;
      this.filled += copied;
      if (this.filled === this.partSize) {
        this.ready.push(this.current);
        this.current = undefined;
        this.filled = 0;
      }
    }
  }

  get full(): boolean {
    return this.ready.length > 0;
  }

  /** A full part, or with `all` what is left (possibly empty). */
  take(all = false): Buffer {
    const part = this.ready.shift();
    if (part) return part;
    if (!all) throw new Error('PartCutter.take: no full part');
    const rest = this.current ? this.current.subarray(0, this.filled) : Buffer.alloc(0);
    this.current = undefined;
    this.filled = 0;
    return rest;
  }

  /** The part's upload has finished: its buffer may hold the next part. */
  release(part: Buffer): void {
    if (part.length === this.partSize) this.spare.push(part);
  }
}

export async function uploadStream(
  source: AsyncIterable<Buffer>,
  target: UploadTarget,
  options: UploadOptions,
): Promise<UploadResult> {
  const { client, bucket, key } = target;
  const ownBudget = options.scope
    ? undefined
    : new Budget(DEFAULT_SAVE_STEP_TIMEOUT_MINS * 60_000, 'DAZN_CACHE_STEP_TIMEOUT_MINS');
  const outer: RequestScope = options.scope ?? { budget: ownBudget as Budget };
  // This upload's requests end with the step's budget, or earlier when one of them failed for good.
  const work = outer.budget.child(outer.budget.remaining(), outer.budget.setting);
  const scope: RequestScope = { ...outer, budget: work };
  const where = `s3://${bucket}/${key}`;
  const cutter = new PartCutter(options.partSize);
  const completed: { PartNumber: number; ETag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let uploadId: string | undefined;
  let partNumber = 0;
  let size = 0;

  const launch = (body: Buffer): void => {
    partNumber += 1;
    const number = partNumber;
    const task = request(
      'S3',
      { operation: 'UploadPart', target: `${where} part ${number}` },
      scope,
      (abortSignal) =>
        client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: number,
            Body: body,
          }),
          { abortSignal },
        ),
    )
      .then((response) => {
        if (!response.ETag) throw new Error(`S3 returned no ETag for part ${number} of ${key}`);
        completed.push({ PartNumber: number, ETag: response.ETag });
        options.onProgress?.(body.length);
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        inFlight.delete(task);
        cutter.release(body);
      });
    inFlight.add(task);
  };

  const waitForSlot = async (): Promise<void> => {
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (failure) throw failure.error;
  };

  try {
    // Read by hand, each read bounded by the budget: tar | zstd making no progress (a hung file
    // system) must not outlive it either.
    const chunks = source[Symbol.asyncIterator]();
    for (;;) {
      const next = await withinBudget(
        chunks.next(),
        work,
        () => new Error('the archive (tar | zstd) made no progress before the budget ran out'),
      );
      if (next.done) break;
      const chunk = next.value;
      cutter.push(chunk);
      size += chunk.length;
      while (cutter.full) {
        if (uploadId === undefined) {
          const created = await request(
            'S3',
            { operation: 'CreateMultipartUpload', target: where },
            scope,
            (abortSignal) =>
              client.send(
                new CreateMultipartUploadCommand({
                  Bucket: bucket,
                  Key: key,
                  Metadata: target.metadata,
                  ContentType: 'application/octet-stream',
                }),
                { abortSignal },
              ),
          );
          if (!created.UploadId) throw new Error(`S3 returned no UploadId for ${key}`);
          uploadId = created.UploadId;
        }
        await waitForSlot();
        launch(cutter.take());
      }
    }
    const last = cutter.take(true);
    if (uploadId === undefined) {
      if ((await beforeCommit()) === 'exists') return { status: 'exists', size };
      await request(
        'S3',
        { operation: 'PutObject', target: where },
        scope,
        (abortSignal) =>
          client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: last,
              Metadata: target.metadata,
              ContentType: 'application/octet-stream',
              IfNoneMatch: '*',
            }),
            { abortSignal },
          ),
        isConditionalWriteRefusal,
      );
      options.onProgress?.(last.length);
      return { status: 'created', size };
    }
    if (last.length > 0) {
      await waitForSlot();
      launch(last);
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    if ((await beforeCommit()) === 'exists') {
      await abortUpload(uploadId, scope);
      return { status: 'exists', size };
    }
    completed.sort((a, b) => a.PartNumber - b.PartNumber);
    const parts = completed;
    await request(
      'S3',
      { operation: 'CompleteMultipartUpload', target: where },
      scope,
      (abortSignal) =>
        client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
            IfNoneMatch: '*',
          }),
          { abortSignal },
        ),
      isConditionalWriteRefusal,
    );
    return { status: 'created', size };
  } catch (error) {
    const expired = outer.budget.expired;
    work.cancel(); // stops the parts still in flight
    await Promise.allSettled(inFlight);
    if (uploadId !== undefined) await abortUpload(uploadId, scope);
    if (isConditionalWriteRefusal(error)) return { status: 'exists', size };
    // The budget ran out: a request that it cut short says best what was waited for.
    const reported =
      expired && !(error instanceof ServiceError) && failure?.error instanceof ServiceError
        ? failure.error
        : error;
    if (reported instanceof ServiceError) throw reported;
    if (expired) {
      throw new StepTimeoutError(
        `The save of ${where} did not finish within ${describeBudget(outer.budget.total, outer.budget.setting)}; nothing was saved` +
          (uploadId !== undefined ? ' (the multipart upload was aborted)' : '') +
          ` (${(error as Error).message}).`,
      );
    }
    throw error;
  } finally {
    work.dispose();
    ownBudget?.dispose();
  }

  /** The caller's check (archive finished, key not taken), bounded by the budget too. */
  function beforeCommit(): Promise<CommitDecision> {
    if (!options.beforeCommit) return Promise.resolve('commit');
    return withinBudget(
      options.beforeCommit(),
      work,
      () => new Error('the archive or the existence check did not finish in time'),
    );
  }

  /** Best effort, with its own budget: a failed abort leaves parts for a lifecycle rule, not a hang. */
  async function abortUpload(id: string, retry: RequestScope): Promise<void> {
    const budget = new Budget(ABORT_UPLOAD_BUDGET_MS, 'ABORT_UPLOAD_BUDGET_MS');
    try {
      await request(
        'S3',
        { operation: 'AbortMultipartUpload', target: where },
        { ...retry, budget },
        (abortSignal) =>
          client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id }), {
            abortSignal,
          }),
      );
    } catch (error) {
      retry.onRetry?.(
        `Could not abort the multipart upload of ${where} (${(error as Error).message}); its parts stay until the bucket's lifecycle rule for incomplete uploads removes them.`,
      );
    } finally {
      budget.dispose();
    }
  }
}
