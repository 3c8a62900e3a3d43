/**
 * The built action (action.yml: main = dist/restore, post = dist/save) run like the GitHub runner runs
 * it, against moto through GitHub OIDC and AssumeRoleWithWebIdentity: restore, save and matching.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectExit, runJob } from '../support/runner';
import { describeTree, noise, text, writeTree } from '../support/tree';
import { output, postStep, setupWorld, sleep, TEST_TIMEOUT_MS, writesIn } from './world';

// Listing pages of one key, so a restore that does not paginate misses entries on later pages.
const savedMaxKeys = process.env.MOTO_S3_DEFAULT_MAX_KEYS;
process.env.MOTO_S3_DEFAULT_MAX_KEYS = '1';
const world = setupWorld();
afterAll(() => {
  if (savedMaxKeys === undefined) delete process.env.MOTO_S3_DEFAULT_MAX_KEYS;
  else process.env.MOTO_S3_DEFAULT_MAX_KEYS = savedMaxKeys;
});

/** S3 listings show seconds: entries created in different seconds have a well-defined "newest". */
const NEWER = 1_100;

describe('action.yml (restore in the main step, save in the post step)', () => {
  it(
    'misses, saves in the post step, then restores an exact hit on another runner',
    async () => {
      const prefix = world.env.newPrefix();
      const files = { 'a.txt': text(50_000), 'bin/blob': noise(200_000), 'sub/dir/c.json': '{"c":1}\n' };
      const first = world.job(prefix);
      const inputs = { path: 'deps', key: 'deps-linux-v1', 'restore-keys': 'deps-linux-' };
      const run1 = await runJob(first, {
        with: inputs,
        between: () => writeTree(join(first.workspace, 'deps'), files),
      });
      expectExit(run1.main, 0);
      expect(output(run1.main, 'cache-hit')).toBe('');
      expect(output(run1.main, 'cache-primary-key')).toBe('deps-linux-v1');
      expect(output(run1.main, 'cache-matched-key')).toBe('');
      expect(run1.main.warnings).toEqual([]);
      const post = expectExit(postStep(run1), 0);
      expect(post.warnings).toEqual([]);
      const stored = await world.env.list(prefix);
      expect(stored).toHaveLength(1);
      expect(stored[0].size).toBeGreaterThan(200_000);

      const second = world.job(prefix);
      const main = expectExit(await second.step({ action: 'cache', with: inputs }), 0);
      expect(output(main, 'cache-hit')).toBe('true');
      expect(output(main, 'cache-primary-key')).toBe('deps-linux-v1');
      expect(output(main, 'cache-matched-key')).toBe('deps-linux-v1');
      expect(main.warnings).toEqual([]);
      expect(describeTree(join(second.workspace, 'deps'))).toEqual(
        describeTree(join(first.workspace, 'deps')),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'matches the newest entry of a prefix, restore keys in order, exact matches first, across listing pages',
    async () => {
      const prefix = world.env.newPrefix();
      // created round by round in this order; "newest" is by creation, not by name
      const rounds = [['yarn-1', 'npm-b'], ['npm-b-extra'], ['npm-a'], ['yarn-2']];
      for (const [i, keys] of rounds.entries()) {
        if (i > 0) await sleep(NEWER);
        await Promise.all(keys.map((key) => world.seed(prefix, key, { 'which.txt': key })));
      }
      const restore = async (key: string, restoreKeys: string) => {
        const job = world.job(prefix);
        const step = expectExit(
          await job.step({ action: 'cache', with: { path: 'deps', key, 'restore-keys': restoreKeys } }),
          0,
        );
        const file = join(job.workspace, 'deps', 'which.txt');
        return { step, restored: existsSync(file) ? readFileSync(file, 'utf8') : undefined };
      };
      const [newestOfPrefix, exactRestoreKey, primaryAsPrefix, exactPrimary] = await Promise.all([
        restore('npm-c', '\n  npm-  \n\n  yarn-\n'),
        restore('npm-c', 'npm-b'),
        restore('yarn-', ''),
        restore('npm-b', 'yarn-'),
      ]);

      expect(output(newestOfPrefix.step, 'cache-matched-key')).toBe('npm-a');
      expect(output(newestOfPrefix.step, 'cache-hit')).toBe('false');
      expect(newestOfPrefix.restored).toBe('npm-a');

      expect(output(exactRestoreKey.step, 'cache-matched-key')).toBe('npm-b');
      expect(exactRestoreKey.restored).toBe('npm-b');

      expect(output(primaryAsPrefix.step, 'cache-matched-key')).toBe('yarn-2');
      expect(output(primaryAsPrefix.step, 'cache-hit')).toBe('false');
      expect(primaryAsPrefix.restored).toBe('yarn-2');

      expect(output(exactPrimary.step, 'cache-matched-key')).toBe('npm-b');
      expect(output(exactPrimary.step, 'cache-hit')).toBe('true');
      expect(exactPrimary.restored).toBe('npm-b');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'treats other path lines as another version: a miss that names the keys and scopes searched',
    async () => {
      const prefix = world.env.newPrefix();
      await world.seed(prefix, 'tools-v1', { 'tool.sh': '#!/bin/sh\n' });
      const job = world.job(prefix);
      const [missed, hitStep] = await Promise.all([
        job.step({
          action: 'cache',
          with: { path: 'deps\nother', key: 'tools-v1', 'restore-keys': 'tools-' },
        }),
        world.job(prefix).step({ action: 'cache', with: { path: 'deps', key: 'tools-v1' } }),
      ]);
      const miss = expectExit(missed, 0);
      expect(output(miss, 'cache-hit')).toBe('');
      expect(output(miss, 'cache-matched-key')).toBe('');
      expect(existsSync(join(job.workspace, 'deps'))).toBe(false);
      const log = miss.lines.join('\n');
      expect(log).toContain('tools-v1');
      expect(log).toContain('refs/heads/main');
      expect(output(expectExit(hitStep, 0), 'cache-hit')).toBe('true');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lookup-only sets the outputs and writes nothing to disk',
    async () => {
      const prefix = world.env.newPrefix();
      await world.seed(prefix, 'look-1', { 'big.bin': noise(100_000) });
      const job = world.job(prefix);
      const firstRequest = world.env.proxy.requests.length;
      const [exact, partial] = await Promise.all([
        job.step({ action: 'cache', with: { path: 'deps', key: 'look-1', 'lookup-only': 'true' } }),
        job.step({
          action: 'cache',
          with: { path: 'deps', key: 'look-2', 'restore-keys': 'look-', 'lookup-only': 'true' },
        }),
      ]);
      expectExit(exact, 0);
      expectExit(partial, 0);
      expect(output(exact, 'cache-hit')).toBe('true');
      expect(output(exact, 'cache-matched-key')).toBe('look-1');
      expect(output(partial, 'cache-hit')).toBe('false');
      expect(output(partial, 'cache-matched-key')).toBe('look-1');
      expect(existsSync(join(job.workspace, 'deps'))).toBe(false);
      const objectPath = `/${world.env.bucket}/${prefix}`;
      const downloads = world.env.proxy.requests
        .slice(firstRequest)
        .filter((r) => r.method === 'GET' && r.url.startsWith(objectPath));
      expect(downloads).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fail-on-cache-miss fails the step on a miss (and the post step does not run), not on a hit',
    async () => {
      const prefix = world.env.newPrefix();
      await world.seed(prefix, 'strict-1', { 'x.txt': 'x' });
      const job = world.job(prefix);
      const missed = await runJob(job, {
        with: { path: 'deps', key: 'strict-2', 'restore-keys': 'other-', 'fail-on-cache-miss': 'true' },
      });
      expect(missed.main.exitCode).toBe(1);
      expect(missed.main.errors.length).toBeGreaterThan(0);
      expect(missed.post).toBeUndefined();
      const hit = expectExit(
        await job.step({
          action: 'cache',
          with: { path: 'deps', key: 'strict-1', 'fail-on-cache-miss': 'true' },
        }),
        0,
      );
      expect(output(hit, 'cache-hit')).toBe('true');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'skips the save in the post step after an exact hit',
    async () => {
      const prefix = world.env.newPrefix();
      await world.seed(prefix, 'hit-1', { 'x.txt': 'original' });
      const before = await world.env.list(prefix);
      const job = world.job(prefix);
      let postStart = 0;
      const run = await runJob(job, {
        with: { path: 'deps', key: 'hit-1' },
        between: () => {
          writeFileSync(join(job.workspace, 'deps', 'x.txt'), 'changed by the job');
          postStart = world.env.proxy.requests.length;
        },
      });
      expect(output(expectExit(run.main, 0), 'cache-hit')).toBe('true');
      const post = expectExit(postStep(run), 0);
      expect(post.warnings).toEqual([]);
      expect(writesIn(world.env, postStart)).toEqual([]);
      expect(await world.env.list(prefix)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'saves under the primary key the main step recorded, even when the post step sees another key',
    async () => {
      const prefix = world.env.newPrefix();
      const job = world.job(prefix);
      const run = await runJob(job, {
        with: { path: 'deps', key: 'recorded-1' },
        postWith: { path: 'deps', key: 'changed-later-1' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'x.txt': 'x' }),
      });
      expectExit(run.main, 0);
      expectExit(postStep(run), 0);
      const other = world.job(prefix);
      const recorded = expectExit(
        await other.step({
          action: 'cache',
          with: { path: 'deps', key: 'recorded-1', 'lookup-only': 'true' },
        }),
        0,
      );
      expect(output(recorded, 'cache-hit')).toBe('true');
      expect(await world.env.list(prefix)).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'round-trips keys with spaces, slashes and non-ASCII characters, prefix matching included',
    async () => {
      const prefix = world.env.newPrefix();
      const key = 'Linux x64/node 20+ü%2F?#*=~\'"[x]{y}&$é';
      await world.seed(prefix, key, { 'k.txt': 'odd key' });
      const [job, byPrefixJob] = [world.job(prefix), world.job(prefix)];
      const [exact, byPrefix, notAPrefix] = await Promise.all([
        job.step({ action: 'cache', with: { path: 'deps', key } }),
        byPrefixJob.step({
          action: 'cache',
          with: { path: 'deps', key: 'none', 'restore-keys': 'Linux x64/node 20+ü%' },
        }),
        // a key that only shares encoded bytes with the stored one must not match
        world.job(prefix).step({
          action: 'cache',
          with: { path: 'deps', key: 'Linux x64/node 20+u', 'lookup-only': 'true' },
        }),
      ]);
      expect(output(expectExit(exact, 0), 'cache-hit')).toBe('true');
      expect(output(exact, 'cache-matched-key')).toBe(key);
      expect(output(expectExit(byPrefix, 0), 'cache-matched-key')).toBe(key);
      expect(existsSync(join(byPrefixJob.workspace, 'deps', 'k.txt'))).toBe(true);
      expect(output(expectExit(notAPrefix, 0), 'cache-matched-key')).toBe('');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "stores the longest key actions/cache accepts (512 non-ASCII characters) within S3's 1024-byte key limit",
    async () => {
      const prefix = world.env.newPrefix();
      // moto accepts longer keys; real S3 refuses keys over 1024 UTF-8 bytes (KeyTooLongError)
      const key = '名'.repeat(512);
      const saved = await world.seed(prefix, key, { 'k.txt': 'long key' });
      expect(saved.warnings).toEqual([]);
      const stored = await world.env.list(prefix);
      expect(stored).toHaveLength(1);
      expect(Buffer.byteLength(stored[0].key, 'utf8')).toBeLessThanOrEqual(1024);
      const hit = expectExit(
        await world.job(prefix).step({ action: 'cache', with: { path: 'deps', key } }),
        0,
      );
      expect(output(hit, 'cache-hit')).toBe('true');
      expect(output(hit, 'cache-matched-key')).toBe(key);
    },
    TEST_TIMEOUT_MS,
  );
});
