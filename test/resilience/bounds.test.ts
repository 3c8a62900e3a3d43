/**
 * Nothing hangs: for each request the action sends, a server that accepts the connection and never
 * answers (or answers the headers and then stalls the body) ends the step within its bound, with a
 * warning naming the operation and the right outcome: a restore is a miss, a save saves nothing and
 * leaves no incomplete multipart upload. The bounds are short here (DAZN_CACHE_REQUEST_TIMEOUT_SECS=1)
 * so the tests take seconds; a step that hung would run into the harness's 150 s limit.
 */
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { Fault, FaultRule, s3Operation } from '../support/fault-proxy';
import { expectExit, StepResult } from '../support/runner';
import { fillWorkspace, Job, readTree, startWorld, stepLog, World } from './world';

jest.setTimeout(240_000);

const MiB = 1024 * 1024;
const REQUEST_TIMEOUT_SECS = 1;
/**
 * The longest a step may take when one operation hangs on every attempt: 5 attempts of 1 s silence,
 * the backoff between them (full jitter, at most 0.2 + 0.4 + 0.8 + 1.6 s), an abort of 5 more such
 * attempts at worst, and 20 s for starting node, tar and zstd on a busy machine. Only tells "gave up"
 * from "hung" (150 s): the numbers themselves are not under test.
 */
const BOUND_MS = (5 * REQUEST_TIMEOUT_SECS + 3) * 2 * 1000 + 20_000;

let world: World;
const jobs: Job[] = [];
let seed = 5000;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  for (const job of jobs) job.cleanup();
  await world?.stop();
});
afterEach(() => world.proxy.setRule(() => undefined));

/** STS through the fault proxy too, and 1 s of silence ends an attempt. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DAZN_CACHE_STS_ENDPOINT: world.proxy.endpoint,
    DAZN_CACHE_REQUEST_TIMEOUT_SECS: String(REQUEST_TIMEOUT_SECS),
    ...extra,
  };
}

function newJob(prefix: string, extra: Record<string, string> = {}): Job {
  const job = new Job({ env: world.env(prefix, env(extra)) });
  jobs.push(job);
  return job;
}

const on =
  (operation: string, fault: Fault): FaultRule =>
  (r) =>
    s3Operation(r) === operation ? fault : undefined;

async function saveWith(
  prefix: string,
  key: string,
  rule: FaultRule,
  options: { size?: number; env?: Record<string, string> } = {},
): Promise<StepResult> {
  const job = newJob(prefix, options.env);
  fillWorkspace(job.workspace, options.size ?? 12 * MiB, seed++);
  world.proxy.setRule(rule);
  const step = await job.step({
    action: 'save',
    with: { path: 'cached', key, 'upload-chunk-size': String(5 * MiB) },
  });
  world.proxy.setRule(() => undefined);
  return step;
}

async function savedEntry(): Promise<{ prefix: string; key: string; tree: Map<string, string> }> {
  const prefix = world.newPrefix();
  const key = `bounds-${prefix}`;
  const job = newJob(prefix);
  fillWorkspace(job.workspace, 2 * MiB, seed++);
  const step = expectExit(await job.step({ action: 'save', with: { path: 'cached', key } }), 0);
  expect(step.warnings).toEqual([]);
  return { prefix, key, tree: readTree(job.workspace) };
}

async function restoreWith(
  entry: { prefix: string; key: string },
  rule: FaultRule,
  extra: Record<string, string> = {},
): Promise<StepResult> {
  world.proxy.setRule(rule);
  const job = newJob(entry.prefix, extra);
  const step = await job.step({ action: 'restore', with: { path: 'cached', key: entry.key } });
  world.proxy.setRule(() => undefined);
  return step;
}

/** Ended on its own, in time, exit 0, no hit, and a warning that matches. */
function expectWarnedMiss(step: StepResult, warning: RegExp, bound = BOUND_MS): void {
  expectExit(step, 0);
  if (step.outputs['cache-hit'] === 'true') throw new Error(`expected no hit\n${stepLog(step)}`);
  if (!step.warnings.some((w) => warning.test(w))) {
    throw new Error(`expected a warning matching ${warning}\n${stepLog(step)}`);
  }
  if (step.durationMs >= bound)
    throw new Error(`took ${step.durationMs} ms (bound ${bound})\n${stepLog(step)}`);
}

async function incompleteUploads(prefix: string): Promise<string[]> {
  const answer = await world.s3.send(
    new ListMultipartUploadsCommand({ Bucket: world.bucket, Prefix: prefix }),
  );
  return (answer.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

/** Ended in time with a warning matching `warning`; nothing saved, no incomplete upload left. */
async function expectNotSaved(
  step: StepResult,
  prefix: string,
  warning: RegExp,
  bound = BOUND_MS,
): Promise<void> {
  expectExit(step, 0);
  if (!step.warnings.some((w) => warning.test(w))) {
    throw new Error(`expected a warning matching ${warning}\n${stepLog(step)}`);
  }
  if (step.durationMs >= bound)
    throw new Error(`took ${step.durationMs} ms (bound ${bound})\n${stepLog(step)}`);
  expect(step.lines.join('\n')).not.toMatch(/Cache saved with key/);
  expect(await world.keys(`${prefix}/`)).toEqual([]);
  expect(await incompleteUploads(`${prefix}/`)).toEqual([]);
}

const hang: Fault = { kind: 'hang' };
const headersThenStall: Fault = { kind: 'stall', afterBytes: 0 };

describe('restore', () => {
  test.each([
    ['ListObjectsV2', hang],
    ['ListObjectsV2', headersThenStall],
    ['GetObject', hang],
    ['GetObject', headersThenStall],
    ['STS', hang],
    ['STS', headersThenStall],
  ])('%s %j on every attempt: a miss with a warning, within the bound', async (operation, fault) => {
    const entry = await savedEntry();
    const step = await restoreWith(entry, on(operation, fault));
    const named = operation === 'STS' ? 'STS AssumeRoleWithWebIdentity' : `S3 ${operation}`;
    expectWarnedMiss(
      step,
      new RegExp(`Failed to restore: ${named}.*(failed after 5 attempts|got no answer after 5 attempts)`),
    );
    expect(world.proxy.log.filter((r) => r.fault === fault).length).toBeGreaterThanOrEqual(5);
  });

  test('HeadObject of a long key hanging: a miss with a warning, within the bound', async () => {
    // A key whose encoded form is longer than an S3 object name allows (1024 bytes; each 'é' takes 2)
    // keeps its tail in metadata, read back with HeadObject.
    const prefix = world.newPrefix();
    const key = `long-${prefix}-${'é'.repeat(480)}`;
    const saver = newJob(prefix);
    fillWorkspace(saver.workspace, 64 * 1024, seed++);
    expectExit(await saver.step({ action: 'save', with: { path: 'cached', key } }), 0);
    // Found through a restore key, the entry's whole key is read with HeadObject (an exact match is not).
    world.proxy.setRule(on('HeadObject', hang));
    const job = newJob(prefix);
    const step = await job.step({
      action: 'restore',
      with: { path: 'cached', key: `other-${prefix}`, 'restore-keys': `long-${prefix}-` },
    });
    world.proxy.setRule(() => undefined);
    if (!world.proxy.log.some((r) => r.fault === hang)) {
      throw new Error(
        `the restore sent no HeadObject: the test does not test what it says\n${world.proxy.log.map((r) => `${s3Operation(r)} ${r.url.slice(0, 100)}`).join('\n')}`,
      );
    }
    expectWarnedMiss(step, /Failed to restore: S3 HeadObject .* failed after 5 attempts/);
  });

  test('the step budget (DAZN_CACHE_STEP_TIMEOUT_MINS) ends a restore whose every request hangs', async () => {
    const entry = await savedEntry();
    // 30 s of silence per attempt (the default) would take minutes; the budget is 6 s.
    const step = await restoreWith(entry, () => hang, {
      DAZN_CACHE_REQUEST_TIMEOUT_SECS: '30',
      DAZN_CACHE_STEP_TIMEOUT_MINS: '0.1',
    });
    expectWarnedMiss(
      step,
      /did not finish within the budget of 6 s \(DAZN_CACHE_STEP_TIMEOUT_MINS\)/,
      30_000,
    );
  });
});

describe('save', () => {
  test.each([
    ['HeadObject', 12 * MiB],
    ['PutObject', 64 * 1024],
    ['CreateMultipartUpload', 12 * MiB],
    ['UploadPart', 12 * MiB],
    ['CompleteMultipartUpload', 12 * MiB],
    ['STS', 12 * MiB],
  ])(
    '%s hanging on every attempt: not saved, a warning, no incomplete upload, within the bound',
    async (operation, size) => {
      const prefix = world.newPrefix();
      const step = await saveWith(prefix, `hang-${prefix}`, on(operation, hang), { size });
      const named = operation === 'STS' ? 'STS AssumeRoleWithWebIdentity' : `S3 ${operation}`;
      await expectNotSaved(step, prefix, new RegExp(`Failed to save: ${named}.*after 5 attempts`));
      // Every attempt (5 per request; UploadPart: per part) reached the server.
      expect(
        world.proxy.log.filter((r) => r.fault === hang && s3Operation(r) === operation).length,
      ).toBeGreaterThanOrEqual(5);
    },
  );

  test('a refused part and a hanging AbortMultipartUpload: the step still ends, and says the parts stay', async () => {
    const prefix = world.newPrefix();
    const step = await saveWith(prefix, `abort-${prefix}`, (r) => {
      const op = s3Operation(r);
      if (op === 'UploadPart') return { kind: 'status', status: 403, code: 'AccessDenied' };
      if (op === 'AbortMultipartUpload') return hang;
      return undefined;
    });
    expectExit(step, 0);
    expect(step.warnings.join('\n')).toMatch(/S3 denied UploadPart .*s3:PutObject/);
    expect(step.lines.join('\n')).toMatch(/Could not abort the multipart upload .* lifecycle rule/);
    expect(step.durationMs).toBeLessThan(BOUND_MS);
    expect(await world.keys(`${prefix}/`)).toEqual([]);
  });

  test('the step budget (DAZN_CACHE_STEP_TIMEOUT_MINS) ends a save whose parts hang; the upload is aborted', async () => {
    const prefix = world.newPrefix();
    const step = await saveWith(prefix, `budget-${prefix}`, on('UploadPart', hang), {
      env: { DAZN_CACHE_REQUEST_TIMEOUT_SECS: '30', DAZN_CACHE_STEP_TIMEOUT_MINS: '0.1' },
    });
    await expectNotSaved(
      step,
      prefix,
      /Failed to save: S3 UploadPart .*did not finish within the budget of 6 s \(DAZN_CACHE_STEP_TIMEOUT_MINS\)/,
      30_000,
    );
  });
});
