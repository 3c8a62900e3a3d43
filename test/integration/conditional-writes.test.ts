/**
 * Entries are immutable: S3 itself refuses a second entry under a key (If-None-Match: *), two
 * concurrent saves leave one complete entry, and a failed save leaves nothing visible.
 */
import { GetObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { uploadStream } from '../../src/storage/upload';
import { createS3Client } from '../../src/storage/client';
import { listKeys, runStep, startWorld, World } from './world';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
const PART = 64 * 1024;

let world: World;
let client: S3Client;
beforeAll(async () => {
  // Small parts keep the test light: moto's minimum part size is configurable, S3's is 5 MiB.
  process.env.S3_UPLOAD_PART_MIN_SIZE = String(PART);
  world = await startWorld();
  client = createS3Client({
    bucket: world.bucket,
    region: 'eu-central-1',
    prefix: 'x',
    endpoint: world.moto.endpoint,
  });
});
afterAll(async () => {
  client.destroy();
  await world.stop();
});

async function* chunks(data: Buffer, size = 16 * 1024): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}

const target = (key: string) => ({ client, bucket: world.bucket, key, metadata: { format: 'test' } });

async function body(key: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket: world.bucket, Key: key }));
  return Buffer.from(
    await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

async function openUploads(prefix: string): Promise<number> {
  const response = await client.send(
    new ListMultipartUploadsCommand({ Bucket: world.bucket, Prefix: prefix }),
  );
  return (response.Uploads ?? []).length;
}

describe('conditional writes', () => {
  it('refuses to overwrite an existing single-part entry', async () => {
    const first = await uploadStream(chunks(Buffer.from('first')), target('c/small'), {
      partSize: PART,
      concurrency: 2,
    });
    const second = await uploadStream(chunks(Buffer.from('second')), target('c/small'), {
      partSize: PART,
      concurrency: 2,
    });
    expect(first.status).toBe('created');
    expect(second.status).toBe('exists');
    expect((await body('c/small')).toString()).toBe('first');
  });

  it('refuses to complete a multipart upload over an existing entry, and aborts it', async () => {
    const a = randomBytes(11 * PART);
    const b = randomBytes(11 * PART);
    expect(
      (await uploadStream(chunks(a), target('c/multi'), { partSize: PART, concurrency: 3 })).status,
    ).toBe('created');
    expect(
      (await uploadStream(chunks(b), target('c/multi'), { partSize: PART, concurrency: 3 })).status,
    ).toBe('exists');
    expect((await body('c/multi')).equals(a)).toBe(true);
    expect(await openUploads('c/multi')).toBe(0);
  });

  it('leaves exactly one complete entry when two multipart uploads of one key overlap', async () => {
    // Both uploads have created their multipart upload and sent every part before either completes;
    // the second CompleteMultipartUpload must then be refused (moto itself is not atomic when two
    // completes land at the very same moment, so the order of the completes is fixed here).
    const a = randomBytes(6 * PART);
    const b = randomBytes(6 * PART);
    let bReady!: () => void;
    const bReadyPromise = new Promise<void>((resolve) => (bReady = resolve));
    let aDone!: () => void;
    const aDonePromise = new Promise<void>((resolve) => (aDone = resolve));
    const first = uploadStream(chunks(a), target('c/race'), {
      partSize: PART,
      concurrency: 2,
      beforeCommit: () => bReadyPromise.then(() => 'commit' as const),
    }).finally(() => aDone());
    const second = uploadStream(chunks(b), target('c/race'), {
      partSize: PART,
      concurrency: 2,
      beforeCommit: async () => {
        bReady();
        await aDonePromise;
        return 'commit';
      },
    });
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.status)).toEqual(['created', 'exists']);
    expect((await body('c/race')).equals(a)).toBe(true);
    expect(await openUploads('c/race')).toBe(0);
  });

  it('stops before the commit when the caller decides the key exists, and aborts the multipart upload', async () => {
    const attempt = await uploadStream(chunks(randomBytes(6 * PART)), target('c/decided'), {
      partSize: PART,
      concurrency: 2,
      beforeCommit: async () => 'exists',
    });
    expect(attempt.status).toBe('exists');
    expect(await listKeys(world, 'c/decided')).toEqual([]);
    expect(await openUploads('c/decided')).toBe(0);
  });

  it('aborts the multipart upload and leaves no entry when the archive fails', async () => {
    const attempt = uploadStream(chunks(randomBytes(6 * PART)), target('c/failed'), {
      partSize: PART,
      concurrency: 2,
      beforeCommit: async () => Promise.reject(new Error('tar exited with code 2')),
    });
    await expect(attempt).rejects.toThrow('tar exited with code 2');
    expect(await listKeys(world, 'c/failed')).toEqual([]);
    expect(await openUploads('c/failed')).toBe(0);
  });

  it('two save steps of one key at once: one entry, and no step fails or warns', async () => {
    const dir = path.join(world.workspace, 'race');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'blob'), randomBytes(MiB));
    const env = { ...world.env, DAZN_CACHE_PREFIX: 'race' };
    const inputs = { path: 'race', key: 'same' };
    const steps = await Promise.all([runStep('save-only', inputs, env), runStep('save-only', inputs, env)]);
    for (const step of steps) {
      expect(step.failures).toEqual([]);
      expect(step.warnings).toEqual([]);
    }
    const infos = steps.flatMap((s) => s.infos);
    expect(infos.filter((m) => m === 'Cache saved with key: same').length).toBeGreaterThanOrEqual(1);
    expect(
      infos.filter(
        (m) => m === 'Cache saved with key: same' || m.includes('another job saved this key first'),
      ),
    ).toHaveLength(2);
    expect(await listKeys(world, 'race/')).toHaveLength(1);
  });
});
