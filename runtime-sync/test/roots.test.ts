import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { alive, removeDir, rsyncWrapper, runCli, tempDir } from './helpers/cli';
import {
  ARCH,
  listDir,
  markerPath,
  OTHER_ARCH,
  ToolVersion,
  versionPath,
  writeVersion,
} from './helpers/toolcache';

jest.setTimeout(120_000);

const go: ToolVersion = { tool: 'go', version: '1.22.0', files: 50 };
/** Seconds a budget-bound run may take beyond its budget on a busy machine (Node start, kill grace). */
const SLACK_MS = 6_000;

describe('roots that are wrong, missing, unreadable or slow', () => {
  let dir: string;
  let efs: string;
  let local: string;
  beforeEach(() => {
    dir = tempDir('roots');
    efs = path.join(dir, 'efs');
    local = path.join(dir, 'runner');
    fs.mkdirSync(efs);
  });
  afterEach(() => removeDir(dir));

  it('refuses a root that belongs to the other architecture, for every command, with a clear error', async () => {
    writeVersion(efs, go);
    writeVersion(local, { ...go, version: '1.21.0' });
    fs.writeFileSync(path.join(efs, '.runtime-sync-arch'), `${OTHER_ARCH}\n`);
    const env = { RUNTIME_SYNC_ROOT: efs, RUNNER_TOOL_CACHE: local };
    for (const command of ['pull', 'push', 'status']) {
      const result = await runCli([command], env);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        `holds the tool cache of '${OTHER_ARCH}' machines but this machine is '${ARCH}'`,
      );
      expect(result.summary).toMatch(new RegExp(`^runtime-sync ${command}: 0 versions.*error \\(exit 3\\)`));
    }
    const prune = await runCli(['prune', '--max-age-days', '0'], env);
    expect(prune.code).toBe(3);
    expect(fs.existsSync(markerPath(local, go))).toBe(false);
    expect(fs.existsSync(path.join(efs, 'go', '1.21.0'))).toBe(false);
    expect(fs.existsSync(markerPath(efs, go))).toBe(true);
  });

  it('pull warns and exits 0 when the root is missing; push, status and prune exit 6', async () => {
    const missing = path.join(dir, 'not-mounted');
    const env = { RUNTIME_SYNC_ROOT: missing, RUNNER_TOOL_CACHE: local };
    writeVersion(local, go);
    const pulled = await runCli(['pull'], env);
    expect(pulled.code).toBe(0);
    expect(pulled.stderr).toMatch(/\[warn\] .*not-mounted does not exist/);
    expect(pulled.summary).toMatch(/^runtime-sync pull: 0 versions.*warning:/);
    for (const command of [['push'], ['status'], ['prune', '--max-size', '1G']]) {
      const result = await runCli(command, env);
      expect(result.code).toBe(6);
    }
    expect(fs.existsSync(missing)).toBe(false); // push never creates the mount point
  });

  it('pull warns and exits 0 when the root is unreadable', async () => {
    writeVersion(efs, go);
    fs.chmodSync(efs, 0o000);
    // root reads anything: run as nobody then, with a tool cache nobody owns
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    fs.mkdirSync(local);
    if (process.getuid?.() === 0) {
      fs.chownSync(local, 65534, 65534);
      fs.chmodSync(dir, 0o755);
    }
    try {
      const pulled = await runCli(['pull'], { RUNTIME_SYNC_ROOT: efs, RUNNER_TOOL_CACHE: local }, asUser);
      expect(pulled.code).toBe(0);
      expect(pulled.stderr).toMatch(/\[warn\] cannot read .*efs.*EACCES|permission denied/i);
      expect(listDir(local)).toEqual([]);
    } finally {
      fs.chmodSync(efs, 0o755);
    }
  });

  it('pull gives up on a root that hangs (a FIFO as its architecture file blocks the read) within its budget', async () => {
    writeVersion(efs, go);
    execFileSync('mkfifo', [path.join(efs, '.runtime-sync-arch')]);
    const pulled = await runCli(['pull'], {
      RUNTIME_SYNC_ROOT: efs,
      RUNNER_TOOL_CACHE: local,
      RUNTIME_SYNC_TIMEOUT_SECONDS: '3',
    });
    expect(pulled.code).toBe(0);
    expect(pulled.ms).toBeLessThan(3_000 + SLACK_MS);
    expect(pulled.stderr).toMatch(/\[warn\] .*did not answer before the time budget of 3 s ran out/);
    expect(fs.existsSync(markerPath(local, go))).toBe(false);
  });

  it('pull stops a copy that is too slow within its budget, kills rsync and marks nothing complete', async () => {
    writeVersion(efs, go);
    const wrapDir = tempDir('wrapslow');
    try {
      const pulled = await runCli(['pull'], {
        RUNTIME_SYNC_ROOT: efs,
        RUNNER_TOOL_CACHE: local,
        RUNTIME_SYNC_TIMEOUT_SECONDS: '4',
        RUNTIME_SYNC_RSYNC: rsyncWrapper(wrapDir),
        WRAP_SLEEP: '60',
      });
      expect(pulled.code).toBe(0);
      expect(pulled.ms).toBeLessThan(4_000 + SLACK_MS);
      expect(pulled.summary).toMatch(
        /^runtime-sync pull: 0 versions.*warning: the time budget of 4 s ran out/,
      );
      expect(fs.existsSync(markerPath(local, go))).toBe(false);
      expect(alive(Number(fs.readFileSync(path.join(wrapDir, 'pid'), 'utf8')))).toBe(false);
      expect(listDir(path.join(efs, '.leases'))).toEqual([]);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('pull with rsync missing exits 4, says how to install it and leaves no lease (the probe ran alongside)', async () => {
    const result = await runCli(['pull'], {
      RUNTIME_SYNC_ROOT: efs,
      RUNNER_TOOL_CACHE: local,
      RUNTIME_SYNC_RSYNC: path.join(dir, 'no-rsync'),
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('apt-get install -y rsync');
    expect(listDir(path.join(efs, '.leases'))).toEqual([]);
  });

  it('push writes the architecture once and keeps a read-only-style pool out with RUNTIME_SYNC_PUSH=false', async () => {
    writeVersion(local, go);
    const off = await runCli(['push'], {
      RUNTIME_SYNC_ROOT: efs,
      RUNNER_TOOL_CACHE: local,
      RUNTIME_SYNC_PUSH: 'false',
    });
    expect(off.code).toBe(0);
    expect(off.summary).toMatch(/^runtime-sync push: 0 versions.*push disabled/);
    expect(listDir(efs)).toEqual([]);
    const on = await runCli(['push', '--push=true'], { RUNTIME_SYNC_ROOT: efs, RUNNER_TOOL_CACHE: local });
    expect(on.code).toBe(0);
    expect(fs.readFileSync(path.join(efs, '.runtime-sync-arch'), 'utf8')).toBe(`${ARCH}\n`);
    expect(fs.existsSync(versionPath(efs, go))).toBe(true);
  });

  it('explains bad settings with exit 2', async () => {
    const noRoot = await runCli(['pull'], { RUNNER_TOOL_CACHE: local });
    expect(noRoot.code).toBe(2);
    expect(noRoot.stderr).toContain('RUNTIME_SYNC_ROOT is not set');
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
  });
});
