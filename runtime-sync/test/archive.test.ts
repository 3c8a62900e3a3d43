/**
 * The archive layout (RUNTIME_SYNC_LAYOUT=archive), through the bundle with real rsync, tar and zstd: one
 * `<arch>.tar.zst` per version plus its marker, placed by link(2) marker last; pulled by one rsync, checked
 * (size, sha256, members) and extracted two at a time; folder fallback both ways; kills, prune, refusals.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  alive,
  removeDir,
  rsyncWrapper,
  runCli,
  startCli,
  tarWrapper,
  tempDir,
  waitFor,
  wrapperCalls,
} from './helpers/cli';
import {
  ARCH,
  countFiles,
  describe as describeTree,
  key,
  listDir,
  markerPath,
  ToolVersion,
  versionPath,
  writeVersion,
} from './helpers/toolcache';

jest.setTimeout(120_000);

const archivePath = (root: string, v: ToolVersion): string =>
  path.join(root, v.tool, v.version, `${ARCH}.tar.zst`);
const archiveMarkerPath = (root: string, v: ToolVersion): string => `${archivePath(root, v)}.complete`;

interface ArchiveMarker {
  marker: string;
  sha256: string;
  size: number;
  files: number;
  bytes: number;
}
const readMarker = (root: string, v: ToolVersion): ArchiveMarker =>
  JSON.parse(fs.readFileSync(archiveMarkerPath(root, v), 'utf8')) as ArchiveMarker;
const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A version with what a folder copy must keep: empty folders, non-ASCII names, unusual modes. */
function writeRichVersion(root: string, v: ToolVersion): void {
  writeVersion(root, v, false);
  const dir = versionPath(root, v);
  fs.mkdirSync(path.join(dir, 'share', 'empty'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'lib', 'dé jà vu'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'lib', 'dé jà vu', 'ünïcødé €.txt'), 'ü\n');
  fs.writeFileSync(path.join(dir, 'lib', 'group-read'), 'g\n', { mode: 0o640 });
  fs.mkdirSync(path.join(dir, 'lib', 'locked'), { mode: 0o750 });
  fs.writeFileSync(path.join(dir, 'lib', 'locked', 'x'), 'x\n');
  fs.writeFileSync(markerPath(root, v), 'tool-cache marker\n');
}

/** Files and bytes the way runtime-sync counts a tree: every non-folder entry, lstat sizes. */
function count(dir: string): { files: number; bytes: number } {
  const entries = Object.values(describeTree(dir)).filter((e) => e.type !== 'dir');
  const bytes = Object.entries(describeTree(dir))
    .filter(([, e]) => e.type !== 'dir')
    .reduce((n, [rel]) => n + fs.lstatSync(path.join(dir, rel)).size, 0);
  return { files: entries.length, bytes };
}

describe('archive layout', () => {
  let dir: string;
  let efs: string;
  const env = (toolCache: string, extra: Record<string, string> = {}): Record<string, string> => ({
    RUNTIME_SYNC_ROOT: efs,
    RUNNER_TOOL_CACHE: toolCache,
    RUNTIME_SYNC_LAYOUT: 'archive',
    ...extra,
  });
  beforeEach(() => {
    dir = tempDir('archive');
    efs = path.join(dir, 'efs');
    fs.mkdirSync(efs);
  });
  afterEach(() => removeDir(dir));

  it('round trip: push writes only the archive and its marker, pull restores the tree (links, modes, empty and non-ASCII folders); folder-only versions fall back, and a folders pull reads archives', async () => {
    const a = path.join(dir, 'a');
    const node: ToolVersion = { tool: 'node', version: '20.11.1', files: 200 };
    const go: ToolVersion = { tool: 'go', version: '1.22.0', files: 50 };
    writeRichVersion(a, node);
    const pushed = await runCli(['push'], env(a));
    expect(pushed.code).toBe(0);
    expect(pushed.summary).toMatch(/^runtime-sync push: 1 versions/);
    expect(listDir(path.join(efs, node.tool, node.version))).toEqual([
      `${ARCH}.tar.zst`,
      `${ARCH}.tar.zst.complete`,
    ]);
    const marker = readMarker(efs, node);
    expect(marker.sha256).toBe(sha256(archivePath(efs, node)));
    expect(marker.size).toBe(fs.statSync(archivePath(efs, node)).size);
    expect({ files: marker.files, bytes: marker.bytes }).toEqual(count(versionPath(a, node)));
    expect(Buffer.from(marker.marker, 'base64').toString()).toBe('tool-cache marker\n');
    expect(listDir(path.join(efs, '.staging'))).toEqual([]);
    expect(listDir(a).filter((n) => n.startsWith('.'))).toEqual([]);
    // go only as a folder (pushed in the folder layout, from a cache without node: a folders push would
    // add node's folder too)
    const g = path.join(dir, 'g');
    writeVersion(g, go);
    expect((await runCli(['push'], { ...env(g), RUNTIME_SYNC_LAYOUT: 'folders' })).code).toBe(0);
    expect(fs.existsSync(archivePath(efs, go))).toBe(false);

    for (const layout of ['archive', 'folders']) {
      const b = path.join(dir, `b-${layout}`);
      const pulled = await runCli(['pull'], { ...env(b), RUNTIME_SYNC_LAYOUT: layout });
      expect(pulled.code).toBe(0);
      expect(pulled.summary).toMatch(/^runtime-sync pull: 2 versions/);
      expect(pulled.stderr).toContain(`pulled ${key(node)} (archive)`);
      expect(pulled.stderr).toContain(`pulled ${key(go)}\n`);
      for (const v of [node, go]) {
        const source = v === node ? a : g;
        expect(describeTree(versionPath(b, v))).toEqual(describeTree(versionPath(source, v)));
        expect(fs.readFileSync(markerPath(b, v))).toEqual(fs.readFileSync(markerPath(source, v)));
      }
      expect(fs.lstatSync(path.join(versionPath(b, node), 'bin', 'passwd-outside')).isSymbolicLink()).toBe(
        true,
      );
      expect(listDir(b).filter((n) => n.startsWith('.'))).toEqual([]);
    }
    const status = await runCli(['status'], env(path.join(dir, 'b-archive')));
    expect(status.stdout).toMatch(new RegExp(`efs +${key(node)} +archive +[\\d.]+ KiB +${marker.files} `));
    expect(status.stdout).toMatch(new RegExp(`efs +${key(go)} +folder `));
    // a push in the archive layout adds the archive of a folder-only version (both forms then), nothing else
    const again = await runCli(['push'], env(g));
    expect(again.summary).toMatch(/^runtime-sync push: 1 versions/);
    expect(again.stderr).toContain(`pushed ${key(go)}`);
    expect((await runCli(['status'], env(g))).stdout).toMatch(new RegExp(`efs +${key(go)} +both `));
  });

  it('two pushers of one version: it is archived, copied and placed once', async () => {
    const v: ToolVersion = { tool: 'node', version: '22.2.0', files: 300 };
    const wrapDir = tempDir('wrap-two');
    try {
      for (const r of ['r0', 'r1']) writeVersion(path.join(dir, r), v);
      const results = await Promise.all(
        ['r0', 'r1'].map((r) =>
          runCli(
            ['push'],
            env(path.join(dir, r), { RUNTIME_SYNC_RSYNC: rsyncWrapper(wrapDir), WRAP_SLEEP: '0.5' }),
          ),
        ),
      );
      for (const r of results) expect(r.code).toBe(0);
      expect(results.filter((r) => r.stderr.includes(`pushed ${key(v)}\n`))).toHaveLength(1);
      const rel = path.relative(efs, archivePath(efs, v));
      expect(
        wrapperCalls(wrapDir)
          .flat()
          .filter((p) => p === rel),
      ).toHaveLength(1);
      expect(listDir(path.join(efs, v.tool, v.version))).toEqual([
        `${ARCH}.tar.zst`,
        `${ARCH}.tar.zst.complete`,
      ]);
      expect(readMarker(efs, v).sha256).toBe(sha256(archivePath(efs, v)));
      expect(listDir(path.join(efs, '.staging'))).toEqual([]);
      expect(listDir(path.join(efs, '.locks'))).toEqual([]);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('a push killed with SIGKILL while it writes leaves nothing visible; after the ttl a later push completes it and removes the leftovers; an unmarked archive is removed by prune', async () => {
    const local = path.join(dir, 'runner');
    const big: ToolVersion = { tool: 'node', version: '18.20.0', files: 100 };
    writeVersion(local, big, false);
    fs.writeFileSync(path.join(versionPath(local, big), 'random.bin'), randomBytes(2 * 1024 * 1024));
    fs.writeFileSync(markerPath(local, big), '');
    const wrapDir = tempDir('wrap-kill-push');
    try {
      const running = startCli(['push'], {
        ...env(local, { RUNTIME_SYNC_LOCK_TTL_SECONDS: '2' }),
        RUNTIME_SYNC_RSYNC: rsyncWrapper(wrapDir),
        WRAP_BWLIMIT: '300',
      });
      await waitFor('the copy to the root to be under way', () => fs.existsSync(path.join(wrapDir, 'pid')));
      await new Promise((r) => setTimeout(r, 1000));
      const rsyncPid = Number(fs.readFileSync(path.join(wrapDir, 'pid'), 'utf8'));
      running.child.kill('SIGKILL');
      process.kill(-rsyncPid, 'SIGKILL');
      await running.done;
      await waitFor('rsync to be gone', () => !alive(rsyncPid), 10_000);
      expect(fs.existsSync(archivePath(efs, big))).toBe(false);
      expect(fs.existsSync(archiveMarkerPath(efs, big))).toBe(false);
      expect(listDir(path.join(efs, '.staging')).length).toBeGreaterThan(0);
      expect(listDir(path.join(local, '.runtime-sync'))).toHaveLength(1);

      await new Promise((r) => setTimeout(r, 2500));
      const later = await runCli(['push'], env(local, { RUNTIME_SYNC_LOCK_TTL_SECONDS: '2' }));
      expect(later.code).toBe(0);
      expect(later.stderr).toContain(`pushed ${key(big)}`);
      expect(later.stderr).toMatch(/removed local leftovers: push-/);
      expect(later.stderr).toMatch(/removed expired leftovers: .*\.staging\//);
      expect(readMarker(efs, big).sha256).toBe(sha256(archivePath(efs, big)));
      expect(listDir(path.join(efs, '.staging'))).toEqual([]);
      expect(listDir(path.join(efs, '.locks'))).toEqual([]);
      expect(fs.existsSync(path.join(local, '.runtime-sync'))).toBe(false);

      // a push killed between placing the archive and its marker: the archive never counts, and once
      // older than the lock ttl prune removes it
      fs.unlinkSync(archiveMarkerPath(efs, big));
      const b = path.join(dir, 'b');
      expect((await runCli(['pull'], env(b))).summary).toMatch(/^runtime-sync pull: 0 versions/);
      expect((await runCli(['status'], env(b))).stdout).toContain('archive without its marker');
      await new Promise((r) => setTimeout(r, 2500));
      const prune = await runCli(
        ['prune', '--max-age-days', '1'],
        env(b, { RUNTIME_SYNC_LOCK_TTL_SECONDS: '2' }),
      );
      expect(prune.code).toBe(0);
      expect(prune.stderr).toContain(
        `removed unmarked archives (killed pushes): ${path.relative(efs, archivePath(efs, big))}`,
      );
      expect(listDir(efs).filter((n) => !n.startsWith('.'))).toEqual([]);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('a pull killed with SIGKILL while it extracts leaves no local marker and no version; the next pull completes it', async () => {
    const seed = path.join(dir, 'seed');
    const v: ToolVersion = { tool: 'Python', version: '3.12.1', files: 400, fileSize: 1024 };
    writeVersion(seed, v);
    expect((await runCli(['push'], env(seed))).code).toBe(0);
    const local = path.join(dir, 'runner');
    const wrapDir = tempDir('wrap-kill-pull');
    try {
      const running = startCli(['pull'], {
        ...env(local),
        PATH: tarWrapper(wrapDir),
        WRAP_TAR_SLOW: 'extract',
      });
      const extracting = (): number => {
        const work = listDir(path.join(local, '.runtime-sync'))[0];
        const into =
          work && path.join(local, '.runtime-sync', work, '.extract', encodeURIComponent(key(v)), ARCH);
        try {
          return into && fs.existsSync(into) ? countFiles(into) : 0;
        } catch {
          return 0; // changed while it was walked: look again
        }
      };
      await waitFor('the extraction to be under way', () => extracting() > 5, 60_000);
      const tarPid = Number(fs.readFileSync(path.join(wrapDir, 'tar-pid'), 'utf8'));
      running.child.kill('SIGKILL');
      process.kill(-tarPid, 'SIGKILL');
      await running.done;
      await waitFor('tar to be gone', () => !alive(tarPid), 10_000);
      expect(fs.existsSync(markerPath(local, v))).toBe(false);
      expect(fs.existsSync(versionPath(local, v))).toBe(false);

      const next = await runCli(['pull'], env(local));
      expect(next.code).toBe(0);
      expect(next.summary).toMatch(/^runtime-sync pull: 1 versions/);
      expect(next.stderr).toMatch(/removed local leftovers: pull-/);
      expect(describeTree(versionPath(local, v))).toEqual(describeTree(versionPath(seed, v)));
      expect(fs.existsSync(markerPath(local, v))).toBe(true);
      expect(fs.existsSync(path.join(local, '.runtime-sync'))).toBe(false);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('prune never removes an archive a pull is copying (its lease), and removes both forms once the pull is done', async () => {
    const seed = path.join(dir, 'seed');
    const used: ToolVersion = { tool: 'node', version: '16.20.2', files: 50 };
    const other: ToolVersion = { tool: 'go', version: '1.21.0', files: 50 };
    for (const v of [used, other]) writeVersion(seed, v);
    expect((await runCli(['push'], env(seed))).code).toBe(0);
    expect((await runCli(['push'], { ...env(seed), RUNTIME_SYNC_LAYOUT: 'folders' })).code).toBe(0);
    const local = path.join(dir, 'runner');
    writeVersion(local, other);
    const wrapDir = tempDir('wrap-prune');
    try {
      const pulling = startCli(
        ['pull'],
        env(local, { RUNTIME_SYNC_RSYNC: rsyncWrapper(wrapDir), WRAP_SLEEP: '3' }),
      );
      const leases = path.join(efs, '.leases');
      await waitFor('the pull to lease its versions', () =>
        listDir(leases).some((n) => {
          try {
            return Array.isArray(JSON.parse(fs.readFileSync(path.join(leases, n), 'utf8')).versions);
          } catch {
            return false;
          }
        }),
      );
      const prune = await runCli(['prune', '--max-age-days', '0'], env(local));
      expect(prune.code).toBe(0);
      expect(prune.stderr).toContain(`kept ${key(used)}: in use by a pull`);
      expect(prune.stderr).toContain(`removed ${key(other)}`);
      expect(fs.existsSync(archiveMarkerPath(efs, used))).toBe(true);
      expect(fs.existsSync(markerPath(efs, used))).toBe(true);
      const pulled = await pulling.done;
      expect(pulled.summary).toMatch(/^runtime-sync pull: 1 versions/);
      expect(describeTree(versionPath(local, used))).toEqual(describeTree(versionPath(seed, used)));
      const after = await runCli(['prune', '--max-age-days', '0'], env(local));
      expect(after.summary).toMatch(/^runtime-sync prune: 1 versions/);
      expect(listDir(efs).filter((n) => !n.startsWith('.'))).toEqual([]);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('refuses a member outside <arch>/, a changed sha256 and a truncated archive; pulls the sound one and exits 0', async () => {
    const seed = path.join(dir, 'seed');
    const names = ['sound', 'other-name', 'dot-dot', 'sha', 'truncated', 'truncated-remarked'];
    const versions = names.map((n): ToolVersion => ({ tool: 'tool', version: n, files: 20 }));
    for (const v of versions) writeVersion(seed, v);
    expect((await runCli(['push'], env(seed))).summary).toMatch(/^runtime-sync push: 6 versions/);
    const byName = (n: string): ToolVersion => versions[names.indexOf(n)] as ToolVersion;
    const remark = (v: ToolVersion, change: Partial<ArchiveMarker> = {}): void => {
      const file = archivePath(efs, v);
      const m = { ...readMarker(efs, v), sha256: sha256(file), size: fs.statSync(file).size, ...change };
      fs.writeFileSync(archiveMarkerPath(efs, v), JSON.stringify(m));
    };
    const craft = (v: ToolVersion, tarArgs: string[]): void => {
      const src = path.join(dir, 'craft', v.version);
      fs.mkdirSync(path.join(src, ARCH), { recursive: true });
      fs.writeFileSync(path.join(src, ARCH, 'ok'), 'ok\n');
      fs.writeFileSync(path.join(src, ARCH, 'esc'), 'escaped\n');
      fs.writeFileSync(path.join(src, 'evil'), 'evil\n');
      const tar = execFileSync('tar', ['-c', '--format=posix', '-C', src, '-f', '-', ...tarArgs]);
      fs.writeFileSync(archivePath(efs, v), execFileSync('zstd', ['-q', '-c'], { input: tar }));
      remark(v);
    };
    craft(byName('other-name'), [ARCH, 'evil']);
    craft(byName('dot-dot'), ['-P', `--transform=s,^${ARCH}/esc,${ARCH}/../../escape,`, ARCH]);
    remark(byName('sha'), { sha256: '0'.repeat(64) });
    const truncate = (v: ToolVersion): void =>
      fs.truncateSync(archivePath(efs, v), Math.floor(fs.statSync(archivePath(efs, v)).size / 2));
    truncate(byName('truncated'));
    truncate(byName('truncated-remarked'));
    remark(byName('truncated-remarked'));

    const local = path.join(dir, 'tc', 'runner');
    const pulled = await runCli(['pull'], env(local));
    expect(pulled.code).toBe(0);
    expect(pulled.summary).toMatch(/^runtime-sync pull: 1 versions, .*warning: archives refused: /);
    const refusal = (n: string): string => `${key(byName(n))}: archive refused, not installed: `;
    expect(pulled.stderr).toContain(`${refusal('other-name')}member refused: evil: not under ${ARCH}/`);
    expect(pulled.stderr).toContain(`${refusal('dot-dot')}member refused: ${ARCH}/../../escape: a '..'`);
    expect(pulled.stderr).toContain(`${refusal('sha')}the archive has sha256`);
    expect(pulled.stderr).toContain(`${refusal('truncated')}the archive has`);
    expect(pulled.stderr).toMatch(
      new RegExp(`${refusal('truncated-remarked')}(member refused: )?listing failed`),
    );
    expect(describeTree(versionPath(local, byName('sound')))).toEqual(
      describeTree(versionPath(seed, byName('sound'))),
    );
    for (const n of names.slice(1)) {
      expect(fs.existsSync(markerPath(local, byName(n)))).toBe(false);
      expect(fs.existsSync(versionPath(local, byName(n)))).toBe(false);
    }
    expect(listDir(path.join(dir, 'tc'))).toEqual(['runner']); // nothing escaped the tool cache
    expect(listDir(local).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a version whose archive cannot be built is a warning for it alone: the others are pushed', async () => {
    const local = path.join(dir, 'runner');
    const good: ToolVersion = { tool: 'node', version: '20.11.1', files: 20 };
    const bad: ToolVersion = { tool: 'node', version: '21.0.0', files: 20 };
    for (const v of [good, bad]) writeVersion(local, v);
    const wrapDir = tempDir('wrap-fail');
    try {
      const pushed = await runCli(['push'], {
        ...env(local),
        PATH: tarWrapper(wrapDir),
        WRAP_TAR_FAIL: `${path.sep}${bad.version} `,
      });
      expect(pushed.code).toBe(0);
      expect(pushed.summary).toMatch(
        new RegExp(`^runtime-sync push: 1 versions.*; not archived: ${key(bad)}$`),
      );
      expect(pushed.stderr).toContain(
        `${key(bad)}: not archived, not pushed: tar exited 2: tar: failing on purpose`,
      );
      expect(fs.existsSync(archiveMarkerPath(efs, good))).toBe(true);
      expect(listDir(path.join(efs, bad.tool))).toEqual([good.version]);
      expect(listDir(path.join(efs, '.locks'))).toEqual([]);
      expect(listDir(local).filter((n) => n.startsWith('.'))).toEqual([]);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('tar and zstd are bounded by the budget: a slow archive push exits 5 leaving nothing, a slow extraction ends the pull at its budget with exit 0 and no marker', async () => {
    const local = path.join(dir, 'runner');
    const v: ToolVersion = { tool: 'node', version: '19.9.0', files: 400, fileSize: 1024 };
    writeVersion(local, v);
    const wrapDir = tempDir('wrap-budget');
    try {
      // 8 s: work stops 2.5 s before the end, and the archive step keeps 3 s for cleaning up
      const slowPush = await runCli(['push'], {
        ...env(local, { RUNTIME_SYNC_TIMEOUT_SECONDS: '8' }),
        PATH: tarWrapper(wrapDir),
        WRAP_TAR_SLOW: 'create',
      });
      expect(slowPush.code).toBe(5);
      expect(slowPush.ms).toBeGreaterThan(2_000); // tar ran (slowly) until the budget stopped it
      expect(slowPush.ms).toBeLessThan(12_000);
      expect(slowPush.summary).toMatch(
        /^runtime-sync push: 0 versions.*error \(exit 5\): push stopped while archiving/,
      );
      expect(alive(Number(fs.readFileSync(path.join(wrapDir, 'tar-pid'), 'utf8')))).toBe(false);
      expect(listDir(path.join(efs, v.tool))).toEqual([]);
      expect(listDir(path.join(efs, '.staging'))).toEqual([]);
      expect(listDir(path.join(efs, '.locks'))).toEqual([]);
      expect(listDir(local).filter((n) => n.startsWith('.'))).toEqual([]);

      expect((await runCli(['push'], env(local))).code).toBe(0);
      const b = path.join(dir, 'b');
      const slowPull = await runCli(['pull'], {
        ...env(b, { RUNTIME_SYNC_TIMEOUT_SECONDS: '5' }),
        PATH: tarWrapper(wrapDir),
        WRAP_TAR_SLOW: 'extract',
      });
      expect(slowPull.code).toBe(0);
      expect(slowPull.ms).toBeGreaterThan(2_000);
      expect(slowPull.ms).toBeLessThan(9_000);
      expect(slowPull.summary).toMatch(/^runtime-sync pull: 0 versions.*warning: archives refused: /);
      expect(slowPull.stderr).toContain('extraction failed: tar was stopped');
      expect(alive(Number(fs.readFileSync(path.join(wrapDir, 'tar-pid'), 'utf8')))).toBe(false);
      expect(fs.existsSync(markerPath(b, v))).toBe(false);
      expect(fs.existsSync(versionPath(b, v))).toBe(false);
      expect(listDir(path.join(efs, '.leases'))).toEqual([]);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('a layout other than folders or archive is a usage error naming the setting and both values', async () => {
    const result = await runCli(['pull'], env(path.join(dir, 'x'), { RUNTIME_SYNC_LAYOUT: 'tarball' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "RUNTIME_SYNC_LAYOUT (--layout) must be folders or archive, got 'tarball'",
    );
  });
});
