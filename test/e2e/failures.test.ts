/**
 * Failure semantics of the built action: bad inputs fail the step; S3, credential and archive
 * problems become warnings (the job goes on); entries are immutable and concurrent saves are safe.
 */
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { freePort } from '../support/moto';
import { RecordedRequest } from '../support/recording-proxy';
import { ActionName, expectExit, runJob, StepResult } from '../support/runner';
import { noise, text, writeTree } from '../support/tree';
import { output, postStep, setupWorld, TEST_TIMEOUT_MS } from './world';

const world = setupWorld();
const MiB = 1024 * 1024;

/** PutObject and CompleteMultipartUpload requests under a prefix: the writes that create an entry. */
function completingWrites(requests: RecordedRequest[], prefix: string): RecordedRequest[] {
  return requests.filter((r) => {
    if (r.stsAction !== '' || !r.url.includes(`/${prefix}/`)) return false;
    const query = new URL(r.url, 'http://x').searchParams;
    return (r.method === 'PUT' && !query.has('uploadId')) || (r.method === 'POST' && query.has('uploadId'));
  });
}

/** Absolute path of a program on this machine's PATH. */
function which(program: string): string {
  return execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim();
}

/** A folder for a job's PATH holding links to these programs of this machine. */
function binFolder(prefix: string, name: string, programs: string[]): string {
  const bin = join(world.job(prefix).root, name);
  mkdirSync(bin);
  for (const program of programs) symlinkSync(which(program), join(bin, program));
  return bin;
}

function expectWarnedMiss(step: StepResult): void {
  expectExit(step, 0);
  expect(output(step, 'cache-hit')).not.toBe('true');
  expect(step.warnings.length).toBeGreaterThan(0);
}

describe('invalid inputs fail the step with a message naming the input', () => {
  const long = 'k'.repeat(513);
  const elevenKeys = Array.from({ length: 10 }, (_, i) => `rk-${i}-`).join('\n');
  const cases: [string, ActionName, Record<string, string>, RegExp][] = [
    ['a key with a comma', 'cache', { path: 'deps', key: 'a,b' }, /\bkey\b/i],
    ['a key longer than 512 characters', 'cache', { path: 'deps', key: long }, /\bkey\b/i],
    ['more than 10 keys', 'cache', { path: 'deps', key: 'k', 'restore-keys': elevenKeys }, /restore-keys/i],
    [
      'a restore key with a comma',
      'cache',
      { path: 'deps', key: 'k', 'restore-keys': 'x,y' },
      /restore-keys/i,
    ],
    ['no path', 'cache', { path: '', key: 'k' }, /\bpath\b/i],
    ['save/: a key with a comma', 'save', { path: 'deps', key: 'a,b' }, /\bkey\b/i],
  ];
  it.each(cases)(
    '%s',
    async (_name, action, inputs, names) => {
      const prefix = world.env.newPrefix();
      const job = world.job(prefix);
      writeTree(join(job.workspace, 'deps'), { 'x.txt': 'x' });
      const step = await job.step({ action, with: inputs });
      expect({ exit: step.exitCode, errors: step.errors }).toEqual({
        exit: 1,
        errors: [expect.stringMatching(names)],
      });
      expect(await world.env.list(prefix)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('unavailable cache: a warning, never a failed step', () => {
  it(
    "GITHUB_REF empty (an event without a branch or tag): upstream's Event Validation warning, the job succeeds",
    async () => {
      const prefix = world.env.newPrefix();
      const job = world.job(prefix);
      const run = await runJob(job, {
        with: { path: 'deps', key: 'noref-1' },
        env: { GITHUB_REF: '', GITHUB_EVENT_NAME: 'workflow_run' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'x.txt': 'x' }),
      });
      expectWarnedMiss(run.main);
      expect(run.main.warnings.join('\n')).toMatch(
        /Event Validation Error: The event type workflow_run is not supported because it's not tied to a branch or tag ref/,
      );
      const post = expectExit(postStep(run), 0);
      expect(post.warnings.join('\n')).toMatch(/Event Validation Error/);
      expect(await world.env.list(prefix)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'S3 unreachable (endpoint on a closed loopback port): restore and save warn, the job succeeds',
    async () => {
      const prefix = world.env.newPrefix();
      const job = world.job(prefix, {
        env: { DAZN_CACHE_ENDPOINT: `http://127.0.0.1:${await freePort()}` },
      });
      const run = await runJob(job, {
        with: { path: 'deps', key: 'down-1' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'x.txt': 'x' }),
      });
      expectWarnedMiss(run.main);
      const post = expectExit(postStep(run), 0);
      expect(post.warnings.length).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'no id-token permission while role-to-assume is set: a warning naming `id-token: write`',
    async () => {
      const prefix = world.env.newPrefix();
      const job = world.job(prefix, {
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined },
      });
      const run = await runJob(job, {
        with: { path: 'deps', key: 'perm-1' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'x.txt': 'x' }),
      });
      expectWarnedMiss(run.main);
      expect(run.main.warnings.join('\n')).toContain('id-token: write');
      const post = expectExit(postStep(run), 0);
      expect(post.warnings.join('\n')).toContain('id-token: write');
      expect(await world.env.list(prefix)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "no bucket: says it falls back to GitHub's cache service, which (absent here) misses without failing",
    async () => {
      const prefix = world.env.newPrefix();
      const job = world.job(prefix, { env: { DAZN_CACHE_BUCKET: undefined } });
      const run = await runJob(job, {
        with: { path: 'deps', key: 'fallback-1' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'x.txt': 'x' }),
      });
      const said = "S3 is not configured (no bucket): using GitHub's cache service";
      expectExit(run.main, 0);
      expect(output(run.main, 'cache-hit')).not.toBe('true');
      expect(run.main.lines.filter((l) => l.includes(said))).toHaveLength(1);
      const post = expectExit(postStep(run), 0);
      expect(post.lines.filter((l) => l.includes(said))).toHaveLength(1);
      expect(world.env.proxy.requests.filter((r) => r.url.includes(prefix))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a corrupted or truncated entry is never a hit',
    async () => {
      const prefix = world.env.newPrefix();
      // incompressible data: zstd stores raw blocks, so only the frame checksum can see a flipped byte
      const files = { 'blob.bin': noise(300_000), 'a.txt': text(20_000) };
      const keys = ['rot-flipped', 'rot-truncated', 'rot-intact'];
      await Promise.all(keys.map((key) => world.seed(prefix, key, files)));
      const stored = await world.env.list(prefix);
      expect(stored).toHaveLength(3);
      const objectOf = (key: string) => stored.find((o) => o.key.endsWith(`/${key}`))?.key ?? key;

      const flipped = (await world.env.getBytes(objectOf('rot-flipped'))).body;
      flipped[Math.floor(flipped.length / 2)] ^= 0xff;
      await world.env.replaceBytes(objectOf('rot-flipped'), flipped);
      const whole = (await world.env.getBytes(objectOf('rot-truncated'))).body;
      await world.env.replaceBytes(
        objectOf('rot-truncated'),
        whole.subarray(0, Math.floor(whole.length * 0.6)),
      );

      const jobs = keys.map(() => world.job(prefix));
      const [fromFlipped, fromTruncated, fromIntact] = await Promise.all(
        keys.map((key, i) => jobs[i].step({ action: 'cache', with: { path: 'deps', key } })),
      );
      expectWarnedMiss(fromFlipped);
      expectWarnedMiss(fromTruncated);
      // the undamaged entry restores (so the misses above came from the damage)
      expect(output(expectExit(fromIntact, 0), 'cache-hit')).toBe('true');
      expect(readFileSync(join(jobs[2].workspace, 'deps', 'a.txt'), 'utf8')).toBe(text(20_000));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a bucket that does not exist: the warning says so and names the bucket',
    async () => {
      const prefix = world.env.newPrefix();
      const job = world.job(prefix, { env: { DAZN_CACHE_BUCKET: 'dazn-cache-no-such-bucket' } });
      const run = await runJob(job, {
        with: { path: 'deps', key: 'nobucket-1' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'x.txt': 'x' }),
      });
      for (const step of [run.main, postStep(run)]) {
        expectExit(step, 0);
        const warning = step.warnings.join('\n');
        expect(warning).toContain('dazn-cache-no-such-bucket');
        expect(warning).toMatch(/NoSuchBucket|does not exist/i);
      }
      expect(output(run.main, 'cache-hit')).toBe('');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a save killed mid-upload (a lost runner) leaves no visible entry, and a later save succeeds',
    async () => {
      const prefix = world.env.newPrefix();
      const job = world.job(prefix);
      writeTree(join(job.workspace, 'deps'), { 'blob.bin': noise(5.5 * MiB) });
      const inputs = { path: 'deps', key: 'killed-1', 'upload-chunk-size': String(5 * MiB) };
      let kill: ((signal: NodeJS.Signals) => void) | undefined;
      world.env.proxy.override = (method, url) => {
        if (method === 'PUT' && url.includes(`/${prefix}/`) && url.includes('partNumber=')) kill?.('SIGKILL');
        return undefined;
      };
      let killed: StepResult;
      try {
        killed = await job.step({ action: 'save', with: inputs, onStart: (signal) => (kill = signal) });
      } finally {
        world.env.proxy.override = undefined;
      }
      expect(killed.signal).toBe('SIGKILL');
      expect(await world.env.list(prefix)).toEqual([]);

      const again = expectExit(await job.step({ action: 'save', with: inputs }), 0);
      expect(again.warnings).toEqual([]);
      expect(await world.env.list(prefix)).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'zstd missing on the runner: restore and save warn, naming zstd and how to install it',
    async () => {
      const prefix = world.env.newPrefix();
      await world.seed(prefix, 'nozstd-1', { 'x.txt': 'x' });
      const bin = binFolder(prefix, 'bin-without-zstd', ['tar', 'sh', 'gzip']);
      const job = world.job(prefix, { env: { PATH: bin } });
      const run = await runJob(job, {
        with: { path: 'deps', key: 'nozstd-2', 'restore-keys': 'nozstd-' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'y.txt': 'y' }),
      });
      expectWarnedMiss(run.main);
      expect(run.main.warnings.join('\n')).toMatch(/zstd.*install/is);
      const post = expectExit(postStep(run), 0);
      expect(post.warnings.join('\n')).toMatch(/zstd.*install/is);
      expect(await world.env.list(prefix)).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a tar that is not GNU tar: restore and save warn, naming GNU tar, and leave nothing behind',
    async () => {
      const prefix = world.env.newPrefix();
      await world.seed(prefix, 'busybox-1', { 'x.txt': 'x' });
      const bin = binFolder(prefix, 'bin-busybox-tar', ['zstd', 'sh']);
      // Like busybox tar: no --posix, no --verbatim-files-from; extraction fails as well.
      writeFileSync(
        join(bin, 'tar'),
        '#!/bin/sh\n[ "$1" = --version ] && { echo "tar (busybox) 1.36.1"; exit 0; }\ncat >/dev/null\necho "tar: unrecognized option" >&2\nexit 1\n',
      );
      chmodSync(join(bin, 'tar'), 0o755);
      const job = world.job(prefix, { env: { PATH: bin } });
      const run = await runJob(job, {
        with: { path: 'deps', key: 'busybox-2', 'restore-keys': 'busybox-' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'y.txt': 'y' }),
      });
      expectWarnedMiss(run.main);
      expect(run.main.warnings.join('\n')).toMatch(
        /is not GNU tar \(tar \(busybox\) 1\.36\.1\): install GNU tar/,
      );
      const post = expectExit(postStep(run), 0);
      expect(post.warnings.join('\n')).toMatch(/is not GNU tar.*install GNU tar/);
      expect(await world.env.list(prefix)).toHaveLength(1); // only the seeded entry
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'paths that match nothing: a warning, nothing saved',
    async () => {
      const prefix = world.env.newPrefix();
      const step = await world
        .job(prefix)
        .step({ action: 'save', with: { path: 'nothing-here/*', key: 'empty-1' } });
      expectExit(step, 0);
      expect(step.warnings.length).toBeGreaterThan(0);
      expect(await world.env.list(prefix)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('immutable entries', () => {
  it.each([
    ['a single PutObject', 'small', 0],
    ['a multipart upload', 'multipart', 5.5 * MiB],
  ])(
    'saving a key that exists (%s): the existence check stops it before any write commits; an info line, nothing changed, no open upload',
    async (_what, name, blobSize) => {
      const prefix = world.env.newPrefix();
      const key = `exists-${name}`;
      const blob = noise(Math.max(1000, blobSize));
      const first = await world.seed(prefix, key, { 'who.txt': 'first', 'blob.bin': blob });
      expect(first.warnings).toEqual([]);
      const before = await world.env.list(prefix);
      const from = world.env.proxy.requests.length;
      const job = world.job(prefix);
      writeTree(join(job.workspace, 'deps'), { 'who.txt': 'second', 'blob.bin': blob });
      const again = expectExit(
        await job.step({
          action: 'save',
          with: { path: 'deps', key, 'upload-chunk-size': String(5 * MiB) },
        }),
        0,
      );
      expect(again.warnings).toEqual([]);
      expect(
        again.lines.filter((l) => /exists already: another job saved this key first/.test(l)),
      ).toHaveLength(1);
      expect(completingWrites(world.env.proxy.requests.slice(from), prefix)).toEqual([]);
      expect(await world.env.list(prefix)).toEqual(before);
      expect(await world.env.openUploads(prefix)).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'two concurrent multipart saves of one key leave exactly one complete entry and both succeed',
    async () => {
      const prefix = world.env.newPrefix();
      // two parts each (5 MiB + the rest), so both saves go through CreateMultipartUpload ... Complete
      const contents = ['first', 'second'].map((who) => ({ who, blob: noise(5.5 * MiB) }));
      const jobs = contents.map(({ who, blob }) => {
        const job = world.job(prefix, { runId: who === 'first' ? '101' : '102' });
        writeTree(join(job.workspace, 'deps'), { 'who.txt': who, 'blob.bin': blob });
        return job;
      });
      const steps = await Promise.all(
        jobs.map((job) =>
          job.step({
            action: 'save',
            with: { path: 'deps', key: 'race-1', 'upload-chunk-size': String(5 * MiB) },
          }),
        ),
      );
      for (const step of steps) {
        expectExit(step, 0);
        expect(step.warnings).toEqual([]);
        expect(step.errors).toEqual([]);
      }
      expect(await world.env.list(prefix)).toHaveLength(1);
      expect(await world.env.openUploads(prefix)).toBe(0);

      const reader = world.job(prefix);
      const hit = expectExit(
        await reader.step({ action: 'cache', with: { path: 'deps', key: 'race-1' } }),
        0,
      );
      expect(output(hit, 'cache-hit')).toBe('true');
      const who = readFileSync(join(reader.workspace, 'deps', 'who.txt'), 'utf8');
      const winner = contents.find((c) => c.who === who);
      expect(winner).toBeDefined();
      expect(
        readFileSync(join(reader.workspace, 'deps', 'blob.bin')).equals(winner?.blob ?? Buffer.alloc(0)),
      ).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'S3 itself refuses a second entry: the create is a conditional write, a refused one is an info line',
    async () => {
      const prefix = world.env.newPrefix();
      const from = world.env.proxy.requests.length;
      const first = await world.seed(prefix, 'once-1', { 'who.txt': 'first', 'blob.bin': noise(50_000) });
      expect(first.warnings).toEqual([]);
      const creates = completingWrites(world.env.proxy.requests.slice(from), prefix);
      expect(creates.length).toBeGreaterThan(0);
      expect(creates.map((r) => [r.ifNoneMatch, r.status])).toEqual(creates.map(() => ['*', 200]));
      const before = await world.env.list(prefix);
      expect(before).toHaveLength(1);

      // the other job's entry appears between this job's existence check (told 404) and its write
      world.env.proxy.override = (method, url) =>
        method === 'HEAD' && url.startsWith(`/${world.env.bucket}/${prefix}`) ? 404 : undefined;
      const raceFrom = world.env.proxy.requests.length;
      let again: StepResult;
      try {
        again = await world.seed(prefix, 'once-1', { 'who.txt': 'second', 'blob.bin': noise(50_000) });
      } finally {
        world.env.proxy.override = undefined;
      }
      expect(again.warnings).toEqual([]);
      expect(again.errors).toEqual([]);
      expect(again.lines.filter((l) => /another job|exists/i.test(l)).length).toBeGreaterThan(0);
      const refused = completingWrites(world.env.proxy.requests.slice(raceFrom), prefix);
      expect(refused.map((r) => [r.ifNoneMatch, r.status])).toEqual([['*', 412]]);
      expect(await world.env.list(prefix)).toEqual(before);
      expect(await world.env.openUploads(prefix)).toBe(0);

      const reader = world.job(prefix);
      expectExit(await reader.step({ action: 'cache', with: { path: 'deps', key: 'once-1' } }), 0);
      expect(readFileSync(join(reader.workspace, 'deps', 'who.txt'), 'utf8')).toBe('first');
    },
    TEST_TIMEOUT_MS,
  );
});
