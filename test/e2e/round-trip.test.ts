/**
 * What a save and a restore carry over (symlinks, modes, empty folders, non-ASCII names, `~` and `!`
 * paths), the restore/ and save/ sub-actions, secrets, and the job summary.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, lstatSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { expectExit, Job, runJob, StepResult } from '../support/runner';
import { describeTree, noise, text, TreeSpec, writeTree } from '../support/tree';
import { output, postStep, setupWorld, TEST_TIMEOUT_MS } from './world';

const world = setupWorld();

const ZSTD_MAGIC = 0xfd2fb528;
/** Content_Checksum_flag of the zstd frame header descriptor. */
const ZSTD_CHECKSUM_FLAG = 0x04;
const MiB = 1024 * 1024;

/** What the harness itself puts into RUNNER_TEMP; anything else was left behind by the action. */
const HARNESS_TEMP = ['_github_workflow', '_runner_file_commands'];

const TREE: TreeSpec = {
  'plain.txt': text(30_000),
  'blob.bin': noise(150_000),
  'bin/tool': { content: '#!/bin/sh\necho tool\n', mode: 0o755 },
  'secret.pem': { content: 'not really', mode: 0o600 },
  'read-only.txt': { content: 'ro', mode: 0o444 },
  private: { dir: true, mode: 0o700 },
  'empty/nested-empty': { dir: true },
  'données/ünïcødé-名前 with space.txt': 'héllo wörld\n',
  '🙂/emoji.txt': 'smile',
  '.hidden/.dotfile': 'dot',
  'links/to-file': { symlink: '../plain.txt' },
  'links/to-dir': { symlink: '../bin' },
  'links/dangling': { symlink: 'missing-target' },
};

describe('a round trip', () => {
  it(
    'keeps symlinks, modes, empty folders, non-ASCII names, `~` paths and `!` exclusions, with no archive on disk',
    async () => {
      const prefix = world.env.newPrefix();
      const path = ['deps', '~/.cache/tool', 'out/*', '!out/skip.log'].join('\n');
      const writer = world.job(prefix);
      const run = await runJob(writer, {
        with: { path, key: 'tree-1' },
        between: () => {
          writeTree(join(writer.workspace, 'deps'), TREE);
          writeTree(join(writer.home, '.cache', 'tool'), { 'state.db': noise(20_000), 'cfg/x': 'x' });
          writeTree(join(writer.workspace, 'out'), { 'a.txt': 'a', 'skip.log': 'skip' });
        },
      });
      expectExit(run.main, 0);
      expect(readdirSync(writer.runnerTemp).sort()).toEqual(HARNESS_TEMP);
      const post = expectExit(postStep(run), 0);
      expect(post.warnings).toEqual([]);
      expect(readdirSync(writer.runnerTemp).sort()).toEqual(HARNESS_TEMP);

      // the entry is a zstd frame with its checksum on, holding a POSIX tar of workspace-relative paths
      const [entry] = await world.env.list(prefix);
      const archive = (await world.env.getBytes(entry.key)).body;
      expect(archive.readUInt32LE(0)).toBe(ZSTD_MAGIC);
      expect(archive[4] & ZSTD_CHECKSUM_FLAG).toBe(ZSTD_CHECKSUM_FLAG);
      const tar = spawnSync('zstd', ['-d', '-c'], { input: archive, maxBuffer: 64 * 1024 * 1024 });
      expect(tar.status).toBe(0);
      expect(tar.stdout.subarray(257, 265).toString('latin1')).toBe('ustar\u000000');
      const names = spawnSync('tar', ['-t', '-f', '-'], { input: tar.stdout, encoding: 'utf8' }).stdout.split(
        '\n',
      );
      expect(names).toEqual(
        expect.arrayContaining([
          'deps/plain.txt',
          'deps/links/to-file',
          'out/a.txt',
          '../../home/.cache/tool/state.db',
        ]),
      );
      expect(names.filter((n) => n.startsWith('/'))).toEqual([]);

      const reader = world.job(prefix);
      writeTree(join(reader.workspace, 'deps'), { 'plain.txt': 'stale file from an earlier step' });
      const hit = expectExit(await reader.step({ action: 'cache', with: { path, key: 'tree-1' } }), 0);
      expect(output(hit, 'cache-hit')).toBe('true');
      expect(hit.warnings).toEqual([]);
      expect(readdirSync(reader.runnerTemp).sort()).toEqual(HARNESS_TEMP);
      expect(describeTree(join(reader.workspace, 'deps'))).toEqual(
        describeTree(join(writer.workspace, 'deps')),
      );
      expect(describeTree(join(reader.home, '.cache', 'tool'))).toEqual(
        describeTree(join(writer.home, '.cache', 'tool')),
      );
      expect(existsSync(join(reader.workspace, 'out', 'a.txt'))).toBe(true);
      expect(existsSync(join(reader.workspace, 'out', 'skip.log'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a multi-part entry', () => {
  it(
    'is uploaded as a conditional multipart upload and downloaded with parallel ranged GETs',
    async () => {
      const prefix = world.env.newPrefix();
      const tuning = { DAZN_CACHE_DOWNLOAD_PART_SIZE: String(4 * MiB) };
      const requests = world.env.proxy.requests;
      const from = requests.length;
      await world.seed(
        prefix,
        'multi-1',
        { 'blob.bin': noise(11 * MiB), 'small.txt': 'small' },
        { env: tuning, with: { 'upload-chunk-size': String(5 * MiB) } },
      );
      const objectPath = `/${world.env.bucket}/${prefix}/`;
      const upload = requests.slice(from).filter((r) => r.url.startsWith(objectPath));
      const query = (url: string) => new URL(url, 'http://x').searchParams;
      const starts = upload.filter((r) => r.method === 'POST' && query(r.url).has('uploads'));
      const parts = upload.filter((r) => r.method === 'PUT' && query(r.url).has('partNumber'));
      const completes = upload.filter((r) => r.method === 'POST' && query(r.url).has('uploadId'));
      expect(starts).toHaveLength(1);
      expect(parts.length).toBeGreaterThanOrEqual(2);
      expect(completes.map((r) => [r.ifNoneMatch, r.status])).toEqual([['*', 200]]);
      expect(await world.env.openUploads(prefix)).toBe(0);
      const [entry] = await world.env.list(prefix);
      expect(entry.size).toBeGreaterThan(11 * MiB);

      const reader = world.job(prefix, { env: tuning });
      const restoreFrom = requests.length;
      const hit = expectExit(
        await reader.step({ action: 'cache', with: { path: 'deps', key: 'multi-1' } }),
        0,
      );
      expect(output(hit, 'cache-hit')).toBe('true');
      const ranged = requests
        .slice(restoreFrom)
        .filter((r) => r.method === 'GET' && r.url.startsWith(objectPath) && r.range !== undefined);
      expect(ranged.length).toBeGreaterThanOrEqual(3);
      expect(readFileSync(join(reader.workspace, 'deps', 'small.txt'), 'utf8')).toBe('small');
      expect(describeTree(join(reader.workspace, 'deps'))).toHaveLength(2);
      expect(hit.summary).toMatch(/MB\/s/);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a segmented entry', () => {
  it(
    'is saved by several tar | zstd pipelines into one multipart object and restored by several at once, tree intact',
    async () => {
      const prefix = world.env.newPrefix();
      const tuning = { DAZN_CACHE_SEGMENTS: '3', DAZN_CACHE_DOWNLOAD_PART_SIZE: String(1 * MiB) };
      const requests = world.env.proxy.requests;
      const path = ['deps', '~/.cache/tool'].join('\n');
      const writer = world.job(prefix, { env: tuning });
      const big: TreeSpec = {};
      for (let i = 0; i < 12; i++) big[`pkg-${i % 4}/chunk-${i}.bin`] = noise(1 * MiB);
      writeTree(join(writer.workspace, 'deps'), { ...TREE, ...big });
      linkSync(
        join(writer.workspace, 'deps', 'plain.txt'),
        join(writer.workspace, 'deps', 'pkg-3', 'hard-link.txt'),
      );
      writeTree(join(writer.home, '.cache', 'tool'), { 'state.db': noise(20_000) });
      const old = new Date('2001-02-03T04:05:06Z');
      for (const dir of ['deps', 'deps/pkg-0', 'deps/empty', 'deps/données'])
        utimesSync(join(writer.workspace, dir), old, old);
      const from = requests.length;
      const saved = expectExit(
        await writer.step({
          action: 'save',
          with: { path, key: 'seg-1', 'upload-chunk-size': String(5 * MiB) },
        }),
        0,
      );
      expect(saved.warnings).toEqual([]);
      const objectPath = `/${world.env.bucket}/${prefix}/`;
      const parts = requests
        .slice(from)
        .filter((r) => r.method === 'PUT' && r.url.startsWith(objectPath) && r.url.includes('partNumber'));
      expect(parts.length).toBeGreaterThanOrEqual(2);
      const [entry] = await world.env.list(prefix);
      const stored = await world.env.getBytes(entry.key);
      expect(stored.metadata.format).toBe('tar+zstd-segments/1');
      expect(stored.body.subarray(stored.body.length - 8).toString('latin1')).toBe('DZCSEGS1');

      const reader = world.job(prefix, { env: tuning });
      const restoreFrom = requests.length;
      const hit = expectExit(await reader.step({ action: 'restore', with: { path, key: 'seg-1' } }), 0);
      expect(output(hit, 'cache-hit')).toBe('true');
      expect(hit.warnings).toEqual([]);
      expect(readdirSync(reader.runnerTemp).sort()).toEqual(HARNESS_TEMP);
      const ranged = requests
        .slice(restoreFrom)
        .filter((r) => r.method === 'GET' && r.url.startsWith(objectPath) && r.range !== undefined);
      expect(ranged.length).toBeGreaterThanOrEqual(12);
      expect(describeTree(join(reader.workspace, 'deps'))).toEqual(
        describeTree(join(writer.workspace, 'deps')),
      );
      expect(describeTree(join(reader.home, '.cache', 'tool'))).toEqual(
        describeTree(join(writer.home, '.cache', 'tool')),
      );
      const inode = (p: string) => lstatSync(join(reader.workspace, 'deps', p)).ino;
      expect(inode('pkg-3/hard-link.txt')).toBe(inode('plain.txt'));
      for (const dir of ['deps', 'deps/pkg-0', 'deps/empty', 'deps/données'])
        expect(statSync(join(reader.workspace, dir)).mtime.toISOString()).toBe(old.toISOString());
    },
    TEST_TIMEOUT_MS,
  );
});

describe('restore/ and save/ sub-actions', () => {
  it(
    'save/ saves under its key input and restore/ sets the three outputs (settings as inputs)',
    async () => {
      const prefix = world.env.newPrefix();
      const env = world.env.settings(prefix);
      const settingsAsInputs = {
        bucket: env.DAZN_CACHE_BUCKET,
        region: env.DAZN_CACHE_REGION,
        endpoint: env.DAZN_CACHE_ENDPOINT,
        'sts-endpoint': env.DAZN_CACHE_STS_ENDPOINT,
        'role-to-assume': env.DAZN_CACHE_ROLE_ARN,
        prefix,
      };
      const noEnvSettings = {
        DAZN_CACHE_BUCKET: undefined,
        DAZN_CACHE_REGION: undefined,
        DAZN_CACHE_ENDPOINT: undefined,
        DAZN_CACHE_STS_ENDPOINT: undefined,
        DAZN_CACHE_ROLE_ARN: undefined,
        DAZN_CACHE_PREFIX: undefined,
      };
      const restoreOnly = async (job: Job, key: string): Promise<StepResult> =>
        expectExit(
          await job.step({
            action: 'restore',
            with: { ...settingsAsInputs, path: 'deps', key, 'restore-keys': 'sub-' },
            env: noEnvSettings,
          }),
          0,
        );

      const first = world.job(prefix);
      const miss = await restoreOnly(first, 'sub-1');
      expect(output(miss, 'cache-hit')).toBe('');
      expect(output(miss, 'cache-primary-key')).toBe('sub-1');
      expect(output(miss, 'cache-matched-key')).toBe('');

      writeTree(join(first.workspace, 'deps'), { 'x.txt': 'sub-action' });
      const saved = expectExit(
        await first.step({
          action: 'save',
          with: { ...settingsAsInputs, path: 'deps', key: 'sub-1' },
          env: noEnvSettings,
        }),
        0,
      );
      expect(saved.warnings).toEqual([]);
      expect(await world.env.list(prefix)).toHaveLength(1);

      const second = world.job(prefix);
      const [hit, partial] = await Promise.all([
        restoreOnly(second, 'sub-1'),
        restoreOnly(world.job(prefix), 'sub-2'),
      ]);
      expect(output(hit, 'cache-hit')).toBe('true');
      expect(output(hit, 'cache-primary-key')).toBe('sub-1');
      expect(output(hit, 'cache-matched-key')).toBe('sub-1');
      expect(describeTree(join(second.workspace, 'deps'))).toEqual(
        describeTree(join(first.workspace, 'deps')),
      );

      expect(output(partial, 'cache-hit')).toBe('false');
      expect(output(partial, 'cache-matched-key')).toBe('sub-1');
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a job that saves and a job that restores, with OIDC', () => {
  let steps: StepResult[] = [];
  let prefix = '';
  beforeAll(async () => {
    prefix = world.env.newPrefix();
    const writer = new Job({ env: world.env.settings(prefix) });
    const reader = new Job({ env: world.env.settings(prefix) });
    try {
      const run = await runJob(writer, {
        with: { path: 'deps', key: 'secret-1' },
        between: () => writeTree(join(writer.workspace, 'deps'), { 'blob.bin': noise(100_000) }),
      });
      const hit = await reader.step({ action: 'cache', with: { path: 'deps', key: 'secret-1' } });
      steps = [run.main, postStep(run), hit];
      steps.forEach((step) => expectExit(step, 0));
    } finally {
      writer.cleanup();
      reader.cleanup();
    }
  }, TEST_TIMEOUT_MS);

  it('never prints the OIDC token or the STS credentials, and masks them', () => {
    const secrets = world.env.secrets();
    const calls = world.env.proxy.assumeRoleCalls;
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(secrets.length).toBeGreaterThanOrEqual(9);
    const accessKeys = calls.map((c) => c.accessKeyId).filter((k) => k !== '');
    for (const step of steps) {
      const log = step.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      for (const secret of secrets) {
        expect(log.includes(secret) ? `stdout has ${secret.slice(0, 6)}…` : 'clean').toBe('clean');
        expect(step.stderr.includes(secret) ? `stderr has ${secret.slice(0, 6)}…` : 'clean').toBe('clean');
        expect(step.summary.includes(secret) ? `summary has ${secret.slice(0, 6)}…` : 'clean').toBe('clean');
      }
      for (const secret of [...secrets, ...accessKeys]) {
        expect(step.stateFile.includes(secret) ? `GITHUB_STATE has ${secret.slice(0, 6)}…` : 'clean').toBe(
          'clean',
        );
        expect(step.outputFile.includes(secret) ? `GITHUB_OUTPUT has ${secret.slice(0, 6)}…` : 'clean').toBe(
          'clean',
        );
      }
    }
    // each step assumed the role itself and masked what it received
    const stepCalls = calls.slice(-steps.length);
    steps.forEach((step, i) => {
      expect(step.masks).toEqual(
        expect.arrayContaining([
          stepCalls[i].webIdentityToken,
          stepCalls[i].secretAccessKey,
          stepCalls[i].sessionToken,
        ]),
      );
    });
  });

  it('prints every resolved setting with core.debug', () => {
    const settings = world.env.settings(prefix);
    for (const step of steps) {
      const debug = step.debugs.join('\n');
      for (const value of [
        settings.DAZN_CACHE_BUCKET,
        settings.DAZN_CACHE_ENDPOINT,
        settings.DAZN_CACHE_REGION,
        prefix,
      ]) {
        expect(debug).toContain(value);
      }
    }
  });

  it('writes a job summary line for the save and the restore: key, scope, size, MB/s', () => {
    const [, save, restore] = steps;
    for (const step of [save, restore]) {
      expect(step.summary).toContain('secret-1');
      expect(step.summary).toMatch(/MB\/s/);
    }
    expect(restore.summary).toContain('refs/heads/main');
  });
});
