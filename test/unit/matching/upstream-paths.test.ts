/**
 * The path input against upstream's own code, on a real folder tree: for every way of writing the
 * `path:` input, the settings' path lines must give the cache version upstream's getCacheVersion
 * gives, and resolvePaths must give the file list upstream's resolvePaths gives (or both refuse).
 *
 * Upstream here is the installed @actions/cache (lib/internal/cacheUtils: getCacheVersion and
 * resolvePaths, which runs @actions/glob) and @actions/core's getInput. The one step of upstream that
 * is not a package is actions/cache's getInputAsArray (src/utils/actionUtils.ts: split on '\n',
 * `s.replace(/^!\s+/, "!").trim()`, drop empty lines); it is restated below as the oracle.
 *
 * Upstream roots relative patterns at process.cwd() (the runner starts a step in the workspace) and
 * makes the results relative to GITHUB_WORKSPACE, so its calls run with both set to the workspace.
 */
import * as core from '@actions/core';
import {
  getCacheVersion,
  resolvePaths as upstreamResolvePaths,
} from '@actions/cache/lib/internal/cacheUtils';
import { CompressionMethod } from '@actions/cache/lib/internal/constants';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolvePaths } from '../../../src/archive/paths';
import { COMPRESSION_METHOD } from '../../../src/config/constants';
import { resolveSettings } from '../../../src/config/settings';
import { cacheVersion } from '../../../src/matching/version';

/** actions/cache's getInputAsArray, applied to what @actions/core's getInput returns. */
function upstreamLines(input: string): string[] {
  process.env.INPUT_PATH = input;
  try {
    return core
      .getInput('path')
      .split('\n')
      .map((s) => s.replace(/^!\s+/, '!').trim())
      .filter((x) => x !== '');
  } finally {
    delete process.env.INPUT_PATH;
  }
}

type Listing = string[] | 'refused';

/** Upstream's resolvePaths as a step in `workspace` runs it (its core.debug lines silenced). */
async function upstreamList(lines: string[], workspace: string): Promise<Listing> {
  const cwd = process.cwd();
  const saved = process.env.GITHUB_WORKSPACE;
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  process.chdir(workspace);
  process.env.GITHUB_WORKSPACE = workspace;
  try {
    return (await upstreamResolvePaths(lines)).sort();
  } catch {
    return 'refused';
  } finally {
    process.chdir(cwd);
    if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
    else process.env.GITHUB_WORKSPACE = saved;
    write.mockRestore();
  }
}

/** Ours, from the raw input through the settings, with the process elsewhere (ours must not need cwd). */
async function ours(input: string, workspace: string): Promise<{ lines: string[]; list: Listing }> {
  const settings = resolveSettings('save', (name) => (name === 'path' ? input : ''), {
    GITHUB_WORKSPACE: workspace,
  });
  const list = await resolvePaths(settings.paths, settings.github.workspace).then(
    (files) => files.sort(),
    (): Listing => 'refused',
  );
  return { lines: settings.paths, list };
}

/** The tree of every workspace, and of siblings named like the workspace read as a pattern. */
const FILES = [
  'data/a.txt',
  'data/b.txt',
  'data/c.log',
  'data/sub/d.txt',
  'data/sub/e.log',
  'a/x',
  'b/x',
  'ab/x',
  '{a,b}',
  '#hash',
  'with space/f.txt',
  'top.txt',
  '~other/x',
];

/** Workspace names with every character a glob reads, each with siblings its unescaped form matches. */
const WORKSPACES: { name: string; siblings: string[] }[] = [
  { name: 'plain', siblings: [] },
  { name: 'proj[1]', siblings: ['proj1'] },
  { name: 'proj[12]', siblings: ['proj1', 'proj2'] },
  { name: 'star*dir', siblings: ['starXdir', 'star-other-dir'] },
  { name: 'q?x', siblings: ['qZx'] },
  { name: 'br{a,b}', siblings: ['bra', 'brb'] },
  { name: 'with space', siblings: [] },
  { name: 'trailing space ', siblings: ['trailing space'] },
  { name: 'back\\slash[x]', siblings: ['backslashx', 'back\\slashx'] },
  { name: '!bang#hash', siblings: [] },
];

let root: string;
/** A folder of our own in the process's real home (os.homedir(), which jest's process.env does not change). */
let home: string;
let inHome: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'upstream-paths-'));
  home = mkdtempSync(path.join(homedir(), '.dazn-upstream-paths-'));
  inHome = `~/${path.basename(home)}`;
  for (const file of ['.npm/k', '.npm/skip/s', 'cfg/x']) {
    mkdirSync(path.dirname(path.join(home, file)), { recursive: true });
    writeFileSync(path.join(home, file), file);
  }
  for (const ws of WORKSPACES)
    for (const folder of [ws.name, ...ws.siblings, 'outside'])
      for (const file of [
        ...FILES,
        ...(folder === ws.name ? ['OWN'] : ['SIBLING.txt', 'data/SIBLING.txt']),
      ]) {
        const full = path.join(root, ws.name.replace(/\W/g, '_'), folder, file);
        mkdirSync(path.dirname(full), { recursive: true });
        writeFileSync(full, file);
      }
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

/** Path inputs as a workflow would write them; `<ws>` is the workspace, `<home>` our folder in ~. */
const INPUTS: string[] = [
  'data',
  'data/*.txt',
  'data\n!data/sub',
  'data/*\n!data/sub',
  'data/*\n! data/sub',
  'data/*\n! data/sub/',
  'data/*\n! data/*.txt\n!!data/a.txt',
  'data\n! data/sub',
  'data\n!   data/sub',
  'data\n!\tdata/sub',
  'data\n!!data/sub',
  'data\n!! data/sub',
  'data\n! ! data/sub',
  'data\n!!!data/sub',
  'data\n  ! data/sub',
  'data/**\n!data/**/*.log',
  'data/**\n! data/**/*.log\n!data/sub/',
  '!data',
  'data\n!data',
  '#comment\ndata',
  'data\n# comment\n  # indented comment',
  '#only a comment',
  'data\n!#hash\n#hash',
  '!#hash',
  '\n\n  data  \n\n top.txt \n',
  'data\r\ntop.txt\r\n',
  'data\r\n! data/sub\r\n',
  'data/\ntop.txt/',
  'data/sub/',
  '**/*.log',
  'data/**',
  '**',
  '[ab]',
  '[ab]/x',
  'data/[ab].txt',
  '{a,b}',
  'data/{a,b}.txt',
  'with space',
  'with space/*.txt',
  '~other/x',
  '~other',
  '.',
  './data',
  './data/*.txt',
  'data/./a.txt',
  './data/../top.txt',
  '../outside',
  'data/..',
  '!',
  'data\n! ',
  'data\n!!',
  'missing',
  'missing\ntop.txt',
  'top.txt\ntop.txt\n./top.txt',
  'data/sub\ndata',
  'data\ndata/sub',
  '<ws>/data',
  '<ws>/data/*.txt',
  '<ws>/../outside/top.txt',
  '<root>/outside/top.txt',
  '<root>/outside/data/*.txt',
  '<home>/.npm',
  '<home>/.npm\n!<home>/.npm/skip',
  '<home>/.npm\n! <home>/.npm/skip',
  '<home>/*\n!<home>/cfg',
  '~',
  'data\n!~/nothing-here',
];

/**
 * The one place we differ on purpose: minimatch trims a pattern, so upstream cannot match a
 * workspace whose name ends in a space as "." (it saves nothing); we cache it.
 */
const QUIRK = { workspace: 'trailing space ', input: '.' };

const cases = WORKSPACES.flatMap((ws) =>
  INPUTS.filter((input) => ws.name !== QUIRK.workspace || input !== QUIRK.input).map(
    (input) => [ws.name, input] as const,
  ),
);

describe('path lines, version and files are upstream’s', () => {
  it('uses the compression method name upstream hashes', () => {
    expect(COMPRESSION_METHOD).toBe(CompressionMethod.ZstdWithoutLong);
  });

  it.each(cases)('workspace %j, path %j', async (name, template) => {
    const base = path.join(root, name.replace(/\W/g, '_'));
    const workspace = path.join(base, name);
    const input = template
      .replace(/<ws>/g, workspace)
      .replace(/<root>/g, base)
      .replace(/<home>/g, inHome);
    const expectedLines = upstreamLines(input);
    const got = await ours(input, workspace);
    expect(got.lines).toEqual(expectedLines);
    for (const crossOs of [false, true])
      expect(cacheVersion(got.lines, crossOs, process.platform)).toBe(
        getCacheVersion(expectedLines, CompressionMethod.ZstdWithoutLong, crossOs),
      );
    expect(got.list).toEqual(await upstreamList(expectedLines, workspace));
  });

  it('caches "." of a workspace whose name ends in a space, which upstream cannot match', async () => {
    const workspace = path.join(root, 'trailing_space_', QUIRK.workspace);
    expect(await upstreamList(upstreamLines(QUIRK.input), workspace)).toEqual([]);
    expect((await ours(QUIRK.input, workspace)).list).toEqual(['.']);
  });

  it('the table reaches every kind of result (so a broken oracle cannot pass it)', async () => {
    const workspace = path.join(root, 'proj_1_', 'proj[1]');
    expect(await upstreamList(upstreamLines('data/*.txt'), workspace)).toEqual(['data/a.txt', 'data/b.txt']);
    expect(await upstreamList(upstreamLines('data\n! data/sub'), workspace)).not.toContain('data/sub');
    expect(await upstreamList(upstreamLines('../outside'), workspace)).toBe('refused');
    // an absolute pattern is the user's own glob: upstream reads [1] in it as a set, and so do we
    expect(await upstreamList(upstreamLines(`${workspace}/*.txt`), workspace)).toEqual([
      '../proj1/SIBLING.txt',
      '../proj1/top.txt',
    ]);
  });
});
