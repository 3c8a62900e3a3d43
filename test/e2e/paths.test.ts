/**
 * Path lines through the built bundles: a workspace whose name has glob characters caches only its
 * own files and restores only into itself (issue 10, item 3), and an exclusion written `! data/sub`
 * excludes and gives upstream's cache version (item 4). As upstream, an exclusion removes what a
 * pattern matched (`data/*` matches `data/sub`); a folder that is itself listed is archived whole.
 */
import { getCacheVersion } from '@actions/cache/lib/internal/cacheUtils';
import { CompressionMethod } from '@actions/cache/lib/internal/constants';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expectExit, Job, runJob } from '../support/runner';
import { describeTree, writeTree } from '../support/tree';
import { output, postStep, setupWorld, TEST_TIMEOUT_MS } from './world';

const world = setupWorld();

/** The member names of a stored entry (zstd-compressed tar). */
async function members(key: string): Promise<string[]> {
  const archive = (await world.env.getBytes(key)).body;
  const tar = spawnSync('zstd', ['-d', '-c'], {
    input: archive,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30_000,
  });
  expect(tar.status).toBe(0);
  const list = spawnSync('tar', ['-t', '-f', '-'], { input: tar.stdout, encoding: 'utf8', timeout: 30_000 });
  expect(list.status).toBe(0);
  return list.stdout.split('\n').filter((name) => name !== '');
}

/**
 * Everything on the job's machine outside its workspace (folders too, HOME and the sibling folders),
 * so a write there shows; RUNNER_TEMP is the runner's and the harness's own.
 */
function outsideWorkspace(job: Job): string[] {
  return describeTree(job.root).filter(
    (line) => !line.startsWith('work/proj[1]/') && !line.startsWith('temp'),
  );
}

const SIBLING = { 'data/SIBLING.txt': 'from the sibling folder', 'data/other.txt': 'sibling' };

describe('a workspace named with glob characters', () => {
  it(
    'caches only its own files (never the sibling `proj1` that `proj[1]` matches as a pattern) and restores only into itself',
    async () => {
      const prefix = world.env.newPrefix();
      const path = 'data/*.txt';
      const writer = world.job(prefix, { workspaceName: 'proj[1]' });
      writeTree(join(dirname(writer.workspace), 'proj1'), SIBLING);
      const run = await runJob(writer, {
        with: { path, key: 'glob-ws-1' },
        between: () => writeTree(join(writer.workspace, 'data'), { 'own.txt': 'own', 'two.txt': 'two' }),
      });
      expectExit(run.main, 0);
      expect(postStep(run).warnings).toEqual([]);
      const [entry] = await world.env.list(prefix);
      expect((await members(entry.key)).sort()).toEqual(['data/own.txt', 'data/two.txt']);

      const reader = world.job(prefix, { workspaceName: 'proj[1]' });
      mkdirSync(join(dirname(reader.workspace), 'proj1'));
      const before = outsideWorkspace(reader);
      const hit = expectExit(await reader.step({ action: 'cache', with: { path, key: 'glob-ws-1' } }), 0);
      expect(output(hit, 'cache-hit')).toBe('true');
      expect(describeTree(reader.workspace)).toEqual(describeTree(writer.workspace));
      expect(outsideWorkspace(reader)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses an entry holding `../proj1/data/SIBLING.txt` (as the unescaped workspace stored it): a miss, nothing written outside',
    async () => {
      const prefix = world.env.newPrefix();
      const path = 'data/*.txt';
      // the version is the path lines' and the scope the ref's: any workspace can save the entry
      await world.seed(prefix, 'poisoned-1', { 'own.txt': 'own' }, { path, folder: 'data' });
      const [entry] = await world.env.list(prefix);
      // The same entry as the old code saved it: the workspace's file and the sibling's, by `../`.
      const machine = new Job({ workspaceName: 'proj[1]' });
      try {
        writeTree(join(machine.workspace, 'data'), { 'own.txt': 'own' });
        writeTree(join(dirname(machine.workspace), 'proj1'), SIBLING);
        const tar = spawnSync(
          'sh',
          ['-c', 'tar --posix -cf - -P data/own.txt ../proj1/data/SIBLING.txt | zstd -q -c'],
          { cwd: machine.workspace, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
        );
        expect(tar.status).toBe(0);
        await world.env.replaceBytes(entry.key, tar.stdout);
      } finally {
        machine.cleanup();
      }
      expect(await members(entry.key)).toEqual(['data/own.txt', '../proj1/data/SIBLING.txt']);

      const reader = world.job(prefix, { workspaceName: 'proj[1]' });
      mkdirSync(join(dirname(reader.workspace), 'proj1'));
      const before = outsideWorkspace(reader);
      const step = expectExit(await reader.step({ action: 'cache', with: { path, key: 'poisoned-1' } }), 0);
      expect(output(step, 'cache-hit')).not.toBe('true');
      expect(step.warnings.join('\n')).toContain("Member name contains '..'");
      expect(step.warnings.join('\n')).toContain('Save the cache again under a new key');
      expect(outsideWorkspace(reader)).toEqual(before);
      expect(existsSync(join(dirname(reader.workspace), 'proj1', 'data'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('an exclusion written with a space after `!`', () => {
  it(
    'excludes like `!data/sub`, and the entry has upstream’s version (the spelling without the space hits it)',
    async () => {
      const prefix = world.env.newPrefix();
      const writer = world.job(prefix);
      const run = await runJob(writer, {
        with: { path: 'data/*\n! data/sub', key: 'excl-1' },
        between: () =>
          writeTree(join(writer.workspace, 'data'), { 'keep.txt': 'keep', 'sub/skip.txt': 'skip' }),
      });
      expectExit(run.main, 0);
      expect(postStep(run).warnings).toEqual([]);
      const [entry] = await world.env.list(prefix);
      const names = await members(entry.key);
      expect(names).toContain('data/keep.txt');
      expect(names.filter((name) => name.startsWith('data/sub'))).toEqual([]);
      const version = getCacheVersion(['data/*', '!data/sub'], CompressionMethod.ZstdWithoutLong);
      expect(entry.key).toContain(`/${version}/`);

      const reader = world.job(prefix);
      const hit = expectExit(
        await reader.step({ action: 'cache', with: { path: 'data/*\n!data/sub', key: 'excl-1' } }),
        0,
      );
      expect(output(hit, 'cache-hit')).toBe('true');
      expect(describeTree(join(reader.workspace, 'data'))).toEqual(
        describeTree(join(writer.workspace, 'data')).filter((l) => !l.startsWith('sub')),
      );
      expect(existsSync(join(reader.workspace, 'data', 'sub'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a path line with a `..` segment', () => {
  it(
    'is refused by the save with a warning naming the line, as upstream refuses it; the restore is a plain miss',
    async () => {
      const prefix = world.env.newPrefix();
      const writer = world.job(prefix);
      writeTree(join(dirname(writer.workspace), 'outside'), { 'o.txt': 'outside' });
      const run = await runJob(writer, { with: { path: '../outside', key: 'dotdot-1' } });
      expect(expectExit(run.main, 0).warnings).toEqual([]);
      expect(output(run.main, 'cache-hit')).not.toBe('true');
      const post = expectExit(postStep(run), 0);
      expect(post.warnings.join('\n')).toContain('path line "../outside" has a "." or ".." segment');
      expect(await world.env.list(prefix)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
