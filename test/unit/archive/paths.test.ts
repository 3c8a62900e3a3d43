/**
 * The path input: plain paths are resolved without @actions/glob, and must give what @actions/glob
 * gives for them (compared here on a real tree, against the real package).
 */
import * as glob from '@actions/glob';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { isPlainPath, resolvePaths, rootPattern } from '../../../src/archive/paths';

let root: string;
let workspace: string;
/** A folder of our own in the real home folder (`~` is the process's home, not jest's process.env.HOME). */
let home: string;
let inHome: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'paths-'));
  workspace = path.join(root, 'ws');
  home = mkdtempSync(path.join(homedir(), '.dazn-paths-test-'));
  inHome = `~/${path.basename(home)}`;
  mkdirSync(path.join(home, '.npm/_cacache'), { recursive: true });
  writeFileSync(path.join(home, '.npm/_cacache/k'), 'k');
  for (const dir of ['ws/node_modules/a', 'ws/build/out', 'ws/.hidden', 'outside/lib'])
    mkdirSync(path.join(root, dir), { recursive: true });
  for (const file of [
    'ws/node_modules/a/index.js',
    'ws/build/out/app.bin',
    'ws/top.txt',
    'ws/.hidden/x',
    'outside/lib/l.so',
  ])
    writeFileSync(path.join(root, file), file);
  symlinkSync(path.join(root, 'outside/lib'), path.join(workspace, 'lib-link'));
  symlinkSync(path.join(root, 'nowhere'), path.join(workspace, 'broken-link'));
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

/** What @actions/glob itself resolves the lines to, relative to the workspace as the action reports them. */
async function viaGlob(patterns: string[]): Promise<string[]> {
  const globber = await glob.create(patterns.map((p) => rootPattern(p, workspace)).join('\n'), {
    implicitDescendants: false,
  });
  const files = await globber.glob();
  return files.map((f) => path.relative(workspace, f).split(path.sep).join('/') || '.');
}

describe('isPlainPath', () => {
  it.each([
    ['node_modules', true],
    ['~/.npm', true],
    ['~', true],
    ['/abs/path/x.txt', true],
    ['./a/../b', true],
    ['build/*.js', false],
    ['**/node_modules', false],
    ['!node_modules/skip', false],
    ['a[12]', false],
    ['dir/', false],
    ['~other/x', false],
    ['# comment', false],
    ['a\\b', false],
    ['x{a,b}', false],
    ['', false],
  ])('%j → %s', (pattern, plain) => {
    expect(isPlainPath(pattern)).toBe(plain);
  });
});

describe('resolvePaths on plain paths gives what @actions/glob gives', () => {
  const lists: string[][] = [
    ['node_modules'],
    ['node_modules', 'build/out', 'top.txt'],
    ['missing', 'top.txt'],
    ['missing'],
    ['lib-link'],
    ['broken-link', 'top.txt'],
    ['~/.npm'],
    ['~/.dazn-paths-test-none'],
    ['.hidden'],
    ['./node_modules/../build'],
    ['.'],
    ['top.txt', 'top.txt'],
    ['node_modules', 'node_modules/a'],
    [path.join('..', 'outside', 'lib')],
  ];
  it.each(lists)('%j', async (...patterns) => {
    await expectSame(patterns);
  });

  it('~ paths', async () => {
    await expectSame([`${inHome}/.npm`]);
    await expectSame([`${inHome}/.npm/_cacache/k`, 'top.txt']);
    expect(await resolvePaths([`${inHome}/.npm`], workspace)).toEqual([
      path.relative(workspace, path.join(home, '.npm')),
    ]);
  });

  async function expectSame(patterns: string[]): Promise<void> {
    expect(patterns.every(isPlainPath)).toBe(true);
    const expected = await viaGlob(patterns);
    expect((await resolvePaths(patterns, workspace)).sort()).toEqual(expected.sort());
  }

  it('still goes through @actions/glob for patterns', async () => {
    const patterns = ['node_modules/*', '!node_modules/a', 'build/**/*.bin', `${inHome}/.npm/`];
    const got = await resolvePaths(patterns, workspace);
    expect(got.sort()).toEqual((await viaGlob(patterns)).sort());
    expect(got).toContain('build/out/app.bin');
    expect(got).toContain(path.relative(workspace, path.join(home, '.npm')));
  });
});
