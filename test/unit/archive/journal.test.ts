/**
 * The journal of an extraction: GNU tar's own `--index-file` listing of a real archive with odd
 * names is read back to the exact names, in a UTF-8 and in the C locale, and removing what it lists
 * takes out what the extraction wrote and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJournal, removeJournalled, unescapeTarName } from '../../../src/archive/journal';

const ODD_NAMES = [
  'plain.txt',
  'with space',
  'back\\slash',
  'new\nline',
  'tab\there',
  'ümlaut-日本',
  'quote"\'s',
];

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dazn-journal-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(): { archive: string; names: string[] } {
  const src = join(root, 'src');
  mkdirSync(join(src, 'cached', 'sub'), { recursive: true });
  for (const name of ODD_NAMES) writeFileSync(join(src, 'cached', 'sub', name), name);
  symlinkSync('sub/plain.txt', join(src, 'cached', 'link'));
  const archive = join(root, 'a.tar');
  execFileSync('tar', ['--posix', '-cf', archive, '-C', src, 'cached']);
  return {
    archive,
    names: ['cached/', 'cached/link', 'cached/sub/', ...ODD_NAMES.map((n) => `cached/sub/${n}`)].sort(),
  };
}

test.each([['C.UTF-8'], ['C']])('reads back the names tar -x listed in locale %s', async (locale) => {
  const { archive, names } = tree();
  const out = join(root, 'out');
  mkdirSync(out);
  const journal = join(root, 'journal');
  execFileSync(
    'tar',
    ['-xf', archive, '-C', out, '-v', `--index-file=${journal}`, '--quoting-style=escape'],
    {
      env: { ...process.env, LC_ALL: locale },
    },
  );
  expect((await readJournal(journal)).sort()).toEqual(names);
});

test('decodes C escapes and octal bytes', () => {
  expect(unescapeTarName(Buffer.from('a\\\\b\\nc\\td\\303\\274'))).toBe('a\\b\nc\td\u00fc');
  expect(unescapeTarName(Buffer.from('trailing\\'))).toBe('trailing\\');
});

test('a missing journal lists nothing', async () => {
  expect(await readJournal(join(root, 'none'))).toEqual([]);
});

test('removes what the extraction wrote, keeps what was there before, never the workspace or home', async () => {
  const { archive } = tree();
  const workspace = join(root, 'work');
  mkdirSync(join(workspace, 'cached'), { recursive: true });
  writeFileSync(join(workspace, 'cached', 'mine.txt'), 'the user wrote this');
  writeFileSync(join(workspace, 'other.txt'), 'not in the entry');
  const journal = join(root, 'journal');
  execFileSync('tar', [
    '-xf',
    archive,
    '-C',
    workspace,
    '-v',
    `--index-file=${journal}`,
    '--quoting-style=escape',
  ]);
  const listed = await readJournal(journal);
  const removal = await removeJournalled([...listed, './', '.', '..', '/'], workspace, join(root, 'home'));
  expect(removal.failed).toEqual([]);
  expect(removal.files).toBe(ODD_NAMES.length + 1);
  expect(readdirSync(join(workspace, 'cached'))).toEqual(['mine.txt']); // sub/ removed, cached/ kept (not empty)
  expect(existsSync(join(workspace, 'other.txt'))).toBe(true);
  expect(existsSync(root)).toBe(true);
});

test('folders that only held written files go, also ones tar created without listing them', async () => {
  const workspace = join(root, 'work');
  mkdirSync(join(workspace, 'data', 'deep'), { recursive: true });
  writeFileSync(join(workspace, 'data', 'deep', 'x.txt'), 'x');
  const removal = await removeJournalled(['data/deep/x.txt', 'data/deep/not-yet-written'], workspace, root);
  expect(removal).toEqual({ files: 1, folders: 2, failed: [] });
  expect(readdirSync(workspace)).toEqual([]);
});
