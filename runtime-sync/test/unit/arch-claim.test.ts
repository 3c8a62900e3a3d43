import fs from 'node:fs';
import path from 'node:path';
import { claimArch } from '../../src/coordination/arch-claim';
import { ARCH_FILE, STAGING_DIR } from '../../src/layout/names';
import { removeDir, tempDir } from '../helpers/cli';

describe('claimArch (the root architecture file, written once and whole)', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('arch')));
  afterEach(() => removeDir(dir));

  it('many claimers at once on an empty root: one writes it, every other one reads the whole name', async () => {
    for (let round = 0; round < 20; round++) {
      const root = path.join(dir, `root-${round}`);
      fs.mkdirSync(root);
      const claims = await Promise.all(
        Array.from({ length: 16 }, (_, i) => claimArch(root, 'x64', `owner-${i}`)),
      );
      expect(claims.filter((c) => c.claimed)).toHaveLength(1);
      for (const c of claims) if (!c.claimed) expect(c.arch).toBe('x64');
      expect(fs.readFileSync(path.join(root, ARCH_FILE), 'utf8')).toBe('x64\n');
      expect(fs.readdirSync(path.join(root, STAGING_DIR))).toEqual([]);
    }
  });

  it('a root of the other architecture is reported, not overwritten', async () => {
    expect(await claimArch(dir, 'arm64', 'a')).toEqual({ claimed: true });
    expect(await claimArch(dir, 'x64', 'b')).toEqual({ claimed: false, arch: 'arm64' });
    expect(fs.readFileSync(path.join(dir, ARCH_FILE), 'utf8')).toBe('arm64\n');
  });
});
