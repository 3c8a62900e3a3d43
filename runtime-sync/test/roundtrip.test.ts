import fs from 'node:fs';
import path from 'node:path';
import { removeDir, runCli, tempDir } from './helpers/cli';
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

const node: ToolVersion = { tool: 'node', version: '20.11.1', files: 1500 };
const python: ToolVersion = { tool: 'Python', version: '3.12.1', files: 1000 };
const go: ToolVersion = { tool: 'go', version: '1.22.0', files: 500 };
const javaIncomplete: ToolVersion = { tool: 'Java_Temurin-Hotspot_jdk', version: '21.0.1-12', files: 30 };
const rubyIncomplete: ToolVersion = { tool: 'Ruby', version: '3.3.0', files: 30 };

describe('pull and push of a tool-cache tree (real rsync, real folders)', () => {
  let dir: string;
  let efs: string;
  let runnerA: string;
  let runnerB: string;
  const env = (toolCache: string, extra: Record<string, string> = {}): Record<string, string> => ({
    RUNTIME_SYNC_ROOT: efs,
    RUNNER_TOOL_CACHE: toolCache,
    ...extra,
  });

  beforeAll(() => {
    dir = tempDir('roundtrip');
    efs = path.join(dir, 'efs');
    runnerA = path.join(dir, 'runner-a');
    runnerB = path.join(dir, 'runner-b');
    fs.mkdirSync(efs);
    for (const v of [node, python, go]) writeVersion(runnerA, v);
    writeVersion(runnerA, javaIncomplete, false);
    // a version folder that is itself a symlink out of the tool cache: never followed, never moved
    fs.mkdirSync(path.join(runnerA, 'evil', '1.0.0'), { recursive: true });
    fs.symlinkSync('/etc', path.join(runnerA, 'evil', '1.0.0', ARCH));
    fs.writeFileSync(path.join(runnerA, 'evil', '1.0.0', `${ARCH}.complete`), '');
  });
  afterAll(() => removeDir(dir));

  it('pushes every complete version, with symlinks, modes and thousands of small files, and pulls it back identical', async () => {
    const pushed = await runCli(['push'], env(runnerA));
    expect(pushed.code).toBe(0);
    expect(pushed.summary).toMatch(/^runtime-sync push: 3 versions, \d+ files, \d+ bytes .*, [\d.]+ s$/);
    expect(fs.readFileSync(path.join(efs, '.runtime-sync-arch'), 'utf8').trim()).toBe(ARCH);
    for (const v of [node, python, go]) {
      expect(describeTree(versionPath(efs, v))).toEqual(describeTree(versionPath(runnerA, v)));
      expect(fs.existsSync(markerPath(efs, v))).toBe(true);
    }
    expect(countFiles(efs)).toBeGreaterThanOrEqual(3000);
    expect(listDir(path.join(efs, '.staging'))).toEqual([]);
    expect(listDir(path.join(efs, '.locks'))).toEqual([]);

    writeVersion(runnerB, rubyIncomplete, false);
    const pulled = await runCli(['pull'], env(runnerB));
    expect(pulled.code).toBe(0);
    expect(pulled.summary).toMatch(/^runtime-sync pull: 3 versions, \d+ files, \d+ bytes/);
    for (const v of [node, python, go]) {
      expect(describeTree(versionPath(runnerB, v))).toEqual(describeTree(versionPath(runnerA, v)));
      expect(fs.existsSync(markerPath(runnerB, v))).toBe(true);
    }
    expect(listDir(path.join(efs, '.leases'))).toEqual([]);
  });

  it('never moves an incomplete version (no marker), either way', () => {
    expect(fs.existsSync(path.join(efs, javaIncomplete.tool))).toBe(false);
    expect(fs.existsSync(path.join(runnerB, javaIncomplete.tool))).toBe(false);
    // runner B's own incomplete version stays as it was, and is not pushed
    expect(fs.existsSync(markerPath(runnerB, rubyIncomplete))).toBe(false);
  });

  it('does not push an incomplete version from B, and pulls nothing EFS has only half of', async () => {
    const pushed = await runCli(['push'], env(runnerB));
    expect(pushed.code).toBe(0);
    expect(pushed.summary).toMatch(/^runtime-sync push: 0 versions/);
    expect(fs.existsSync(path.join(efs, rubyIncomplete.tool))).toBe(false);
    // a half-written folder on EFS (no marker) is not pulled
    writeVersion(efs, javaIncomplete, false);
    const runnerC = path.join(dir, 'runner-c');
    const pulled = await runCli(['pull'], env(runnerC));
    expect(pulled.code).toBe(0);
    expect(fs.existsSync(path.join(runnerC, javaIncomplete.tool))).toBe(false);
    removeDir(path.join(efs, javaIncomplete.tool));
  });

  it('copies a link out of the tool folder as a link, never its target, and ignores a symlinked version folder', () => {
    for (const root of [efs, runnerB]) {
      const link = path.join(versionPath(root, node), 'bin', 'passwd-outside');
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
      expect(fs.readlinkSync(link)).toBe('/etc/passwd');
      expect(fs.lstatSync(path.join(versionPath(root, node), 'bin', 'dangling')).isSymbolicLink()).toBe(true);
      expect(fs.existsSync(path.join(root, 'evil'))).toBe(false);
    }
    const passwd = fs.readFileSync('/etc/passwd');
    const leaked = Object.entries(describeTree(efs)).filter(
      ([, e]) => e.type === 'file' && e.size === passwd.length && e.size > 0,
    );
    expect(leaked.map(([p]) => fs.readFileSync(path.join(efs, p)).equals(passwd))).not.toContain(true);
  });

  it("writes the markers only after every folder arrived: one rsync for all folders, markers after it exits, with the root's content and mtime", async () => {
    const wrapDir = tempDir('wrap');
    try {
      const runnerD = path.join(dir, 'runner-d');
      // a wrapper that runs rsync, then records which markers already exist locally (none may, yet)
      const wrapper = path.join(wrapDir, 'rsync-then-look.sh');
      fs.writeFileSync(
        wrapper,
        `#!/bin/bash\nif [[ "\${1:-}" == --version ]]; then exec rsync "$@"; fi\n` +
          `tr '\\0' '\\n' > "${wrapDir}/list"; rsync "$@" < <(tr '\\n' '\\0' < "${wrapDir}/list"); code=$?\n` +
          `echo call >> "${wrapDir}/calls"\n` +
          `find "${runnerD}" -name '*.complete' > "${wrapDir}/markers-at-exit"; exit $code\n`,
        { mode: 0o755 },
      );
      fs.writeFileSync(markerPath(efs, go), 'written by a tool\n');
      fs.utimesSync(markerPath(efs, go), new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
      const pulled = await runCli(['pull'], env(runnerD, { RUNTIME_SYNC_RSYNC: wrapper }));
      expect(pulled.code).toBe(0);
      expect(fs.readFileSync(path.join(wrapDir, 'calls'), 'utf8')).toBe('call\n');
      const folders = [node, python, go].map((v) => path.relative(efs, versionPath(efs, v))).sort();
      expect(fs.readFileSync(path.join(wrapDir, 'list'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(
        folders,
      );
      expect(fs.readFileSync(path.join(wrapDir, 'markers-at-exit'), 'utf8')).toBe('');
      for (const v of [node, python, go]) {
        expect(fs.readFileSync(markerPath(runnerD, v))).toEqual(fs.readFileSync(markerPath(efs, v)));
        expect(
          Math.abs(fs.statSync(markerPath(runnerD, v)).mtimeMs - fs.statSync(markerPath(efs, v)).mtimeMs),
        ).toBeLessThan(1);
      }
      expect(fs.readFileSync(markerPath(runnerD, go), 'utf8')).toBe('written by a tool\n');
      expect(pulled.stderr).toContain(`pulled ${key(node)}`);
    } finally {
      removeDir(wrapDir);
    }
  });

  it('pulls nothing again when the local cache already has every version', async () => {
    const again = await runCli(['pull'], env(runnerB));
    expect(again.code).toBe(0);
    expect(again.summary).toMatch(/^runtime-sync pull: 0 versions, 0 files, 0 bytes/);
  });

  it('status lists versions on the root and locally with sizes', async () => {
    const result = await runCli(['status'], env(runnerB));
    expect(result.code).toBe(0);
    const entries = Object.values(describeTree(versionPath(efs, node))).filter(
      (e) => e.type !== 'dir',
    ).length;
    expect(result.stdout).toMatch(new RegExp(`efs +${key(node)} +folder +[\\d.]+ KiB +${entries} `));
    expect(result.stdout).toMatch(new RegExp(`local +${key(rubyIncomplete)} +\\(incomplete`));
    expect(result.summary).toMatch(/^runtime-sync status: 3 versions, \d+ files/);
  });
});
