/**
 * Restores through a fault-injecting proxy: failed, reset, truncated, stalled and slow ranges are
 * retried and the restore finishes; when it cannot, the step ends as a miss with a warning within
 * SEGMENT_DOWNLOAD_TIMEOUT_MINS, and a truncated or corrupted entry is never reported as a hit.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Fault, FaultRule, ProxiedRequest, s3Operation } from '../support/fault-proxy';
import { expectExit, StepResult } from '../support/runner';
import { fillWorkspace, isRangedGet, Job, readTree, startWorld, stepLog, World } from './world';

jest.setTimeout(180_000);

const ENTRY_BYTES = 3 * 1024 * 1024; // ~6 ranges of 512 KiB
let world: World;
const jobs: Job[] = [];
let seed = 1;

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

/** Saves an entry without faults; returns where it is and what it holds. */
async function savedEntry(
  size = ENTRY_BYTES,
): Promise<{ prefix: string; key: string; tree: Map<string, string> }> {
  const prefix = world.newPrefix();
  const key = `resilience-${prefix}`;
  const job = newJob(prefix);
  fillWorkspace(job.workspace, size, seed++);
  const step = expectExit(await job.step({ action: 'save', with: { path: 'cached', key } }), 0);
  expect(step.warnings).toEqual([]);
  expect(await world.keys(`${prefix}/`)).toHaveLength(1);
  return { prefix, key, tree: readTree(job.workspace) };
}

/** Restores `key` with `rule` applied to every request through the proxy. */
async function restoreWith(
  entry: { prefix: string; key: string },
  rule: FaultRule,
  env: Record<string, string> = {},
): Promise<{ step: StepResult; tree: Map<string, string> }> {
  world.proxy.setRule(rule);
  const job = newJob(entry.prefix, env);
  const step = await job.step({
    action: 'restore',
    with: { path: 'cached', key: entry.key },
    timeoutMs: 170_000,
  });
  world.proxy.setRule(() => undefined);
  return { step, tree: readTree(job.workspace) };
}

/** A fault on the first attempt of each distinct range (retries go through). */
function firstAttemptOfEachRange(fault: Fault, only?: (r: ProxiedRequest) => boolean): FaultRule {
  const seen = new Set<string>();
  return (r) => {
    if (!isRangedGet(r) || (only && !only(r))) return undefined;
    const range = String(r.headers.range);
    if (seen.has(range)) return undefined;
    seen.add(range);
    return fault;
  };
}

const isNotFirstRange = (r: ProxiedRequest): boolean => !/^bytes=0-/.test(String(r.headers.range));

function expectHit(result: { step: StepResult; tree: Map<string, string> }, tree: Map<string, string>): void {
  expectExit(result.step, 0);
  if (result.step.outputs['cache-hit'] !== 'true') throw new Error(`expected a hit\n${stepLog(result.step)}`);
  expect(result.tree).toEqual(tree);
}

function expectMissWithWarning(result: { step: StepResult }): void {
  expectExit(result.step, 0);
  if (result.step.outputs['cache-hit'] === 'true')
    throw new Error(`expected no hit\n${stepLog(result.step)}`);
  expect(result.step.warnings.length).toBeGreaterThan(0);
}

/** Never a hit with wrong content: either not a hit, or a hit whose files are exactly the saved ones. */
function expectNoBadHit(
  result: { step: StepResult; tree: Map<string, string> },
  tree: Map<string, string>,
): void {
  expectExit(result.step, 0);
  if (result.step.outputs['cache-hit'] === 'true') expect(result.tree).toEqual(tree);
  else expect(result.step.warnings.length).toBeGreaterThan(0);
}

test('control: a restore through the proxy without faults is a hit and uses several ranged GETs', async () => {
  const entry = await savedEntry();
  const before = world.proxy.log.length;
  expectHit(await restoreWith(entry, () => undefined), entry.tree);
  const ranged = world.proxy.log.slice(before).filter(isRangedGet);
  expect(ranged.length).toBeGreaterThanOrEqual(4);
});

test('retries ranges answered with 500 InternalError and finishes', async () => {
  const entry = await savedEntry();
  expectHit(await restoreWith(entry, firstAttemptOfEachRange({ kind: 'status', status: 500 })), entry.tree);
});

test('retries ranges whose connection is reset mid-body and finishes', async () => {
  const entry = await savedEntry();
  expectHit(
    await restoreWith(entry, firstAttemptOfEachRange({ kind: 'reset', afterBytes: 64 * 1024 })),
    entry.tree,
  );
});

test('retries ranges whose body is truncated and finishes', async () => {
  const entry = await savedEntry();
  expectHit(
    await restoreWith(entry, firstAttemptOfEachRange({ kind: 'truncate', afterBytes: 100_000 })),
    entry.tree,
  );
});

test('retries a range that stalls mid-body and finishes', async () => {
  const entry = await savedEntry();
  // The second range stalls on its first attempt (one range only: the action's stall timeout is 30 s).
  const result = await restoreWith(
    entry,
    firstAttemptOfEachRange({ kind: 'stall', afterBytes: 64 * 1024 }, (r) =>
      /^bytes=524288-/.test(String(r.headers.range)),
    ),
    { SEGMENT_DOWNLOAD_TIMEOUT_MINS: '2' },
  );
  expectHit(result, entry.tree);
  expect(world.proxy.log.filter((r) => r.fault?.kind === 'stall')).toHaveLength(1);
});

test('a slow first byte (1.5 s on every GET) slows but does not break a restore', async () => {
  const entry = await savedEntry();
  const result = await restoreWith(entry, (r) =>
    s3Operation(r) === 'GetObject' ? { kind: 'delay', ms: 1500 } : undefined,
  );
  expectHit(result, entry.tree);
});

test('a range that always fails ends as a miss with a warning, never a hang', async () => {
  const entry = await savedEntry();
  const result = await restoreWith(
    entry,
    (r) => (isRangedGet(r) && isNotFirstRange(r) ? { kind: 'status', status: 500 } : undefined),
    { SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.1' },
  );
  expectMissWithWarning(result);
  expect(result.step.durationMs).toBeLessThan(90_000);
});

test('ranges that always stall end as a miss with a warning within SEGMENT_DOWNLOAD_TIMEOUT_MINS', async () => {
  const entry = await savedEntry();
  const result = await restoreWith(
    entry,
    (r) => (isRangedGet(r) ? { kind: 'stall', afterBytes: 1024 } : undefined),
    {
      SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.1',
    },
  );
  expectMissWithWarning(result);
  // 0.1 min = 6 s; a generous bound, only to tell "gave up" from "hung".
  expect(result.step.durationMs).toBeLessThan(60_000);
});

test('a body truncated on every attempt is never a hit', async () => {
  const entry = await savedEntry();
  const result = await restoreWith(
    entry,
    (r) => (s3Operation(r) === 'GetObject' ? { kind: 'truncate', afterBytes: 100_000 } : undefined),
    { SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.2' },
  );
  expectMissWithWarning(result);
});

test('a body corrupted in flight on every attempt is never a hit', async () => {
  const entry = await savedEntry();
  const result = await restoreWith(
    entry,
    (r) => (s3Operation(r) === 'GetObject' ? { kind: 'corrupt', offset: 5000 } : undefined),
    { SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.2' },
  );
  expectNoBadHit(result, entry.tree);
  expect(result.step.outputs['cache-hit']).not.toBe('true');
});

test('a body corrupted in flight once is retried or reported as a miss, never restored wrong', async () => {
  const entry = await savedEntry();
  const result = await restoreWith(
    entry,
    firstAttemptOfEachRange({ kind: 'corrupt', offset: 5000 }, isNotFirstRange),
  );
  expectNoBadHit(result, entry.tree);
});

test('a stored entry cut short is never a hit', async () => {
  const entry = await savedEntry();
  const [key] = await world.keys(`${entry.prefix}/`);
  const stored = await world.s3.send(new GetObjectCommand({ Bucket: world.bucket, Key: key }));
  const body = Buffer.from(await (stored.Body as NonNullable<typeof stored.Body>).transformToByteArray());
  await world.s3.send(
    new PutObjectCommand({
      Bucket: world.bucket,
      Key: key,
      Body: body.subarray(0, Math.floor(body.length / 2)),
      Metadata: stored.Metadata,
      ContentType: stored.ContentType,
    }),
  );
  expectMissWithWarning(await restoreWith(entry, () => undefined));
});

test('a small entry (single GET) truncated on every attempt is never a hit', async () => {
  const entry = await savedEntry(40_000);
  const result = await restoreWith(
    entry,
    (r) => (s3Operation(r) === 'GetObject' ? { kind: 'truncate', afterBytes: 1000 } : undefined),
    { DAZN_CACHE_DOWNLOAD_PART_SIZE: String(8 * 1024 * 1024), SEGMENT_DOWNLOAD_TIMEOUT_MINS: '0.2' },
  );
  expectMissWithWarning(result);
});
