/**
 * Save and restore through moto (S3 and STS) with real tar and zstd: what is saved comes back, and
 * the outputs, matching and post-step rules behave like actions/cache.
 */
import { lstat, mkdir, readFile, readlink, rm, symlink, writeFile, chmod, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { listKeys, ROLE_ARN, runStep, startWorld, World } from './world';

jest.setTimeout(120_000);

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.stop();
});

let counter = 0;
/** A fresh folder name and prefix per test, so tests never see each other's entries. */
function fresh(): { dir: string; prefix: string } {
  counter += 1;
  return { dir: `data-${counter}`, prefix: `it-${counter}` };
}

async function makeTree(root: string): Promise<void> {
  await mkdir(path.join(root, 'sub', 'deep'), { recursive: true });
  await mkdir(path.join(root, 'empty'), { recursive: true });
  await writeFile(path.join(root, 'a.txt'), 'hello\n');
  await writeFile(path.join(root, 'sub', 'ünïcødé ñame €.txt'), 'non-ascii\n');
  await writeFile(path.join(root, 'sub', 'deep', 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(path.join(root, 'sub', 'deep', 'run.sh'), 0o751);
  await symlink('a.txt', path.join(root, 'link-to-a'));
}

describe('save and restore', () => {
  it('round-trips files, symlinks, modes, empty folders and non-ASCII names through an assumed role', async () => {
    const { dir, prefix } = fresh();
    const root = path.join(world.workspace, dir);
    await makeTree(root);
    const env = { ...world.env, DAZN_CACHE_PREFIX: prefix, DAZN_CACHE_ROLE_ARN: ROLE_ARN };
    const before = world.oidcRequests;

    const save = await runStep('save-only', { path: dir, key: 'tree-1' }, env);
    expect(save.warnings).toEqual([]);
    expect(save.infos).toContain('Cache saved with key: tree-1');
    expect(world.oidcRequests).toBe(before + 1);
    expect(save.secrets.length).toBeGreaterThanOrEqual(3);
    const keys = await listKeys(world, `${prefix}/`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}/o/r/refs%2Fheads%2Ffeature/[0-9a-f]{64}/tree-1$`));

    await rm(root, { recursive: true });
    const restore = await runStep('restore-only', { path: dir, key: 'tree-1' }, env);
    expect(restore.warnings).toEqual([]);
    expect(restore.outputs).toEqual({
      'cache-primary-key': 'tree-1',
      'cache-matched-key': 'tree-1',
      'cache-hit': 'true',
    });
    expect(await readFile(path.join(root, 'a.txt'), 'utf8')).toBe('hello\n');
    expect(await readFile(path.join(root, 'sub', 'ünïcødé ñame €.txt'), 'utf8')).toBe('non-ascii\n');
    expect((await lstat(path.join(root, 'sub', 'deep', 'run.sh'))).mode & 0o777).toBe(0o751);
    expect(await readlink(path.join(root, 'link-to-a'))).toBe('a.txt');
    expect((await lstat(path.join(root, 'link-to-a'))).isSymbolicLink()).toBe(true);
    expect(await readdir(path.join(root, 'empty'))).toEqual([]);
    expect(restore.summaries[0]).toMatch(
      /key `tree-1`: hit, restored `tree-1` from scope `refs\/heads\/feature`.*MB\/s/,
    );
  });

  it('matches a restore key (cache-hit false), and lookup-only downloads nothing', async () => {
    const { dir, prefix } = fresh();
    const root = path.join(world.workspace, dir);
    await makeTree(root);
    const env = { ...world.env, DAZN_CACHE_PREFIX: prefix };
    await runStep('save-only', { path: dir, key: 'deps-old' }, env);
    await rm(root, { recursive: true });

    const lookup = await runStep(
      'restore-only',
      { path: dir, key: 'deps-new', 'restore-keys': 'x-\ndeps-', 'lookup-only': 'true' },
      env,
    );
    expect(lookup.outputs['cache-hit']).toBe('false');
    expect(lookup.outputs['cache-matched-key']).toBe('deps-old');
    expect(lookup.infos).toContain('Cache found and can be restored from key: deps-old');
    await expect(lstat(root)).rejects.toThrow();

    const restore = await runStep(
      'restore-only',
      { path: dir, key: 'deps-new', 'restore-keys': 'deps-' },
      env,
    );
    expect(restore.outputs).toMatchObject({ 'cache-hit': 'false', 'cache-matched-key': 'deps-old' });
    expect(await readFile(path.join(root, 'a.txt'), 'utf8')).toBe('hello\n');
  });

  it('on a miss leaves cache-hit empty and logs the keys, scopes and version searched', async () => {
    const { dir, prefix } = fresh();
    const env = { ...world.env, DAZN_CACHE_PREFIX: prefix };
    const miss = await runStep('restore-only', { path: dir, key: 'nope', 'restore-keys': 'no-' }, env);
    expect(miss.outputs).toEqual({ 'cache-primary-key': 'nope' });
    expect(miss.failures).toEqual([]);
    expect(miss.infos.join('\n')).toMatch(
      /Keys searched in order: "nope", "no-"; scopes searched in order: refs\/heads\/feature; version [0-9a-f]{64}/,
    );
    expect(miss.infos).toContain('Cache not found for input keys: nope, no-');

    const failing = await runStep(
      'restore-only',
      { path: dir, key: 'nope', 'fail-on-cache-miss': 'true' },
      env,
    );
    expect(failing.failures).toEqual([
      'Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: nope',
    ]);
  });

  it('restores from the default branch, saves only into the current ref, and the post step skips an exact hit', async () => {
    const { dir, prefix } = fresh();
    const root = path.join(world.workspace, dir);
    await makeTree(root);
    const eventPath = path.join(world.workspace, `event-${prefix}.json`);
    await writeFile(eventPath, JSON.stringify({ repository: { default_branch: 'main' } }));
    const mainEnv = {
      ...world.env,
      DAZN_CACHE_PREFIX: prefix,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_PATH: eventPath,
    };
    const prEnv = { ...mainEnv, GITHUB_REF: 'refs/pull/5/merge', GITHUB_BASE_REF: 'main' };
    await runStep('save-only', { path: dir, key: 'k-main' }, mainEnv);

    // action.yml on a pull request: main step restores from main via restore key; post step saves into the PR scope.
    const main = await runStep('restore', { path: dir, key: 'k-pr', 'restore-keys': 'k-' }, prEnv);
    expect(main.outputs).toMatchObject({ 'cache-hit': 'false', 'cache-matched-key': 'k-main' });
    expect(main.state).toEqual({ CACHE_KEY: 'k-pr', CACHE_RESULT: 'k-main' });
    const post = await runStep(
      'save',
      { path: dir, key: 'ignored-in-post' },
      prEnv,
      Object.assign(main, { infos: [] }),
    );
    expect(post.infos).toContain('Cache saved with key: k-pr');
    expect((await listKeys(world, `${prefix}/`)).map((k) => k.split('/')[3]).sort()).toEqual([
      'refs%2Fheads%2Fmain',
      'refs%2Fpull%2F5%2Fmerge',
    ]);

    const exact = await runStep('restore', { path: dir, key: 'k-pr' }, prEnv);
    expect(exact.outputs['cache-hit']).toBe('true');
    exact.infos.length = 0;
    await runStep('save', { path: dir, key: 'k-pr' }, prEnv, exact);
    expect(exact.infos).toEqual(['Cache hit occurred on the primary key k-pr, not saving cache.']);
  });

  it('warns and saves nothing when the paths match nothing', async () => {
    const { prefix } = fresh();
    const env = { ...world.env, DAZN_CACHE_PREFIX: prefix };
    const save = await runStep('save-only', { path: 'does-not-exist/*', key: 'k' }, env);
    expect(save.warnings).toEqual([
      'Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.',
    ]);
    expect(save.failures).toEqual([]);
    expect(await listKeys(world, `${prefix}/`)).toEqual([]);
  });

  it('fails the step on invalid keys, naming the input', async () => {
    const restore = await runStep('restore-only', { path: 'x', key: 'a,b' }, world.env);
    expect(restore.failures[0]).toMatch(/key input contains a comma/);
    const save = await runStep('save-only', { path: 'x', key: '' }, world.env);
    expect(save.failures[0]).toMatch(/key/);
  });
});
