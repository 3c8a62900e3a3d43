/**
 * The benchmark's own tools, through real components: its S3 server answers object tagging as S3
 * does (the restore's last-access record) and refuses what it does not implement instead of serving
 * the object's bytes, and its measurement sums the I/O of a whole process tree.
 */
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startS3Server, S3Server } from '../../bench/lib/s3-server';
import { measure } from '../../bench/lib/measure';
import { benchClient, createBucket } from '../../bench/lib/sdk-tools';

describe('the benchmark S3 server', () => {
  let dir: string;
  let server: S3Server;
  let s3: S3Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-s3-'));
    server = await startS3Server({ dir });
    await createBucket(server.endpoint, 'b');
    s3 = benchClient(server.endpoint);
  });
  afterAll(async () => {
    s3.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps tags beside the object and leaves its bytes alone', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'entry', Body: body }));
    const empty = await s3.send(new GetObjectTaggingCommand({ Bucket: 'b', Key: 'entry' }));
    expect(empty.TagSet).toEqual([]);
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: 'b',
        Key: 'entry',
        Tagging: { TagSet: [{ Key: 'last-access', Value: '2026-12-02' }] },
      }),
    );
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'b', Key: 'entry' }));
    expect(tags.TagSet).toEqual([{ Key: 'last-access', Value: '2026-12-02' }]);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'entry' }));
    expect(
      Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()),
    ).toEqual(body);
  });

  it('refuses more than 10 tags, as S3 does', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'many', Body: 'x' }));
    const TagSet = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(
      s3.send(new PutObjectTaggingCommand({ Bucket: 'b', Key: 'many', Tagging: { TagSet } })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a subresource it does not implement instead of serving the object', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'plain', Body: 'content' }));
    const response = await fetch(`${server.endpoint}/b/plain?acl`);
    expect(response.status).toBe(501);
    expect(await response.text()).toContain('NotImplemented');
  });
});

describe("the benchmark S3 server's request counts", () => {
  it('counts each operation it answers, outside the names of buckets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-s3-'));
    const server = await startS3Server({ dir });
    const s3 = benchClient(server.endpoint);
    try {
      await createBucket(server.endpoint, 'c');
      await s3.send(new PutObjectCommand({ Bucket: 'c', Key: 'k', Body: '0123456789' }));
      for (const Range of ['bytes=0-4', 'bytes=5-9', undefined])
        await (
          await s3.send(new GetObjectCommand({ Bucket: 'c', Key: 'k', Range }))
        ).Body?.transformToString();
      const counts = (await (await fetch(`${server.endpoint}/_bench/counts`)).json()) as Record<
        string,
        number
      >;
      expect(counts).toMatchObject({ PutObject: 1, GetObject: 3 });
    } finally {
      s3.destroy();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the benchmark's measurement", () => {
  it('counts the I/O of the children and grandchildren of the measured command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-io-'));
    try {
      const script =
        `dd if=/dev/zero of=${dir}/a bs=1M count=8 status=none; ` +
        `sh -c 'dd if=/dev/zero of=${dir}/b bs=1M count=4 status=none'`;
      const m = await measure(['bash', '-c', script]);
      expect(m.exitCode).toBe(0);
      // 12 MiB written by a child and a grandchild, none by bash itself
      expect(m.io.wchar).toBeGreaterThanOrEqual(12 * 1024 * 1024);
      expect(m.io.wchar).toBeLessThan(13 * 1024 * 1024);
      expect(m.io.writeBytes).toBeGreaterThanOrEqual(12 * 1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
