/**
 * A restore that fails part way never becomes a cache entry (issue: "a failed restore poisons the
 * cache"). Entry `deps-v1` (24 files, ~12 MiB of them before the last) is restored for primary key
 * `deps-v2` through restore key `deps-`, and the download or the extraction fails part way: a
 * deadline, a range that keeps resetting, a 403 and a 412 on a later range, a corrupted stored
 * object, a full disk, SIGKILL. After each: no file of the entry stays in the workspace (files that
 * were there before the restore and are not in the entry stay), the job's post step stores nothing
 * the restore left behind, and the next job gets no exact hit on a partial tree. Runs the built
 * bundles through the runner simulation, moto behind the fault-injecting proxy; every case for a
 * plain entry and for a segmented one (three file segments extracted at once, then the folders).
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fault, FaultRule } from '../support/fault-proxy';
import { expectExit, runJob, StepResult } from '../support/runner';
import { isRangedGet, Job, noise, startWorld, stepLog, World } from './world';

jest.setTimeout(240_000);

const FILES = 24;
const FILE_BYTES = 1024 * 1024; // 24 MiB of incompressible data: 12 MiB is the middle
const HALF = 12 * 1024 * 1024;

let world: World;
const jobs: Job[] = [];

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  for (const job of jobs) job.cleanup();
  await world?.stop();
});
afterEach(() => world.proxy.setRule(() => undefined));

function newJob(prefix: string, env: Record<string, string> = {}, root?: string): Job {
  const job = new Job({ env: world.env(prefix, env), root });
  jobs.push(job);
  return job;
}

/** `<workspace>/deps`: 24 files of 1 MiB, in two folders. */
function fillDeps(workspace: string, seed: number): void {
  for (let i = 0; i < FILES; i++) {
    const dir = join(workspace, 'deps', i < FILES / 2 ? 'a' : 'b');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file-${String(i).padStart(2, '0')}.bin`), noise(FILE_BYTES, seed + i));
  }
}

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), r);
      else found.push(r);
    }
  };
  walk(root, '');
  return found.sort();
}

let seed = 100;
/** DAZN_CACHE_SEGMENTS of the saves of `deps-v1`: every failure kind is tried on both formats. */
let saveSegments = '1';
/** Saves `deps-v1` in a fresh prefix with the save-only action (no faults). */
async function savedDeps(): Promise<{ prefix: string }> {
  const prefix = world.newPrefix();
  const job = newJob(prefix);
  fillDeps(job.workspace, (seed += 50));
  const step = expectExit(
    await job.step({
      action: 'save',
      with: { path: 'deps', key: 'deps-v1' },
      env: { DAZN_CACHE_UPLOAD_CONCURRENCY: '4', DAZN_CACHE_SEGMENTS: saveSegments },
    }),
    0,
  );
  expect(step.warnings).toEqual([]);
  const [key] = await world.keys(`${prefix}/`);
  const { Metadata } = await world.s3.send(new HeadObjectCommand({ Bucket: world.bucket, Key: key }));
  expect(Metadata?.format).toBe(saveSegments === '1' ? 'tar+zstd/1' : 'tar+zstd-segments/1');
  return { prefix };
}

/** Bytes a ranged GET asks for (from the Range header). */
function rangeLength(range: string | string[] | undefined): number {
  const match = /^bytes=(\d+)-(\d+)$/.exec(String(range));
  return match ? Number(match[2]) - Number(match[1]) + 1 : 0;
}

/**
 * A fault on every ranged GET of the entry's data asked for once 12 MiB of it have been asked for:
 * for one stream, the ranges that start at or after 12 MiB; for a segmented entry, whose segments
 * are fetched at once from several places, the GETs after the first 12 MiB in request order. The
 * restore's first GET, of the entry's last 64 KiB (its format, and a segmented entry's index), is let
 * through: the faults are about a restore that has started writing.
 */
function afterHalf(fault: Fault): FaultRule {
  let requested = 0;
  return (r) => {
    const length = rangeLength(r.headers.range);
    if (!isRangedGet(r) || length <= 64 * 1024) return undefined;
    const before = requested;
    requested += length;
    return before >= HALF ? fault : undefined;
  };
}

interface Outcome {
  job: Job;
  main: StepResult;
  post: StepResult | undefined;
}

/**
 * One job: action.yml's main step restores deps-v2 / deps- under `rule`, the job's own steps do
 * nothing, then the post step runs (as it does when the job succeeds).
 */
async function failingRestoreJob(
  prefix: string,
  rule: FaultRule,
  env: Record<string, string> = {},
  prepare?: (job: Job) => void,
): Promise<Outcome> {
  const job = newJob(prefix, env);
  prepare?.(job);
  // A file of the user's beside the cached folder, and one inside it, both not in the entry.
  writeFileSync(join(job.workspace, 'README.user'), 'mine\n');
  mkdirSync(join(job.workspace, 'deps'), { recursive: true });
  writeFileSync(join(job.workspace, 'deps', 'local.user'), 'mine too\n');
  world.proxy.setRule(rule);
  const run = await runJob(job, {
    with: { path: 'deps', key: 'deps-v2', 'restore-keys': 'deps-' },
    timeoutMs: 200_000,
  });
  world.proxy.setRule(() => undefined);
  return { job, main: run.main, post: run.post };
}

/** What every failure kind must leave: a miss, the user's files only, nothing saved, no later hit. */
async function expectNoPoison(prefix: string, outcome: Outcome, cause: RegExp): Promise<void> {
  const { job, main, post } = outcome;
  const log = stepLog(main) + (post ? stepLog(post) : '');
  expectExit(main, 0);
  expect(main.outputs['cache-hit']).not.toBe('true');
  expect(main.warnings.join('\n')).toMatch(cause);
  // Every file the restore wrote is gone; the user's files are not.
  expect({ files: filesUnder(join(job.workspace, 'deps')), log }).toEqual({ files: ['local.user'], log });
  expect(existsSync(join(job.workspace, 'README.user'))).toBe(true);
  expect(main.lines.join('\n')).toMatch(/removed the \d+ files and \d+ folders it had written/);
  // The post step saved the workspace as the job left it: only the user's file, never the entry's.
  if (post) expectExit(post, 0);
  const keys = await world.keys(`${prefix}/`);
  const v2 = keys.filter((k) => k.endsWith('/deps-v2'));
  if (v2.length > 0) {
    const next = newJob(prefix);
    const hit = expectExit(await next.step({ action: 'restore', with: { path: 'deps', key: 'deps-v2' } }), 0);
    expect(filesUnder(join(next.workspace, 'deps'))).toEqual(['local.user']);
    expect(hit.outputs['cache-hit']).toBe('true');
  }
}

describe.each([
  ['one tar+zstd stream', '1'],
  ['three segments extracted at once', '3'],
])('an entry of %s', (_format, segments) => {
  beforeAll(() => {
    saveSegments = segments;
  });

  test('a restore past its SEGMENT_DOWNLOAD_TIMEOUT_MINS deadline removes what it wrote, and nothing partial is saved', async () => {
    const { prefix } = await savedDeps();
    const outcome = await failingRestoreJob(prefix, afterHalf({ kind: 'stall', afterBytes: 1000 }), {
      SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.1',
    });
    await expectNoPoison(prefix, outcome, /Failed to restore/);
  });

  test('a range that keeps resetting: the restore gives up, removes what it wrote, nothing partial is saved', async () => {
    const { prefix } = await savedDeps();
    const outcome = await failingRestoreJob(prefix, afterHalf({ kind: 'reset', afterBytes: 100 }), {
      SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.3',
    });
    await expectNoPoison(prefix, outcome, /Failed to restore/);
  });

  test.each([
    [403, 'AccessDenied'],
    [412, 'PreconditionFailed'],
  ])(
    'a %i on a later range: the restore removes what it wrote, nothing partial is saved',
    async (status, code) => {
      const { prefix } = await savedDeps();
      const outcome = await failingRestoreJob(prefix, afterHalf({ kind: 'status', status, code }));
      await expectNoPoison(prefix, outcome, /Failed to restore/);
    },
  );

  test('a corrupted stored object: no file of it stays, nothing is saved from it', async () => {
    const { prefix } = await savedDeps();
    const [key] = (await world.keys(`${prefix}/`)).filter((k) => k.endsWith('/deps-v1'));
    const object = await world.s3.send(new GetObjectCommand({ Bucket: world.bucket, Key: key }));
    if (!object.Body) throw new Error(`no body for ${key}`);
    const body = Buffer.from(await object.Body.transformToByteArray());
    body[Math.floor(body.length * 0.75)] ^= 0xff; // past the middle: half the files extract first
    await world.s3.send(
      new PutObjectCommand({ Bucket: world.bucket, Key: key, Body: body, Metadata: object.Metadata }),
    );
    const outcome = await failingRestoreJob(prefix, () => undefined);
    await expectNoPoison(prefix, outcome, /Failed to restore/);
  });

  test('a full disk (8 MiB tmpfs) mid-extraction: the restore removes what it wrote, nothing partial is saved', async () => {
    const { prefix } = await savedDeps();
    let mounted: string | undefined;
    try {
      const outcome = await failingRestoreJob(
        prefix,
        () => undefined,
        {},
        (job) => {
          // The workspace on a real small filesystem (these machines run tests as root), so tar meets
          // ENOSPC for real; RUNNER_TEMP stays on the ordinary disk.
          execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', job.workspace]);
          mounted = job.workspace;
        },
      );
      await expectNoPoison(prefix, outcome, /No space left on device/);
    } finally {
      if (mounted) execFileSync('umount', ['-l', mounted]);
    }
  });

  test('SIGKILL mid-restore: the post step refuses to save what was left, and the next job gets no exact hit', async () => {
    const { prefix } = await savedDeps();
    const job = newJob(prefix);
    // Ranges past the middle are held back, so the kill lands with half the files written.
    world.proxy.setRule(afterHalf({ kind: 'delay', ms: 60_000 }));
    let killed = false;
    const main = await job.step({
      action: 'cache',
      phase: 'main',
      with: { path: 'deps', key: 'deps-v2', 'restore-keys': 'deps-' },
      onStart: (signal) => {
        const poll = setInterval(() => {
          if (filesUnder(join(job.workspace, 'deps')).length >= 6) {
            clearInterval(poll);
            killed = true;
            signal('SIGKILL');
          }
        }, 50);
      },
      timeoutMs: 100_000,
    });
    world.proxy.setRule(() => undefined);
    expect(killed).toBe(true);
    expect(main.signal).toBe('SIGKILL');
    const leftBehind = filesUnder(join(job.workspace, 'deps'));
    expect(leftBehind.length).toBeGreaterThan(0); // what a killed process cannot take back
    // The runner runs the post step anyway (e.g. continue-on-error): it must not store that tree.
    const post = expectExit(
      await job.step({
        action: 'cache',
        phase: 'post',
        with: { path: 'deps', key: 'deps-v2', 'restore-keys': 'deps-' },
        state: main.state,
      }),
      0,
    );
    expect(post.warnings.join('\n')).toMatch(
      /Not saving deps-v2: a restore of "deps-v1" in this job.*interrupted/,
    );
    // save/ (a separate save step with if: always()) refuses too.
    const saveOnly = expectExit(
      await job.step({ action: 'save', with: { path: 'deps', key: 'deps-v2' } }),
      0,
    );
    expect(saveOnly.warnings.join('\n')).toMatch(/Not saving deps-v2/);
    expect((await world.keys(`${prefix}/`)).filter((k) => k.endsWith('/deps-v2'))).toEqual([]);
    const next = newJob(prefix);
    const again = expectExit(
      await next.step({ action: 'restore', with: { path: 'deps', key: 'deps-v2', 'restore-keys': 'deps-' } }),
      0,
    );
    expect(again.outputs['cache-hit']).toBe('false'); // the complete deps-v1 again, never a hit on deps-v2
    expect(filesUnder(join(next.workspace, 'deps'))).toHaveLength(FILES);
  });

  test('after a failed restore the job rebuilds the folder: the post step saves the rebuilt tree', async () => {
    const { prefix } = await savedDeps();
    const job = newJob(prefix, { SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.1' });
    world.proxy.setRule(afterHalf({ kind: 'stall', afterBytes: 1000 }));
    const run = await runJob(job, {
      with: { path: 'deps', key: 'deps-v2', 'restore-keys': 'deps-' },
      between: () => {
        world.proxy.setRule(() => undefined);
        mkdirSync(join(job.workspace, 'deps'), { recursive: true });
        writeFileSync(join(job.workspace, 'deps', 'rebuilt.txt'), 'built by the job\n'); // "npm ci"
      },
    });
    expect(run.main.outputs['cache-hit']).not.toBe('true');
    expect(run.post).toBeDefined();
    expect(run.post?.warnings).toEqual([]);
    const next = newJob(prefix);
    const hit = expectExit(await next.step({ action: 'restore', with: { path: 'deps', key: 'deps-v2' } }), 0);
    expect(hit.outputs['cache-hit']).toBe('true');
    expect(filesUnder(join(next.workspace, 'deps'))).toEqual(['rebuilt.txt']);
  });
});
