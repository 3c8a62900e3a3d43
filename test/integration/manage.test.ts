/**
 * Cache management on moto: the dazn-cache command's list, usage, delete and prune over entries in
 * both layouts, with known sizes and last-access days; the last-access tag a restore writes; and a
 * restore whose entry is deleted mid-download, which ends as a miss with nothing left behind.
 */
import { DeleteObjectCommand, PutObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { runCli } from '../../src/manage/cli';
import { LAST_ACCESS_TAG } from '../../src/manage/access';
import { entryName } from '../../src/matching/encoding';
import { repositorySegment, scopeSegment } from '../../src/matching/isolation';
import { s3Operation, startFaultProxy } from '../support/fault-proxy';
import { listKeys, runStep, startWorld, World } from './world';

jest.setTimeout(180_000);

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.stop();
});

const DAY = 86_400_000;
const firstAccess = Date.parse('2027-01-01T00:00:00Z');
const now = new Date(firstAccess + 45 * DAY);

interface Seeded {
  repository: string;
  objectKey: string;
  size: number;
  lastUsed: number;
}

/** repos × 40 entries; entry i of repository r is (r+1)·(i+1)·100 bytes, last used on a day from a permutation of 0..39. */
async function seed(prefix: string): Promise<Seeded[]> {
  const seeded: Seeded[] = [];
  const repositories = ['o/alpha', 'o/beta', repositorySegment('77')];
  for (const [r, repository] of repositories.entries()) {
    for (let i = 0; i < 40; i += 1) {
      const ref = i % 2 === 0 ? 'refs/heads/main' : `refs/pull/${i}/merge`;
      const location = repository.startsWith('repo-')
        ? { prefix, repository, scope: ref, scopeSegment: scopeSegment(ref), version: 'v1' }
        : { prefix, repository, scope: ref, version: 'v1' };
      const objectKey = entryName(location, `key-${i}`).objectKey;
      const size = (r + 1) * (i + 1) * 100;
      const day = (i * [7, 11, 13][r]) % 40; // a permutation of 0..39 (7, 11, 13 are coprime with 40): no ties
      await world.s3.send(
        new PutObjectCommand({ Bucket: world.bucket, Key: objectKey, Body: Buffer.alloc(size) }),
      );
      const lastUsed = firstAccess + day * DAY;
      await world.s3.send(
        new PutObjectTaggingCommand({
          Bucket: world.bucket,
          Key: objectKey,
          Tagging: {
            TagSet: [{ Key: LAST_ACCESS_TAG, Value: new Date(lastUsed).toISOString().slice(0, 10) }],
          },
        }),
      );
      seeded.push({ repository, objectKey, size, lastUsed });
    }
  }
  return seeded;
}

async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: {
      ...process.env,
      DAZN_CACHE_BUCKET: world.bucket,
      DAZN_CACHE_ENDPOINT: world.moto.endpoint,
      ...extraEnv,
    },
    now,
  });
  return { code, out, err };
}

describe('dazn-cache on moto', () => {
  let seeded: Seeded[];
  const prefix = 'manage';
  beforeAll(async () => {
    seeded = await seed(prefix);
  });

  it('reports each repository’s usage exactly', async () => {
    const { code, out } = await cli(['usage', '--org', '--prefix', prefix, '--json']);
    expect(code).toBe(0);
    const usage = JSON.parse(out.join('\n'));
    const expected = ['o/alpha', 'o/beta', 'repo-77'].map((repository) => ({
      full_name: repository,
      active_caches_size_in_bytes: seeded
        .filter((s) => s.repository === repository)
        .reduce((a, s) => a + s.size, 0),
      active_caches_count: 40,
    }));
    expect(usage.total_active_caches_count).toBe(120);
    expect([...usage.repository_cache_usages].sort((a, b) => a.full_name.localeCompare(b.full_name))).toEqual(
      expected,
    );
    // the closing note quotes this output
    process.stdout.write(
      `dazn-cache usage --org:\n${(await cli(['usage', '--org', '--prefix', prefix])).out.join('\n')}\n`,
    );
  });

  it('lists with gh’s fields, sorted by last access, filtered by ref and key', async () => {
    const { code, out } = await cli([
      'list',
      '--prefix',
      prefix,
      '--repo',
      'o/beta',
      '--ref',
      'refs/heads/main',
      '--key',
      'key-1',
      '--sort',
      'last_accessed_at',
      '--order',
      'asc',
      '--json',
      'key,ref,sizeInBytes,lastAccessedAt',
    ]);
    expect(code).toBe(0);
    const listed = JSON.parse(out.join('\n')) as { key: string; ref: string; lastAccessedAt: string }[];
    const expected = seeded
      .filter(
        (s) =>
          s.repository === 'o/beta' &&
          /\/key-1[0-9]*$/.test(s.objectKey) &&
          s.objectKey.includes('refs%2Fheads%2Fmain'),
      )
      .sort((a, b) => a.lastUsed - b.lastUsed);
    expect(listed.map((e) => e.key)).toEqual(expected.map((s) => s.objectKey.split('/').pop()));
    expect(listed.map((e) => Date.parse(e.lastAccessedAt))).toEqual(expected.map((s) => s.lastUsed));
    expect(new Set(listed.map((e) => e.ref))).toEqual(new Set(['refs/heads/main']));
  });

  it('prune --dry-run deletes nothing; prune leaves each repository under budget, least recently used first', async () => {
    const budget = 60_000;
    const before = await listKeys(world, `${prefix}/`);
    const dry = await cli(['prune', '--org', '--prefix', prefix, '--max-size', `${budget}`, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(await listKeys(world, `${prefix}/`)).toEqual(before);
    process.stdout.write(`dazn-cache prune --max-size ${budget} --dry-run:\n${dry.err.join('\n')}\n`);

    const real = await cli(['prune', '--org', '--prefix', prefix, '--max-size', `${budget}`]);
    expect(real.code).toBe(0);
    const after = new Set(await listKeys(world, `${prefix}/`));
    for (const repository of ['o/alpha', 'o/beta', 'repo-77']) {
      const lru = seeded.filter((s) => s.repository === repository).sort((a, b) => a.lastUsed - b.lastUsed);
      let total = lru.reduce((a, s) => a + s.size, 0);
      const expectedGone = new Set<string>();
      for (const s of lru) {
        if (total <= budget) break;
        expectedGone.add(s.objectKey);
        total -= s.size;
      }
      const gone = lru.filter((s) => !after.has(s.objectKey)).map((s) => s.objectKey);
      expect(new Set(gone)).toEqual(expectedGone);
      expect(lru.filter((s) => after.has(s.objectKey)).reduce((a, s) => a + s.size, 0)).toBeLessThanOrEqual(
        budget,
      );
      // what stayed was used more recently than anything that went
      const keptOldest = Math.min(...lru.filter((s) => after.has(s.objectKey)).map((s) => s.lastUsed));
      const goneNewest = Math.max(...lru.filter((s) => !after.has(s.objectKey)).map((s) => s.lastUsed));
      expect(goneNewest).toBeLessThan(keptOldest);
    }
    // the dry run named exactly what the real one deleted
    const names = (lines: string[]) => lines.map((l) => l.split('\t').slice(1, 3).join(' ')).sort();
    expect(names(dry.out)).toEqual(names(real.out));
  });

  it('prune --unused-for evicts what no restore used for that long', async () => {
    const p = 'manage-unused';
    const s = await seed(p);
    const result = await cli(['prune', '--repo', 'o/alpha', '--prefix', p, '--unused-for', '10d']);
    expect(result.code).toBe(0);
    const left = new Set(await listKeys(world, `${p}/`));
    for (const entry of s) {
      const stale = now.getTime() - entry.lastUsed > 10 * DAY;
      expect(left.has(entry.objectKey)).toBe(entry.repository !== 'o/alpha' || !stale);
    }
  });

  it('deletes by key, by id, by ref and --all', async () => {
    const p = 'manage-delete';
    await seed(p);
    const key = await cli(['delete', 'key-3', '--repo', 'o/alpha', '--prefix', p]);
    expect(key.code).toBe(0);
    expect(key.out).toHaveLength(1);
    const listed = JSON.parse(
      (
        await cli(['list', '--repo', 'o/alpha', '--prefix', p, '--limit', '100', '--json', 'id,key'])
      ).out.join('\n'),
    );
    expect(listed.map((e: { key: string }) => e.key)).not.toContain('key-3');
    expect(listed).toHaveLength(39);
    const byId = await cli(['delete', String(listed[0].id), '--repo', 'o/alpha', '--prefix', p]);
    expect(byId.code).toBe(0);
    const ref = await cli([
      'delete',
      '--all',
      '--ref',
      'refs/heads/main',
      '--repo',
      'repo-77',
      '--prefix',
      p,
    ]);
    expect(ref.out).toHaveLength(20);
    const all = await cli(['delete', '--all', '--repo', 'o/beta', '--prefix', p]);
    expect(all.out).toHaveLength(40);
    const again = await cli(['delete', '--all', '--repo', 'o/beta', '--prefix', p]);
    expect(again.code).toBe(1);
    expect(
      (await cli(['delete', '--all', '--repo', 'o/beta', '--prefix', p, '--succeed-on-no-caches'])).code,
    ).toBe(0);
    const remaining = await listKeys(world, `${p}/`);
    expect(remaining.filter((k) => k.startsWith(`${p}/o/alpha/`))).toHaveLength(38);
    expect(remaining.filter((k) => k.startsWith(`${p}/repo-77/`))).toHaveLength(20);
    expect(remaining.filter((k) => k.startsWith(`${p}/o/beta/`))).toHaveLength(0);
  });

  it('names the bucket setting when the bucket does not exist', async () => {
    const result = await cli(['list', '--org'], { DAZN_CACHE_BUCKET: 'no-such-bucket-here' });
    expect(result.code).toBe(1);
    expect(result.err.join()).toMatch(/no-such-bucket-here does not exist.*DAZN_CACHE_BUCKET/);
  });
});

describe('restores and management', () => {
  it('a restore tags the entry with the day it used it', async () => {
    const dir = 'accessed';
    await mkdir(path.join(world.workspace, dir), { recursive: true });
    await writeFile(path.join(world.workspace, dir, 'f'), 'x');
    const env = { ...world.env, DAZN_CACHE_PREFIX: 'access' };
    await runStep('save-only', { path: dir, key: 'k' }, env);
    const before = JSON.parse(
      (await cli(['list', '--prefix', 'access', '--org', '--json', 'createdAt,lastAccessedAt'])).out.join(
        '\n',
      ),
    );
    expect(before[0].lastAccessedAt).toBe(before[0].createdAt);
    const restore = await runStep('restore-only', { path: dir, key: 'k' }, env);
    expect(restore.outputs['cache-hit']).toBe('true');
    const { GetObjectTaggingCommand } = await import('@aws-sdk/client-s3');
    const [key] = await listKeys(world, 'access/');
    const tags = await world.s3.send(new GetObjectTaggingCommand({ Bucket: world.bucket, Key: key }));
    expect(tags.TagSet).toContainEqual({
      Key: LAST_ACCESS_TAG,
      Value: new Date().toISOString().slice(0, 10),
    });
  });

  it('a restore whose entry is deleted mid-download is a miss and leaves nothing behind', async () => {
    const dir = 'deleted-mid-download';
    const source = path.join(world.workspace, dir);
    await mkdir(source, { recursive: true });
    for (let i = 0; i < 4; i += 1)
      await writeFile(path.join(source, `part-${i}.bin`), randomBytes(8 * 1024 * 1024));
    const prefix = 'midway';
    await runStep('save-only', { path: dir, key: 'k' }, { ...world.env, DAZN_CACHE_PREFIX: prefix });
    const [objectKey] = await listKeys(world, `${prefix}/`);
    await import('node:fs/promises').then((fs) => fs.rm(source, { recursive: true, force: true }));

    let deleted: Promise<unknown> | undefined;
    const proxy = await startFaultProxy(world.moto.endpoint, (request) => {
      const range = String(request.headers.range ?? '');
      if (s3Operation(request) !== 'GetObject' || !range || range.startsWith('bytes=0-')) return undefined;
      // the first later range: delete the entry now (as a prune would) and let the range arrive after
      deleted ??= world.s3.send(new DeleteObjectCommand({ Bucket: world.bucket, Key: objectKey }));
      return { kind: 'delay', ms: 1500 };
    });
    try {
      const restore = await runStep(
        'restore-only',
        { path: dir, key: 'k' },
        {
          ...world.env,
          DAZN_CACHE_PREFIX: prefix,
          DAZN_CACHE_ENDPOINT: proxy.endpoint,
          DAZN_CACHE_DOWNLOAD_PART_SIZE: '8M',
          DAZN_CACHE_DOWNLOAD_CONCURRENCY: '2',
        },
      );
      expect(deleted).toBeDefined();
      expect(restore.outputs['cache-hit']).toBeUndefined();
      expect(restore.failures).toEqual([]);
      expect(restore.warnings.join('\n')).toMatch(/Failed to restore/);
      const left = await readdir(source).catch(() => []);
      expect(left).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});
