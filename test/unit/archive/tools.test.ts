/**
 * Finding tar and zstd without starting them, and explaining a failed pipeline from their versions.
 * The programs here are real shell scripts on a PATH made for each test.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  explainToolFailure,
  findTar,
  findZstd,
  onPath,
  toolProblem,
  ArchiveTools,
} from '../../../src/archive/tools';
import { ToolError } from '../../../src/errors/errors';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tools-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A program that prints `version` for --version. */
function program(name: string, version: string, executable = true): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' '${version}'\n`);
  chmodSync(path, executable ? 0o755 : 0o644);
  return path;
}

function tools(tarVersion: string, zstdVersion: string): ArchiveTools {
  program('tar', tarVersion);
  program('zstd', zstdVersion);
  return { tar: findTar('linux', dir), zstd: findZstd(dir) };
}

describe('onPath', () => {
  it('returns the first executable match and skips non-executable files and empty entries', () => {
    const second = mkdtempSync(join(tmpdir(), 'tools-2-'));
    try {
      program('zstd', 'x', false);
      const path = join(second, 'zstd');
      writeFileSync(path, '#!/bin/sh\n');
      chmodSync(path, 0o755);
      expect(onPath('zstd', `:${dir}:${second}`)).toBe(path);
      expect(onPath('no-such-program', `${dir}:${second}`)).toBeUndefined();
    } finally {
      rmSync(second, { recursive: true, force: true });
    }
  });
});

describe('findTar / findZstd', () => {
  it('name the missing program and how to install it', () => {
    expect(() => findZstd(dir)).toThrow(ToolError);
    expect(() => findZstd(dir)).toThrow(/zstd was not found on PATH: install it \(apt-get install zstd/);
    expect(() => findTar('linux', dir)).toThrow(/GNU tar was not found on PATH .*apt-get install tar/);
    expect(() => findTar('darwin', dir)).toThrow(/looked for gtar, tar.*brew install gnu-tar/);
  });

  it('prefer gtar on macOS and use absolute paths', () => {
    program('tar', 'bsdtar 3.5.3');
    const gtar = program('gtar', 'tar (GNU tar) 1.35');
    expect(findTar('darwin', dir).path).toBe(gtar);
    expect(findTar('linux', dir).path).toBe(join(dir, 'tar'));
  });
});

describe('toolProblem', () => {
  it('accepts GNU tar and zstd 1.4 or newer', async () => {
    await expect(
      toolProblem(tools('tar (GNU tar) 1.34', '*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***')),
    ).resolves.toBeUndefined();
  });

  it('names a tar that is not GNU tar', async () => {
    const problem = await toolProblem(tools('tar (busybox) 1.36.1', 'zstd v1.5.4'));
    expect(problem?.message).toMatch(/tar is not GNU tar \(tar \(busybox\) 1\.36\.1\): install GNU tar/);
  });

  it('names a zstd that is too old', async () => {
    const problem = await toolProblem(
      tools('tar (GNU tar) 1.34', '*** zstd command line interface 64-bits v1.3.3, by Yann Collet ***'),
    );
    expect(problem?.message).toBe(
      'zstd v1.3.3 is too old: version 1.4 or newer is needed (apt-get install zstd).',
    );
  });
});

describe('explainToolFailure', () => {
  it("replaces a program's failure by the tools' problem when there is one", async () => {
    const failure = new ToolError('tar exited with code 2: tar: unrecognized option --posix');
    const busybox = tools('tar (busybox) 1.36.1', 'zstd v1.5.4');
    await expect(explainToolFailure(busybox, failure)).resolves.toMatchObject({
      message: expect.stringMatching(/not GNU tar/) as unknown,
    });
  });

  it('keeps the original failure when the tools look fine, and never touches other errors', async () => {
    const fine = tools('tar (GNU tar) 1.34', 'zstd v1.5.4');
    const failure = new ToolError('tar exited with code 2: tar: deps/x: Cannot open: Permission denied');
    await expect(explainToolFailure(fine, failure)).resolves.toBe(failure);
    const network = new Error('socket hang up');
    await expect(explainToolFailure(fine, network)).resolves.toBe(network);
  });
});
