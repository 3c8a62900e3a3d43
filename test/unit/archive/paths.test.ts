/**
 * The path input: plain paths are resolved without @actions/glob, and must give what @actions/glob
 * gives for them (compared here on a real tree, against the real package).
 */
import * as glob from '@actions/glob';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  escapeGlob,
  isPlainPath,
  mayLeaveWorkspace,
  parseLine,
  resolvePaths,
  rootPattern,
} from '../../../src/archive/paths';

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
    ['.'],
    ['top.txt', 'top.txt'],
    ['node_modules', 'node_modules/a'],
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

  it.each([['./node_modules/../build'], ['../outside/lib'], ['node_modules/.'], ['~/x/../y']])(
    'refuses %j as @actions/glob does, naming the line',
    async (line) => {
      expect(isPlainPath(line)).toBe(true);
      await expect(viaGlob([line])).rejects.toThrow();
      await expect(resolvePaths([line], workspace)).rejects.toThrow(
        `path line "${line}" has a "." or ".." segment`,
      );
    },
  );

  it('still goes through @actions/glob for patterns', async () => {
    const patterns = ['node_modules/*', '!node_modules/a', 'build/**/*.bin', `${inHome}/.npm/`];
    const got = await resolvePaths(patterns, workspace);
    expect(got.sort()).toEqual((await viaGlob(patterns)).sort());
    expect(got).toContain('build/out/app.bin');
    expect(got).toContain(path.relative(workspace, path.join(home, '.npm')));
  });
});

describe('escaping the literal roots', () => {
  it.each([
    ['/w/proj[1]', '/w/proj[[]1]'],
    ['/w/a*b?c', '/w/a[*]b[?]c'],
    ['/w/back\\slash', '/w/back\\\\slash'],
    ['/w/br{a,b} (x) !y #z ]', '/w/br{a,b} (x) !y #z ]'],
  ])('%j → %j', (literal, escaped) => {
    expect(escapeGlob(literal, 'linux')).toBe(escaped);
  });

  it('roots relative, "./", "~" and "~/" lines at the escaped workspace and home; absolute lines as written', () => {
    const ws = '/w/proj[1]';
    const home = '/h/me*';
    expect(rootPattern('data/*.txt', ws, home)).toBe('/w/proj[[]1]/data/*.txt');
    expect(rootPattern('! data/sub', ws, home)).toBe('!/w/proj[[]1]/data/sub');
    expect(rootPattern('!! data/sub', ws, home)).toBe('/w/proj[[]1]/data/sub');
    expect(rootPattern('.', ws, home)).toBe('/w/proj[[]1]');
    expect(rootPattern('./x', ws, home)).toBe('/w/proj[[]1]/x');
    expect(rootPattern('~', ws, home)).toBe('/h/me[*]');
    expect(rootPattern('!~/.npm', ws, home)).toBe('!/h/me[*]/.npm');
    expect(rootPattern('~other/x', ws, home)).toBe('/w/proj[[]1]/~other/x');
    expect(rootPattern('/abs/[ab]', ws, home)).toBe('/abs/[ab]');
    expect(rootPattern('  # note', ws, home)).toBe('  # note');
    expect(rootPattern('!#hash', ws, home)).toBe('!/w/proj[[]1]/#hash');
  });

  it('a workspace and a home with glob characters match only themselves, on a real tree', async () => {
    const base = path.join(root, 'globby');
    const ws = path.join(base, 'proj[1]');
    const home = path.join(base, 'home*');
    for (const file of [
      'proj[1]/data/own.txt',
      'proj1/data/SIBLING.txt',
      'home*/.npm/k',
      'homeX/.npm/SIBLING',
    ])
      mkdirSync(path.dirname(path.join(base, file)), { recursive: true });
    for (const file of [
      'proj[1]/data/own.txt',
      'proj1/data/SIBLING.txt',
      'home*/.npm/k',
      'homeX/.npm/SIBLING',
    ])
      writeFileSync(path.join(base, file), file);
    expect(await resolvePaths(['data/*.txt'], ws, home)).toEqual(['data/own.txt']);
    expect(await resolvePaths(['~/.npm/*'], ws, home)).toEqual(['../home*/.npm/k']);
    expect(await resolvePaths(['data/', '!data/own.txt'], ws, home)).toEqual(['data']);
  });
});

describe('reading a line like @actions/glob', () => {
  it.each([
    ['data', { negate: false, pattern: 'data' }],
    ['  ! data/sub ', { negate: true, pattern: 'data/sub' }],
    ['!!x', { negate: false, pattern: 'x' }],
    ['! ! x', { negate: false, pattern: 'x' }],
    ['!!!x', { negate: true, pattern: 'x' }],
    ['!#x', { negate: true, pattern: '#x' }],
    ['# note', undefined],
    ['   ', undefined],
    ['./x', { negate: false, pattern: './x' }],
  ])('%j', (line, parsed) => {
    expect(parseLine(line, 'linux')).toEqual(parsed);
  });

  it.each(['!', '! ', '!!', 'a/./b', 'a/..', '../a', '/a/../b', '~/./x', 'a/[.][.]/b', 'a/\\.\\./b'])(
    'refuses %j',
    (line) => {
      expect(() => parseLine(line, 'linux')).toThrow(`path line "${line}"`);
    },
  );

  it('lets only an included ~ or absolute line leave the workspace (restore keeps -P only then)', () => {
    expect(mayLeaveWorkspace(['data/*.txt', '!data/x'])).toBe(false);
    expect(mayLeaveWorkspace(['data', '!/abs', '!~/x', '# /abs', '~other/x'])).toBe(false);
    expect(mayLeaveWorkspace(['data', '~/.npm'])).toBe(true);
    expect(mayLeaveWorkspace(['~'])).toBe(true);
    expect(mayLeaveWorkspace(['/opt/tool'])).toBe(true);
    expect(mayLeaveWorkspace(['!! /opt/tool'])).toBe(true);
    expect(mayLeaveWorkspace(['../x'])).toBe(false);
  });
});
