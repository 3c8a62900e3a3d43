/**
 * Saves through a fault-injecting proxy: failed and reset parts are retried; a save killed with
 * SIGKILL mid-upload leaves no visible entry and a later save of the key succeeds; throttling
 * (503 SlowDown on every third request) slows but does not break a save or a restore.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { FaultRule, s3Operation } from '../support/fault-proxy';
import { expectExit, StepResult } from '../support/runner';
import { fillWorkspace, Job, readTree, startWorld, stepLog, World } from './world';

jest.setTimeout(180_000);

const MiB = 1024 * 1024;
const ENTRY_BYTES = 12 * MiB; // three parts of 5 MiB (upload-chunk-size)
let world: World;
const jobs: Job[] = [];
let seed = 1000;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  for (const job of jobs) job.cleanup();
  await world?.stop();
});
afterEach(() => world.proxy.setRule(() => undefined));

function newJob(prefix: string, env: Record<string, string> = {}): Job {
  const job = new Job({ env: world.env(prefix, env) });
  jobs.push(job);
  return job;
}

async function save(
  prefix: string,
  key: string,
  rule: FaultRule,
  options: { timeoutMs?: number; size?: number } = {},
): Promise<{ step: StepResult; tree: Map<string, string> }> {
  const job = newJob(prefix);
  fillWorkspace(job.workspace, options.size ?? ENTRY_BYTES, seed++);
  world.proxy.setRule(rule);
  const step = await job.step({
    action: 'save',
    with: { path: 'cached', key, 'upload-chunk-size': String(5 * MiB) },
    timeoutMs: options.timeoutMs,
  });
  world.proxy.setRule(() => undefined);
  return { step, tree: readTree(job.workspace) };
}

async function restore(prefix: string, key: string, rule: FaultRule = () => undefined) {
  world.proxy.setRule(rule);
  const job = newJob(prefix);
  const step = await job.step({ action: 'restore', with: { path: 'cached', key } });
  world.proxy.setRule(() => undefined);
  return { step, tree: readTree(job.workspace) };
}

function expectSaved(step: StepResult): void {
  expectExit(step, 0);
  if (step.warnings.length) throw new Error(`expected a clean save\n${stepLog(step)}`);
}

function expectHit(result: { step: StepResult; tree: Map<string, string> }, tree: Map<string, string>): void {
  expectExit(result.step, 0);
  if (result.step.outputs['cache-hit'] !== 'true') throw new Error(`expected a hit\n${stepLog(result.step)}`);
  expect(result.tree).toEqual(tree);
}

const writes = (from: number) => world.proxy.log.slice(from).map((r) => s3Operation(r));

test('a save retries parts answered with 500 or reset, and the entry restores', async () => {
  const prefix = world.newPrefix();
  const key = `parts-${prefix}`;
  const seen = new Set<string>();
  const before = world.proxy.log.length;
  const saved = await save(prefix, key, (r) => {
    const op = s3Operation(r);
    if (op !== 'UploadPart' && op !== 'PutObject') return undefined;
    const part = new URL(r.url, 'http://x').searchParams.get('partNumber') ?? 'single';
    if (seen.has(part)) return undefined;
    seen.add(part);
    return part === '2' ? { kind: 'reset', afterBytes: 0 } : { kind: 'status', status: 500 };
  });
  expectSaved(saved.step);
  const ops = writes(before);
  expect(ops.filter((o) => o === 'UploadPart').length).toBeGreaterThanOrEqual(6); // 3 parts, each twice
  expect(await world.keys(`${prefix}/`)).toHaveLength(1);
  expectHit(await restore(prefix, key), saved.tree);
});

/** Pids of the node processes running a step in `workspace` (found through /proc). */
function stepPids(workspace: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (environ.includes(`GITHUB_WORKSPACE=${workspace}`) && cmdline.includes('index.js'))
        pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

test('a save killed with SIGKILL mid-upload leaves no visible entry; a later save of the key succeeds', async () => {
  const prefix = world.newPrefix();
  const key = `killed-${prefix}`;
  const before = world.proxy.log.length;
  const job = newJob(prefix);
  fillWorkspace(job.workspace, ENTRY_BYTES, seed++);
  // Part uploads reach the server but their answers are held back, so the upload is still in flight
  // (no CompleteMultipartUpload can be sent) when the step is killed, however fast the machine is.
  const uploads = (): number =>
    world.proxy.log.slice(before).filter((r) => s3Operation(r) === 'UploadPart').length;
  world.proxy.setRule((r) => {
    if (s3Operation(r) !== 'UploadPart' && s3Operation(r) !== 'PutObject') return undefined;
    return { kind: 'delay', ms: 20_000 };
  });
  const running = job.step({
    action: 'save',
    with: { path: 'cached', key, 'upload-chunk-size': String(5 * MiB) },
  });
  const deadline = Date.now() + 60_000;
  let killed = 0;
  while (Date.now() < deadline && killed === 0) {
    await new Promise((r) => setTimeout(r, 100));
    if (uploads() >= 1) {
      await new Promise((r) => setTimeout(r, 500)); // some part bytes are on the wire
      for (const pid of stepPids(job.workspace)) {
        process.kill(pid, 'SIGKILL');
        killed += 1;
      }
    }
  }
  const step = await running;
  world.proxy.setRule(() => undefined);
  if (step.signal !== 'SIGKILL') throw new Error(`the save was not killed mid-upload\n${stepLog(step)}`);
  const ops = writes(before);
  expect(ops).toContain('UploadPart');
  expect(ops).not.toContain('CompleteMultipartUpload');
  expect(await world.keys(`${prefix}/`)).toEqual([]);
  const miss = await restore(prefix, key);
  expectExit(miss.step, 0);
  expect(miss.step.outputs['cache-hit'] ?? '').toBe('');

  const again = await save(prefix, key, () => undefined);
  expectSaved(again.step);
  expect(await world.keys(`${prefix}/`)).toHaveLength(1);
  expectHit(await restore(prefix, key), again.tree);
});

test('throttling (503 SlowDown on every third request) slows but does not break a save or a restore', async () => {
  const prefix = world.newPrefix();
  const key = `throttled-${prefix}`;
  const throttle: FaultRule = (r) =>
    r.index % 3 === 2 ? { kind: 'status', status: 503, code: 'SlowDown' } : undefined;
  const before = world.proxy.log.length;
  const saved = await save(prefix, key, throttle);
  expectExit(saved.step, 0);
  expect(await world.keys(`${prefix}/`)).toHaveLength(1);
  const restored = await restore(prefix, key, throttle);
  expectHit(restored, saved.tree);
  const throttled = world.proxy.log.slice(before).filter((r) => r.fault?.kind === 'status');
  expect(throttled.length).toBeGreaterThanOrEqual(3);
});
