/**
 * The baselines' S3 transfers, each run as its own process so its CPU and memory are measured alone:
 * an SDK multipart upload of a finished archive file (what actions/cache's S3 forks do after `tar`),
 * and an SDK download of an object to a file (or to nowhere) with a single GET stream.
 * Like the action, they use checksums only WHEN_REQUIRED (the benchmark server does not verify them,
 * and real S3 over HTTPS signs with UNSIGNED-PAYLOAD, so this keeps the comparison fair).
 */
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

export function benchClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: process.env.DAZN_CACHE_REGION ?? 'eu-central-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const s3 = benchClient(endpoint);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
}

export async function uploadFile(
  endpoint: string,
  bucket: string,
  key: string,
  file: string,
  partSize = 16 * 1024 * 1024,
  queueSize = 4,
): Promise<void> {
  const s3 = benchClient(endpoint);
  try {
    await new Upload({
      client: s3,
      params: { Bucket: bucket, Key: key, Body: createReadStream(file, { highWaterMark: 1024 * 1024 }) },
      partSize,
      queueSize,
    }).done();
  } finally {
    s3.destroy();
  }
}

/** One GET, streamed to `file`, or discarded when `file` is `-`. Returns the bytes received. */
export async function downloadFile(
  endpoint: string,
  bucket: string,
  key: string,
  file: string,
): Promise<number> {
  const s3 = benchClient(endpoint);
  try {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    let bytes = 0;
    const body = answer.Body as Readable;
    body.on('data', (c: Buffer) => (bytes += c.length));
    const sink =
      file === '-'
        ? new Writable({
            write: (_c, _e, cb) => cb(),
          })
        : createWriteStream(file);
    await pipeline(body, sink);
    return bytes;
  } finally {
    s3.destroy();
  }
}
