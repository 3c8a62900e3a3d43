/**
 * Restores through parallel ranged GETs (tiny part size, small objects: moto reads the whole object
 * for every range), and never reports a corrupted or truncated entry as a hit.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { listKeys, runStep, startWorld, World } from './world';

jest.setTimeout(120_000);

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.stop();
});

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function saveFolder(prefix: string, content: Buffer): Promise<{ dir: string; key: string }> {
  const dir = `dl-${prefix}`;
  await mkdir(path.join(world.workspace, dir), { recursive: true });
  await writeFile(path.join(world.workspace, dir, 'blob.bin'), content);
  const step = await runStep(
    'save-only',
    { path: dir, key: 'k' },
    { ...world.env, DAZN_CACHE_PREFIX: prefix },
  );
  expect(step.warnings).toEqual([]);
  const [key] = await listKeys(world, `${prefix}/`);
  await rm(path.join(world.workspace, dir), { recursive: true });
  return { dir, key };
}

async function replaceBody(key: string, change: (body: Buffer) => Buffer): Promise<void> {
  const head = await world.s3.send(new HeadObjectCommand({ Bucket: world.bucket, Key: key }));
  const got = await world.s3.send(new GetObjectCommand({ Bucket: world.bucket, Key: key }));
  const body = Buffer.from(
    await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
  await world.s3.send(
    new PutObjectCommand({ Bucket: world.bucket, Key: key, Body: change(body), Metadata: head.Metadata }),
  );
}

describe('download', () => {
  it('reassembles an entry from many parallel ranged GETs', async () => {
    const content = randomBytes(200 * 1024); // incompressible: about 50 ranges of 4 KiB
    const { dir } = await saveFolder('ranged', content);
    const env = {
      ...world.env,
      DAZN_CACHE_PREFIX: 'ranged',
      DAZN_CACHE_DOWNLOAD_PART_SIZE: '4096',
      DAZN_CACHE_DOWNLOAD_CONCURRENCY: '5',
    };
    const restore = await runStep('restore-only', { path: dir, key: 'k' }, env);
    expect(restore.warnings).toEqual([]);
    expect(restore.outputs['cache-hit']).toBe('true');
    expect(sha(await readFile(path.join(world.workspace, dir, 'blob.bin')))).toBe(sha(content));
  });

  it.each([
    [
      'corrupted',
      (body: Buffer) =>
        Buffer.concat([body.subarray(0, 4000), Buffer.from([body[4000] ^ 0xff]), body.subarray(4001)]),
    ],
    ['truncated', (body: Buffer) => body.subarray(0, body.length - 100)],
  ])('does not report a %s entry as a hit', async (kind, change) => {
    const prefix = `bad-${kind}`;
    const { dir, key } = await saveFolder(prefix, randomBytes(64 * 1024));
    await replaceBody(key, change);
    for (const partSize of ['1M', '8192']) {
      const env = { ...world.env, DAZN_CACHE_PREFIX: prefix, DAZN_CACHE_DOWNLOAD_PART_SIZE: partSize };
      const restore = await runStep('restore-only', { path: dir, key: 'k' }, env);
      expect(restore.outputs['cache-hit']).toBeUndefined();
      expect(restore.outputs['cache-matched-key']).toBeUndefined();
      expect(restore.failures).toEqual([]);
      expect(restore.warnings).toHaveLength(1);
      expect(restore.warnings[0]).toMatch(/^Failed to restore: (zstd|tar)/);
    }
  });

  it('refuses an entry written in an unknown archive format', async () => {
    const { dir, key } = await saveFolder('format', randomBytes(1024));
    await world.s3.send(
      new PutObjectCommand({
        Bucket: world.bucket,
        Key: key,
        Body: 'x',
        Metadata: { format: 'tar+zstd/99' },
      }),
    );
    const restore = await runStep(
      'restore-only',
      { path: dir, key: 'k' },
      { ...world.env, DAZN_CACHE_PREFIX: 'format' },
    );
    expect(restore.outputs['cache-hit']).toBeUndefined();
    expect(restore.warnings[0]).toMatch(/archive format "tar\+zstd\/99"/);
  });
});
