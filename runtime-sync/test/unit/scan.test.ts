import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCAN_NAMES, scanRoot } from '../../src/layout/scan';

/** A root with node/20.0.0/x64 as an archive whose marker is not JSON, and go/1.22.0/x64 as a folder. */
function makeRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-scan-'));
  const archiveVersion = path.join(root, 'node', '20.0.0');
  fs.mkdirSync(archiveVersion, { recursive: true });
  fs.writeFileSync(path.join(archiveVersion, 'x64.tar.zst'), 'archive bytes');
  fs.writeFileSync(path.join(archiveVersion, 'x64.tar.zst.complete'), 'not json');
  const folderVersion = path.join(root, 'go', '1.22.0');
  fs.mkdirSync(path.join(folderVersion, 'x64'), { recursive: true });
  fs.writeFileSync(path.join(folderVersion, 'x64', 'go'), 'binary');
  fs.writeFileSync(path.join(folderVersion, 'x64.complete'), 'marker');
  fs.mkdirSync(path.join(root, SCAN_NAMES.usageDir));
  fs.writeFileSync(path.join(root, SCAN_NAMES.usageDir, encodeURIComponent('go/1.22.0/x64')), '');
  return root;
}

describe('scanRoot with versions known locally (a warm pull)', () => {
  let root: string;
  beforeEach(() => {
    root = makeRoot();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('opens the markers of versions it does not know: an unreadable archive marker does not count', () => {
    const result = scanRoot(fs, { root, markers: true }, SCAN_NAMES);
    expect(result.versions.map((v) => `${v.tool}/${v.version}/${v.arch}`)).toEqual(['go/1.22.0/x64']);
    const go = result.versions[0];
    expect(go?.marker).toBe(Buffer.from('marker').toString('base64'));
    expect(go?.lastUsedMs).toBeGreaterThan(0);
  });

  it('judges known versions by their names only: no marker read, no usage record looked at', () => {
    const known = ['node/20.0.0/x64', 'go/1.22.0/x64'];
    const result = scanRoot(fs, { root, markers: true, known }, SCAN_NAMES);
    const byKey = new Map(result.versions.map((v) => [`${v.tool}/${v.version}/${v.arch}`, v]));
    expect([...byKey.keys()].sort()).toEqual([...known].sort());
    expect(byKey.get('node/20.0.0/x64')?.forms).toEqual(['archive']);
    expect(byKey.get('node/20.0.0/x64')?.archive).toBeUndefined();
    expect(byKey.get('go/1.22.0/x64')?.forms).toEqual(['folder']);
    expect(byKey.get('go/1.22.0/x64')?.marker).toBe('');
    expect(byKey.get('go/1.22.0/x64')?.lastUsedMs).toBe(0);
  });

  it('still needs the whole form by name: a known archive without its marker is not complete', () => {
    fs.rmSync(path.join(root, 'node', '20.0.0', 'x64.tar.zst.complete'));
    const result = scanRoot(fs, { root, markers: true, known: ['node/20.0.0/x64'] }, SCAN_NAMES);
    expect(result.versions.map((v) => v.tool)).toEqual(['go']);
    expect(result.unmarkedArchives.map((a) => a.path)).toEqual(['node/20.0.0/x64.tar.zst']);
  });
});
