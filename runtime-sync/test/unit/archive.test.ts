import { refuseMember } from '../../src/archive/archive';

/** Lines as `tar -tv --numeric-owner --quoting-style=c` prints them (LC_ALL=C). */
const line = (type: string, name: string, target?: string): string =>
  `${type}rw-r--r-- 0/0            12 2026-12-02 13:00 "${name}"${target === undefined ? '' : ` -> "${target}"`}`;

describe('refuseMember', () => {
  it('accepts files, folders and symlinks under <arch>/, with escaped and non-ASCII names', () => {
    const links = new Set<string>();
    for (const l of [
      line('d', 'x64/'),
      line('-', 'x64/bin/node'),
      line('l', 'x64/bin/passwd', '/etc/passwd'),
      line('-', 'x64/lib/d\\303\\251 j\\303\\240/\\"q\\" a -> b'),
      line('-', 'x64/lib/..name'),
    ])
      expect(refuseMember(l, 'x64', links)).toBeUndefined();
  });

  it('refuses absolute names, .. components, other top names, other types and members below a symlink', () => {
    const links = new Set<string>();
    expect(refuseMember(line('-', '/etc/passwd'), 'x64', links)).toMatch(/absolute/);
    expect(refuseMember(line('-', 'x64/../../escape'), 'x64', links)).toMatch(/'\.\.'/);
    expect(refuseMember(line('-', 'arm64/bin/node'), 'x64', links)).toMatch(/not under x64\//);
    expect(refuseMember(line('-', 'x64.evil'), 'x64', links)).toMatch(/not under x64\//);
    expect(refuseMember(line('h', 'x64/hard'), 'x64', links)).toMatch(/type 'h'/);
    expect(refuseMember(line('c', 'x64/dev'), 'x64', links)).toMatch(/type 'c'/);
    expect(refuseMember(line('l', 'x64/lib', '/etc'), 'x64', links)).toBeUndefined();
    expect(refuseMember(line('-', 'x64/lib/passwd'), 'x64', links)).toMatch(/below the symlink x64\/lib/);
    expect(refuseMember('garbage without a quoted name', 'x64', links)).toMatch(/unreadable/);
  });
});
