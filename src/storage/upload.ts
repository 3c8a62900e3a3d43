/**
 * Streamed upload of one entry. Parts are cut from the archive stream while compression goes on
 * and uploaded `concurrency` at a time (memory: part size x (concurrency + 1)). An entry smaller
 * than one part is a single PutObject. Both finish with If-None-Match: * so S3 itself refuses a
 * second entry under the same key; a refused write returns 'exists'. Any failure aborts the
 * multipart upload, so a failed save leaves nothing visible.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { isConditionalWriteRefusal } from './client';

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
  /** Awaited after the last byte and before the entry becomes visible: throws if the archive failed. */
  beforeCommit?: () => Promise<void>;
}

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
    const task = client
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: number,
          Body: body,
        }),
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
    for await (const chunk of source) {
      cutter.push(chunk);
      size += chunk.length;
      while (cutter.full) {
        if (uploadId === undefined) {
          const created = await client.send(
            new CreateMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              Metadata: target.metadata,
              ContentType: 'application/octet-stream',
            }),
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
      await options.beforeCommit?.();
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: last,
          Metadata: target.metadata,
          ContentType: 'application/octet-stream',
          IfNoneMatch: '*',
        }),
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
    await options.beforeCommit?.();
    completed.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed },
        IfNoneMatch: '*',
      }),
    );
    return { status: 'created', size };
  } catch (error) {
    if (uploadId !== undefined) {
      await Promise.allSettled(inFlight);
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    }
    if (isConditionalWriteRefusal(error)) return { status: 'exists', size };
    throw error;
  }
}
