/**
 * Cache management through the built bundles: dist/manage/index.js run as the dazn-cache command
 * (a process, as npx runs package.json's bin), and the prune/ step run the way the runner runs it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TEST_AWS_ENV } from '../support/moto';
import { expectExit, nodeBinary, REPO_ROOT } from '../support/runner';
import { setupWorld, TEST_TIMEOUT_MS } from './world';

jest.setTimeout(TEST_TIMEOUT_MS);
const world = setupWorld();

function dazn(args: string[], prefix: string) {
  const result = spawnSync(nodeBinary(), [join(REPO_ROOT, 'dist/manage/index.js'), ...args], {
    env: {
      PATH: process.env.PATH,
      ...TEST_AWS_ENV,
      DAZN_CACHE_BUCKET: world.env.bucket,
      DAZN_CACHE_ENDPOINT: world.env.moto.endpoint,
      DAZN_CACHE_PREFIX: prefix,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the dazn-cache command and the prune step', () => {
  it('lists, deletes and prunes what the action saved', async () => {
    const prefix = world.env.newPrefix();
    await world.seed(prefix, 'deps-a-1', { 'a.txt': 'a'.repeat(5000) }, { repository: 'o/a' });
    await world.seed(prefix, 'deps-a-2', { 'a.txt': 'b'.repeat(5000) }, { repository: 'o/a' });
    await world.seed(prefix, 'deps-b-1', { 'b.txt': 'c'.repeat(5000) }, { repository: 'o/b' });

    const listed = dazn(['list', '--org', '--json', 'key,ref,sizeInBytes,version'], prefix);
    expect(listed.code).toBe(0);
    const entries = JSON.parse(listed.stdout) as { key: string; ref: string; sizeInBytes: number }[];
    expect(entries.map((e) => e.key).sort()).toEqual(['deps-a-1', 'deps-a-2', 'deps-b-1']);
    expect(new Set(entries.map((e) => e.ref))).toEqual(new Set(['refs/heads/main']));
    const stored = await world.env.list(`${prefix}/`);
    expect(entries.map((e) => e.sizeInBytes).sort()).toEqual(stored.map((o) => o.size).sort());

    const deleted = dazn(['delete', 'deps-a-1', '--repo', 'o/a'], prefix);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/Deleted cache entry \d+ \(deps-a-1, o\/a, refs\/heads\/main\)/);
    expect((await world.env.list(`${prefix}/`)).length).toBe(2);

    const job = world.job(prefix);
    const env = { ...TEST_AWS_ENV, DAZN_CACHE_ENDPOINT: world.env.moto.endpoint };
    const dry = expectExit(
      await job.step({ action: 'prune', with: { 'max-size': '1', 'dry-run': 'true' }, env }),
      0,
    );
    expect(dry.outputs['deleted-count']).toBe('2');
    expect((await world.env.list(`${prefix}/`)).length).toBe(2);

    const real = expectExit(
      await job.step({ action: 'prune', with: { 'max-size': '1', repo: 'o/b' }, env }),
      0,
    );
    expect(real.outputs['deleted-count']).toBe('1');
    expect(Number(real.outputs['deleted-bytes'])).toBeGreaterThan(0);
    const left = await world.env.list(`${prefix}/`);
    expect(left.map((o) => o.key.split('/').slice(1, 3).join('/'))).toEqual(['o/a']);
  });

  it('fails the prune step with the setting to fix when a rule is missing', async () => {
    const prefix = world.env.newPrefix();
    const job = world.job(prefix);
    const step = await job.step({ action: 'prune', with: {}, env: { ...TEST_AWS_ENV } });
    expect(step.exitCode).toBe(1);
    expect(step.errors.join('\n')).toMatch(/prune failed/);
    expect(step.stdout).toMatch(/--max-size and\/or --unused-for/);
  });
});
