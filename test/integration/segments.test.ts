/**
 * The segmented entry format through moto with real tar and zstd: a tree saved as several
 * `tar | zstd` segments comes back exactly (files, modes, symbolic links, hard links, empty and
 * read-only folders, folder times, non-ASCII names), old single-stream entries stay readable, and a
 * corrupted, cut or unindexed segment is never a hit and leaves none of the entry behind.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import {
  chmod,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import * as path from 'node:path';
import { FOOTER_MAGIC, readTrailer } from '../../src/archive/segments';
import { listKeys, runStep, startWorld, World } from './world';

jest.setTimeout(180_000);

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.stop();
});

let counter = 0;
function fresh(): { dir: string; prefix: string } {
  counter += 1;
  return { dir: `seg-${counter}`, prefix: `seg-${counter}` };
}

/** Bytes that zstd cannot shrink much, different per seed. */
function noise(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let offset = 0, block = 0; offset < bytes; block++) {
    const digest = createHash('sha256').update(`${seed}:${block}`).digest();
    offset += digest.copy(out, offset);
  }
  return out;
}

const OLD = new Date('2001-02-03T04:05:06Z');

/** 60 files over 12 folders, plus every kind of member tar must carry across segments. */
async function makeTree(root: string): Promise<void> {
  for (let d = 0; d < 12; d++) {
    const dir = path.join(root, `pkg-${d}`, d % 2 ? 'lib' : 'dist');
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < 5; f++)
      await writeFile(path.join(dir, `file-${f}.js`), noise(20_000 + 997 * f, d * 10 + f));
  }
  await mkdir(path.join(root, 'empty', 'nested-empty'), { recursive: true });
  await writeFile(path.join(root, 'ünïcødé ñame €.txt'), 'non-ascii\n');
  await writeFile(path.join(root, 'pkg-0', 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(path.join(root, 'pkg-0', 'run.sh'), 0o751);
  await symlink('../pkg-0/run.sh', path.join(root, 'pkg-11', 'link-to-run'));
  await symlink('nowhere', path.join(root, 'dangling'));
  // A hard-link group whose names are far apart in the walk (first and last folder).
  await writeFile(path.join(root, 'pkg-0', 'shared.bin'), noise(30_000, 999));
  await link(path.join(root, 'pkg-0', 'shared.bin'), path.join(root, 'pkg-11', 'shared-again.bin'));
  // A read-only folder with a file in it: only a folder mode set after the files can be restored.
  await mkdir(path.join(root, 'sealed'));
  await writeFile(path.join(root, 'sealed', 'inside.txt'), 'sealed\n');
  await chmod(path.join(root, 'sealed'), 0o555);
  // Folder times last (creating the members above moved them).
  const folders = await walk(root);
  for (const [name, info] of folders) if (info.type === 'dir') await utimes(path.join(root, name), OLD, OLD);
  await utimes(root, OLD, OLD);
}

interface Info {
  type: 'dir' | 'file' | 'symlink';
  mode: number;
  mtime: number;
  content?: string;
  target?: string;
  inode?: number;
}

/** Every member under root with what a round trip must keep (times in whole seconds). */
async function walk(root: string): Promise<Map<string, Info>> {
  const found = new Map<string, Info>();
  const visit = async (rel: string): Promise<void> => {
    const full = path.join(root, rel);
    const stats = await lstat(full);
    const base = { mode: stats.mode & 0o7777, mtime: Math.floor(stats.mtimeMs / 1000) };
    if (stats.isDirectory()) {
      found.set(rel, { type: 'dir', ...base });
      for (const child of await readdir(full)) await visit(rel ? `${rel}/${child}` : child);
    } else if (stats.isSymbolicLink()) {
      found.set(rel, { type: 'symlink', ...base, mtime: 0, target: await readlink(full) });
    } else {
      const content = createHash('sha256')
        .update(await readFile(full))
        .digest('hex');
      found.set(rel, { type: 'file', ...base, content, inode: stats.ino });
    }
  };
  await visit('');
  return found;
}

/** The walk with inode numbers replaced by the names that share them (comparable across trees). */
function comparable(tree: Map<string, Info>): Record<string, unknown> {
  const byInode = new Map<number, string[]>();
  for (const [name, info] of tree)
    if (info.inode !== undefined) byInode.set(info.inode, [...(byInode.get(info.inode) ?? []), name]);
  return Object.fromEntries(
    [...tree].map(([name, info]) => [
      name,
      {
        ...info,
        inode: undefined,
        links: info.inode === undefined ? undefined : byInode.get(info.inode)?.sort(),
      },
    ]),
  );
}

async function removeTree(root: string): Promise<void> {
  await chmod(path.join(root, 'sealed'), 0o755).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
}

async function entry(
  prefix: string,
): Promise<{ key: string; body: Buffer; metadata: Record<string, string> }> {
  const keys = await listKeys(world, `${prefix}/`);
  expect(keys).toHaveLength(1);
  const object = await world.s3.send(new GetObjectCommand({ Bucket: world.bucket, Key: keys[0] }));
  const body = Buffer.from(
    await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
  return { key: keys[0], body, metadata: object.Metadata ?? {} };
}

async function replaceEntry(key: string, body: Buffer, metadata: Record<string, string>): Promise<void> {
  await world.s3.send(
    new PutObjectCommand({ Bucket: world.bucket, Key: key, Body: body, Metadata: metadata }),
  );
}

describe('segmented entries', () => {
  it.each([2, 3, 5])('round-trip every kind of member through %i file segments', async (segments) => {
    const { dir, prefix } = fresh();
    const root = path.join(world.workspace, dir);
    await makeTree(root);
    const before = comparable(await walk(root));
    // Ranges of 64 KiB: every segment is fetched in several ranged GETs.
    const env = {
      ...world.env,
      DAZN_CACHE_PREFIX: prefix,
      DAZN_CACHE_SEGMENTS: String(segments),
      DAZN_CACHE_DOWNLOAD_PART_SIZE: '65536',
    };
    const save = await runStep('save-only', { path: dir, key: 'tree' }, env);
    expect(save.warnings).toEqual([]);
    const saved = await entry(prefix);
    expect(saved.metadata.format).toBe('tar+zstd-segments/1');
    const trailer = readTrailer(saved.body, saved.body.length, 'the entry');
    expect(trailer.status).toBe('index');
    if (trailer.status === 'index') {
      expect(trailer.index.segments.map((s) => s.kind)).toEqual([
        ...Array(segments).fill('files'),
        'folders',
      ]);
    }

    await removeTree(root);
    const restore = await runStep('restore-only', { path: dir, key: 'tree' }, env);
    expect(restore.warnings).toEqual([]);
    expect(restore.outputs['cache-hit']).toBe('true');
    expect(comparable(await walk(root))).toEqual(before);
    await removeTree(root);
  });

  it('saves a small tree as one plain stream, and still reads it', async () => {
    const { dir, prefix } = fresh();
    const root = path.join(world.workspace, dir);
    await makeTree(root);
    const before = comparable(await walk(root));
    const env = { ...world.env, DAZN_CACHE_PREFIX: prefix };
    await runStep('save-only', { path: dir, key: 'tree' }, env);
    expect((await entry(prefix)).metadata.format).toBe('tar+zstd/1');
    await removeTree(root);
    const restore = await runStep('restore-only', { path: dir, key: 'tree' }, env);
    expect(restore.outputs['cache-hit']).toBe('true');
    expect(comparable(await walk(root))).toEqual(before);
    await removeTree(root);
  });

  describe('a damaged segmented entry is a miss and leaves nothing of the entry', () => {
    type Damage = (body: Buffer, chunks: [number, number][][]) => Buffer;
    const flipIn =
      (segment: 'first' | 'folders'): Damage =>
      (body, chunks) => {
        const copy = Buffer.from(body);
        const [start, length] = segment === 'first' ? chunks[0][0] : chunks[chunks.length - 1][0];
        copy[start + Math.floor(length / 2)] ^= 0xff;
        return copy;
      };
    const cases: [string, Damage][] = [
      ['a byte flipped in the first file segment', flipIn('first')],
      ['a byte flipped in the folder segment (extracted after the files)', flipIn('folders')],
      ['the footer cut off', (body) => body.subarray(0, body.length - 3)],
      [
        'a segment left out of the index',
        (body, chunks) => {
          const json = Buffer.from(JSON.stringify({ segments: [{ kind: 'files', chunks: chunks[0] }] }));
          const length = Buffer.alloc(4);
          length.writeUInt32BE(json.length);
          const end = chunks.flat().reduce((max, [start, size]) => Math.max(max, start + size), 0);
          return Buffer.concat([body.subarray(0, end), json, length, FOOTER_MAGIC]);
        },
      ],
    ];
    it.each(cases)('%s', async (_name, damage) => {
      const { dir, prefix } = fresh();
      const root = path.join(world.workspace, dir);
      await makeTree(root);
      const env = {
        ...world.env,
        DAZN_CACHE_PREFIX: prefix,
        DAZN_CACHE_SEGMENTS: '3',
        DAZN_CACHE_DOWNLOAD_PART_SIZE: '65536',
      };
      await runStep('save-only', { path: dir, key: 'tree' }, env);
      const saved = await entry(prefix);
      const trailer = readTrailer(saved.body, saved.body.length, 'the entry');
      if (trailer.status !== 'index') throw new Error('the saved entry has no readable index');
      await replaceEntry(
        saved.key,
        damage(
          saved.body,
          trailer.index.segments.map((s) => s.chunks),
        ),
        saved.metadata,
      );
      await removeTree(root);
      await mkdir(root);
      await writeFile(path.join(root, 'mine.txt'), 'not from the entry\n');

      const restore = await runStep('restore-only', { path: dir, key: 'tree' }, env);
      expect(restore.outputs['cache-hit']).toBeUndefined();
      expect(restore.warnings.join('\n')).toMatch(/Failed to restore|not a complete segmented entry/);
      expect(await readdir(root)).toEqual(['mine.txt']);
      const unfinished = await readdir(path.join(world.workspace, 'dazn-cache-restores')).catch(() => []);
      expect(unfinished).toEqual([]);
      const save = await runStep('save-only', { path: dir, key: 'tree-2' }, env);
      expect(save.warnings).toEqual([]);
      await removeTree(root);
    });
  });

  it('refuses an entry of an unknown format', async () => {
    const { dir, prefix } = fresh();
    const root = path.join(world.workspace, dir);
    await makeTree(root);
    const env = { ...world.env, DAZN_CACHE_PREFIX: prefix, DAZN_CACHE_SEGMENTS: '2' };
    await runStep('save-only', { path: dir, key: 'tree' }, env);
    const saved = await entry(prefix);
    await replaceEntry(saved.key, saved.body, { ...saved.metadata, format: 'tar+zstd-segments/9' });
    const head = await world.s3.send(new HeadObjectCommand({ Bucket: world.bucket, Key: saved.key }));
    expect(head.Metadata?.format).toBe('tar+zstd-segments/9');
    await removeTree(root);
    const restore = await runStep('restore-only', { path: dir, key: 'tree' }, env);
    expect(restore.outputs['cache-hit']).toBeUndefined();
    expect(restore.warnings.join('\n')).toContain('tar+zstd-segments/9');
  });
});
