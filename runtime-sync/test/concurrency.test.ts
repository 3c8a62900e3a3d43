import fs from 'node:fs';
import path from 'node:path';
import {
  alive,
  removeDir,
  rsyncWrapper,
  runCli,
  startCli,
  tempDir,
  waitFor,
  wrapperCalls,
} from './helpers/cli';
import {
  countFiles,
  describe as describeTree,
  key,
  listDir,
  markerPath,
  ToolVersion,
  versionPath,
  writeVersion,
} from './helpers/toolcache';

jest.setTimeout(150_000);

const node20: ToolVersion = { tool: 'node', version: '20.11.1', files: 300 };
const node22: ToolVersion = { tool: 'node', version: '22.2.0', files: 300 };
const python: ToolVersion = { tool: 'Python', version: '3.12.1', files: 300 };
const go: ToolVersion = { tool: 'go', version: '1.22.0', files: 300 };

/** Every folder under root/<tool>/<version>/ that is a version, marked or not. */
function versionFolders(root: string): string[] {
  const out: string[] = [];
  for (const tool of listDir(root).filter((n) => !n.startsWith('.'))) {
    for (const version of listDir(path.join(root, tool))) {
      for (const entry of listDir(path.join(root, tool, version))) {
        if (!entry.endsWith('.complete')) out.push(`${tool}/${version}/${entry}`);
      }
    }
  }
  return out.sort();
}

describe('concurrent and interrupted pushes', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('concurrency');
  });
  afterEach(() => removeDir(dir));

  it('four pushers at once, same and different versions: each version complete exactly once, work done once, nothing partial seen', async () => {
    const efs = path.join(dir, 'efs');
    fs.mkdirSync(efs);
    const runners: ToolVersion[][] = [
      [node20, node22],
      [node20, python],
      [node20, node22, go],
      [python, go],
    ];
    const expected = new Map<string, number>();
    runners.forEach((versions, i) => {
      for (const v of versions) {
        writeVersion(path.join(dir, `runner-${i}`), v);
        expected.set(key(v), countFiles(versionPath(path.join(dir, `runner-${i}`), v)));
      }
    });
    const wrapDir = tempDir('wrap4');
    const partialSeen: string[] = [];
    // While they run, a reader looks at the root: a marker must never be there without its whole folder.
    const watcher = setInterval(() => {
      for (const [k, files] of expected) {
        const [tool, version, arch] = k.split('/') as [string, string, string];
        const marker = path.join(efs, tool, version, `${arch}.complete`);
        if (fs.existsSync(marker) && countFiles(path.join(efs, tool, version, arch)) !== files)
          partialSeen.push(k);
      }
    }, 20);
    try {
      const results = await Promise.all(
        runners.map((_, i) =>
          runCli(['push'], {
            RUNTIME_SYNC_ROOT: efs,
            RUNNER_TOOL_CACHE: path.join(dir, `runner-${i}`),
            RUNTIME_SYNC_RSYNC: rsyncWrapper(wrapDir),
            WRAP_SLEEP: '0.5',
          }),
        ),
      );
      clearInterval(watcher);
      for (const r of results) expect(r.code).toBe(0);
      expect(partialSeen).toEqual([]);
      expect(versionFolders(efs)).toEqual([...expected.keys()].sort());
      const copies = wrapperCalls(wrapDir).flat();
      for (const [k, files] of expected) {
        const [tool, version, arch] = k.split('/') as [string, string, string];
        expect(fs.existsSync(path.join(efs, tool, version, `${arch}.complete`))).toBe(true);
        expect(countFiles(path.join(efs, tool, version, arch))).toBe(files);
        // exactly one pusher reports it, and the copy was made once: one rsync file list holds it
        const pushers = results.filter((r) => r.stderr.includes(`pushed ${k}\n`));
        expect(pushers).toHaveLength(1);
        expect(copies.filter((p) => p === k)).toHaveLength(1);
      }
      const versionsPushed = results.reduce(
        (n, r) => n + Number(/push: (\d+) versions/.exec(r.summary)?.[1]),
        0,
      );
      expect(versionsPushed).toBe(expected.size);
      expect(describeTree(versionPath(efs, node20))).toEqual(
        describeTree(versionPath(path.join(dir, 'runner-0'), node20)),
      );
      expect(listDir(path.join(efs, '.staging'))).toEqual([]);
      expect(listDir(path.join(efs, '.locks'))).toEqual([]);
    } finally {
      clearInterval(watcher);
      removeDir(wrapDir);
    }
  });

  it('twelve first pushes at once on an empty root: every one reads the architecture it shares, none takes the root for a foreign one', async () => {
    // Creating the architecture file with O_EXCL and writing it afterwards let a concurrent pusher read ''
    // (a CI run failed with exit 3, ArchMismatch); ten rounds of twelve processes reproduced it in about one
    // round in seven.
    const local = path.join(dir, 'runner');
    fs.mkdirSync(local);
    for (let round = 0; round < 10; round++) {
      const efs = path.join(dir, `efs-${round}`);
      fs.mkdirSync(efs);
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          runCli(['push'], { RUNTIME_SYNC_ROOT: efs, RUNNER_TOOL_CACHE: local }),
        ),
      );
      expect(results.map((r) => r.code)).toEqual(Array.from({ length: 12 }, () => 0));
      expect(results.filter((r) => r.stderr.includes('now belongs to'))).toHaveLength(1);
      expect(fs.readFileSync(path.join(efs, '.runtime-sync-arch'), 'utf8')).toMatch(/^(x64|arm64)\n$/);
      expect(listDir(path.join(efs, '.staging'))).toEqual([]);
    }
  });

  it('a push killed with SIGKILL mid-copy leaves nothing visible; its lock expires and a later push completes the version and cleans the staging', async () => {
    const efs = path.join(dir, 'efs');
    const local = path.join(dir, 'runner');
    fs.mkdirSync(efs);
    const big: ToolVersion = { tool: 'node', version: '18.20.0', files: 600, fileSize: 8192 };
    writeVersion(local, big);
    const wrapDir = tempDir('wrapkill');
    const env = { RUNTIME_SYNC_ROOT: efs, RUNNER_TOOL_CACHE: local };
    try {
      const running = startCli(['push'], {
        ...env,
        RUNTIME_SYNC_RSYNC: rsyncWrapper(wrapDir),
        WRAP_BWLIMIT: '400',
        RUNTIME_SYNC_LOCK_TTL_SECONDS: '2',
      });
      const staged = (): number => {
        // the staging folder itself: not its .alive heartbeat, nor the first push's short-lived .arch draft
        const s = listDir(path.join(efs, '.staging')).find((n) =>
          fs.statSync(path.join(efs, '.staging', n), { throwIfNoEntry: false })?.isDirectory(),
        );
        try {
          return s ? countFiles(path.join(efs, '.staging', s)) : 0;
        } catch {
          return 0; // a temp file rsync renamed between the listing and its lstat: look again
        }
      };
      await waitFor('the copy to be under way', () => staged() > 20, 60_000);
      // the task dies: the command and its rsync, by their ids
      const rsyncPid = Number(fs.readFileSync(path.join(wrapDir, 'pid'), 'utf8'));
      running.child.kill('SIGKILL');
      process.kill(-rsyncPid, 'SIGKILL');
      await running.done;
      await waitFor('rsync to be gone', () => !alive(rsyncPid), 10_000);

      expect(fs.existsSync(versionPath(efs, big))).toBe(false);
      expect(fs.existsSync(markerPath(efs, big))).toBe(false);
      expect(listDir(path.join(efs, '.locks'))).toHaveLength(1);
      expect(listDir(path.join(efs, '.staging')).length).toBeGreaterThan(0);

      // while the lock is live (by a 60 s ttl) another push leaves the version to its holder
      const early = await runCli(['push'], { ...env, RUNTIME_SYNC_LOCK_TTL_SECONDS: '60' });
      expect(early.code).toBe(0);
      expect(early.stderr).toContain(`${key(big)}: another runner is pushing it`);
      expect(fs.existsSync(markerPath(efs, big))).toBe(false);

      // after the 2 s expiry the lock is taken over, the version completed, the staging removed
      await new Promise((r) => setTimeout(r, 2500));
      const later = await runCli(['push'], { ...env, RUNTIME_SYNC_LOCK_TTL_SECONDS: '2' });
      expect(later.code).toBe(0);
      expect(later.stderr).toContain(`pushed ${key(big)}`);
      expect(later.stderr).toMatch(/removed expired leftovers: .*\.staging\//);
      expect(describeTree(versionPath(efs, big))).toEqual(describeTree(versionPath(local, big)));
      expect(fs.existsSync(markerPath(efs, big))).toBe(true);
      expect(listDir(path.join(efs, '.staging'))).toEqual([]);
      expect(listDir(path.join(efs, '.locks'))).toEqual([]);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('a push out of time stops its copy, exits 5 and leaves no partial version and no staging', async () => {
    const efs = path.join(dir, 'efs');
    const local = path.join(dir, 'runner');
    fs.mkdirSync(efs);
    writeVersion(local, go);
    const wrapDir = tempDir('wraptime');
    try {
      const result = await runCli(['push'], {
        RUNTIME_SYNC_ROOT: efs,
        RUNNER_TOOL_CACHE: local,
        RUNTIME_SYNC_RSYNC: rsyncWrapper(wrapDir),
        WRAP_SLEEP: '60',
        RUNTIME_SYNC_TIMEOUT_SECONDS: '7',
      });
      expect(result.code).toBe(5);
      expect(result.ms).toBeLessThan(20_000);
      expect(result.summary).toMatch(/^runtime-sync push: 0 versions.*error \(exit 5\)/);
      expect(fs.existsSync(versionPath(efs, go))).toBe(false);
      expect(listDir(path.join(efs, '.staging'))).toEqual([]);
      expect(listDir(path.join(efs, '.locks'))).toEqual([]);
      expect(alive(Number(fs.readFileSync(path.join(wrapDir, 'pid'), 'utf8')))).toBe(false);
    } finally {
      removeDir(wrapDir);
    }
  });
});
