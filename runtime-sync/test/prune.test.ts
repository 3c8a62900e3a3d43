import fs from 'node:fs';
import path from 'node:path';
import { removeDir, rsyncWrapper, runCli, startCli, tempDir, waitFor } from './helpers/cli';
import {
  describe as describeTree,
  key,
  listDir,
  markerPath,
  ToolVersion,
  versionPath,
  writeVersion,
} from './helpers/toolcache';

jest.setTimeout(120_000);

const DAY_MS = 24 * 60 * 60 * 1000;
const old: ToolVersion = { tool: 'node', version: '16.20.2', files: 100 };
const recent: ToolVersion = { tool: 'node', version: '20.11.1', files: 100 };
const fresh: ToolVersion = { tool: 'Python', version: '3.12.1', files: 100 };

/** Sets a version's last use (marker and usage record) to `daysAgo`. */
function lastUsed(root: string, v: ToolVersion, daysAgo: number): void {
  const t = new Date(Date.now() - daysAgo * DAY_MS);
  fs.utimesSync(markerPath(root, v), t, t);
  const usage = path.join(root, '.usage', encodeURIComponent(key(v)));
  if (fs.existsSync(usage)) fs.utimesSync(usage, t, t);
}

function bytesOf(root: string, v: ToolVersion): number {
  return Object.values(describeTree(versionPath(root, v))).reduce(
    (n, e) => n + (e.type === 'file' ? (e.size ?? 0) : 0),
    0,
  );
}

describe('prune', () => {
  let dir: string;
  let efs: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    dir = tempDir('prune');
    efs = path.join(dir, 'efs');
    fs.mkdirSync(efs);
    const seed = path.join(dir, 'seed');
    for (const v of [old, recent, fresh]) writeVersion(seed, v);
    env = { RUNTIME_SYNC_ROOT: efs, RUNNER_TOOL_CACHE: path.join(dir, 'runner') };
    expect((await runCli(['push'], { ...env, RUNNER_TOOL_CACHE: seed })).code).toBe(0);
    lastUsed(efs, old, 30);
    lastUsed(efs, recent, 3);
    lastUsed(efs, fresh, 0);
  });
  afterEach(() => removeDir(dir));

  it('removes whole versions unused for longer than --max-age-days, marker first, and their empty parents', async () => {
    const result = await runCli(['prune', '--max-age-days', '7'], env);
    expect(result.code).toBe(0);
    expect(result.summary).toMatch(/^runtime-sync prune: 1 versions, \d+ files, \d+ bytes/);
    expect(fs.existsSync(markerPath(efs, old))).toBe(false);
    expect(fs.existsSync(versionPath(efs, old))).toBe(false);
    expect(fs.existsSync(path.join(efs, old.tool, old.version))).toBe(false);
    for (const v of [recent, fresh]) {
      expect(fs.existsSync(markerPath(efs, v))).toBe(true);
      expect(describeTree(versionPath(efs, v))).toEqual(describeTree(versionPath(path.join(dir, 'seed'), v)));
    }
    expect(listDir(path.join(efs, '.trash'))).toEqual([]);
  });

  it('removes the least recently used whole versions until the volume fits --max-size', async () => {
    const cap = bytesOf(efs, fresh) + bytesOf(efs, recent) + 1024; // room for two versions
    const result = await runCli(['prune'], { ...env, RUNTIME_SYNC_PRUNE_MAX_SIZE: String(cap) });
    expect(result.code).toBe(0);
    expect(fs.existsSync(versionPath(efs, old))).toBe(false);
    expect(fs.existsSync(markerPath(efs, recent))).toBe(true);
    const tighter = await runCli(['prune', `--max-size=${bytesOf(efs, fresh) + 1024}`], env);
    expect(tighter.code).toBe(0);
    expect(fs.existsSync(versionPath(efs, recent))).toBe(false);
    expect(fs.existsSync(markerPath(efs, recent))).toBe(false);
    expect(describeTree(versionPath(efs, fresh))).toEqual(
      describeTree(versionPath(path.join(dir, 'seed'), fresh)),
    );
  });

  it('never removes a version a concurrent pull is copying, and removes it once the pull is done', async () => {
    // the runner already has `fresh`, so the pull copies `old` and `recent` and leases only those
    writeVersion(env.RUNNER_TOOL_CACHE as string, fresh);
    const wrapDir = tempDir('wrapprune');
    try {
      const pulling = startCli(['pull'], {
        ...env,
        RUNTIME_SYNC_RSYNC: rsyncWrapper(wrapDir),
        WRAP_SLEEP: '3',
      });
      const leases = path.join(efs, '.leases');
      await waitFor('the pull to lease its versions', () =>
        listDir(leases).some((n) => {
          try {
            return (
              n.endsWith('.json') &&
              Array.isArray(JSON.parse(fs.readFileSync(path.join(leases, n), 'utf8')).versions)
            );
          } catch {
            return false;
          }
        }),
      );
      const prune = await runCli(['prune', '--max-age-days', '0'], env);
      expect(prune.code).toBe(0);
      expect(prune.stderr).toContain(`kept ${key(old)}: in use by a pull`);
      expect(prune.stderr).toContain(`kept ${key(recent)}: in use by a pull`);
      expect(prune.stderr).toContain(`removed ${key(fresh)}`);
      const pulled = await pulling.done;
      expect(pulled.code).toBe(0);
      expect(pulled.summary).toMatch(/^runtime-sync pull: 2 versions/);
      for (const v of [old, recent]) {
        expect(fs.existsSync(markerPath(env.RUNNER_TOOL_CACHE as string, v))).toBe(true);
        expect(describeTree(versionPath(env.RUNNER_TOOL_CACHE as string, v))).toEqual(
          describeTree(versionPath(efs, v)),
        );
      }
      expect(listDir(leases)).toEqual([]);
      const after = await runCli(['prune', '--max-age-days', '0'], env);
      expect(after.code).toBe(0);
      expect(after.summary).toMatch(/^runtime-sync prune: 2 versions/);
      expect(listDir(efs).filter((n) => !n.startsWith('.'))).toEqual([]);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('needs a rule: without --max-age-days or --max-size it exits 2', async () => {
    const result = await runCli(['prune'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('prune needs --max-age-days N or --max-size SIZE');
  });
});
