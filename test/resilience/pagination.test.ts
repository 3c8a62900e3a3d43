/**
 * 2,500 entries under one prefix: the newest entry matching a restore key is found although it is
 * on the third page of ListObjectsV2 (moto answers at most 1,000 keys a page).
 */
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { expectExit } from '../support/runner';
import { fillWorkspace, Job, readTree, startWorld, stepLog, World } from './world';

jest.setTimeout(240_000);

let world: World;
const jobs: Job[] = [];

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  for (const job of jobs) job.cleanup();
  await world?.stop();
});

const newJob = (prefix: string): Job => {
  const job = new Job({ env: world.env(prefix) });
  jobs.push(job);
  return job;
};

test('the newest of 2,500 entries matching a restore key is restored (pagination)', async () => {
  const prefix = world.newPrefix();
  // An older entry, saved by the action, then copied to 2,499 more keys (same layout and metadata).
  const old = newJob(prefix);
  fillWorkspace(old.workspace, 20_000, 1);
  expectExit(await old.step({ action: 'save', with: { path: 'cached', key: 'deps-1000' } }), 0);
  const [oldKey] = await world.keys(`${prefix}/`);
  expect(oldKey).toMatch(/deps-1000$/);
  const copies = Array.from({ length: 2499 }, (_, i) => oldKey.replace(/deps-1000$/, `deps-${1001 + i}`));
  for (let i = 0; i < copies.length; i += 50) {
    await Promise.all(
      copies.slice(i, i + 50).map((Key) =>
        world.s3.send(
          new CopyObjectCommand({
            Bucket: world.bucket,
            Key,
            CopySource: `${world.bucket}/${oldKey.split('/').map(encodeURIComponent).join('/')}`,
          }),
        ),
      ),
    );
  }
  expect(await world.keys(`${prefix}/`)).toHaveLength(2500);
  await new Promise((r) => setTimeout(r, 1100)); // LastModified has one-second resolution

  // The newest entry sorts last, so it is only on the third page.
  const fresh = newJob(prefix);
  fillWorkspace(fresh.workspace, 20_000, 2);
  expectExit(await fresh.step({ action: 'save', with: { path: 'cached', key: 'deps-9999' } }), 0);
  expect(await world.keys(`${prefix}/`)).toHaveLength(2501);

  const restore = newJob(prefix);
  const step = expectExit(
    await restore.step({
      action: 'restore',
      with: { path: 'cached', key: 'deps-none', 'restore-keys': 'deps-' },
    }),
    0,
  );
  if (step.outputs['cache-matched-key'] !== 'deps-9999') throw new Error(`wrong match\n${stepLog(step)}`);
  expect(step.outputs['cache-hit']).toBe('false');
  expect(readTree(restore.workspace)).toEqual(readTree(fresh.workspace));
});
