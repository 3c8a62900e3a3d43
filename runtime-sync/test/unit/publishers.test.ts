import { goPublisher, goReleaseNames, nodePublisher, parseShasums } from '../../src/verify/publishers';
import { treeDifferences, TreeEntry } from '../../src/verify/tree';

const hex = (c: string): string => c.repeat(64);

describe('published checksums', () => {
  it("reads sha256sum's format as nodejs.org writes SHASUMS256.txt (text and binary mode, blank lines)", () => {
    const sums = parseShasums(
      `${hex('a')}  node-v20.11.1-darwin-arm64.tar.gz\n${hex('B')} *node-v20.11.1-linux-x64.tar.gz\n\nnot a line\n`,
    );
    expect([...sums]).toEqual([
      ['node-v20.11.1-darwin-arm64.tar.gz', hex('a')],
      ['node-v20.11.1-linux-x64.tar.gz', hex('b')],
    ]);
  });

  it('names Go releases as go.dev does (go1.22.0, and go1.20 for 1.20.0)', () => {
    expect(goReleaseNames('1.22.0')).toEqual(['go1.22.0', 'go1.22']);
    expect(goReleaseNames('1.21.5')).toEqual(['go1.21.5']);
  });

  it('treats a missing Node release folder as unpublished and any other failure as an error', async () => {
    const node = nodePublisher('https://nodejs.example/dist');
    const v = { tool: 'node', version: '20.99.0', arch: 'x64' };
    await expect(node.locate(v, () => Promise.resolve({ status: 404, body: '' }))).resolves.toEqual({
      kind: 'unpublished',
      reason:
        'Node 20.99.0 is not a published release (https://nodejs.example/dist/v20.99.0/SHASUMS256.txt: 404)',
    });
    await expect(node.locate(v, () => Promise.resolve({ status: 503, body: '' }))).rejects.toThrow(
      'HTTP 503',
    );
    await expect(
      node.locate({ ...v, version: '../../x' }, () => Promise.reject(new Error('no fetch'))),
    ).resolves.toMatchObject({
      kind: 'unpublished',
    });
  });

  it('finds the linux archive of the architecture in the Go release list', async () => {
    const go = goPublisher('https://go.example/dl');
    const body = JSON.stringify([
      {
        version: 'go1.22.0',
        files: [
          {
            filename: 'go1.22.0.linux-arm64.tar.gz',
            os: 'linux',
            arch: 'arm64',
            kind: 'archive',
            sha256: hex('1'),
          },
          {
            filename: 'go1.22.0.linux-amd64.tar.gz',
            os: 'linux',
            arch: 'amd64',
            kind: 'archive',
            sha256: hex('2'),
          },
        ],
      },
    ]);
    const found = await go.locate({ tool: 'go', version: '1.22.0', arch: 'x64' }, () =>
      Promise.resolve({ status: 200, body }),
    );
    expect(found).toEqual({
      kind: 'found',
      archive: {
        url: 'https://go.example/dl/go1.22.0.linux-amd64.tar.gz',
        sha256: hex('2'),
        stripComponents: 1,
        checksumSource: 'https://go.example/dl/?mode=json&include=all',
      },
    });
    const missing = await go.locate({ tool: 'go', version: '1.99.0', arch: 'x64' }, () =>
      Promise.resolve({ status: 200, body }),
    );
    expect(missing.kind).toBe('unpublished');
  });
});

describe('tree differences', () => {
  const file = (sha256: string, bits = 0): TreeEntry => ({ type: 'file', size: 1, sha256, bits });
  it('names missing, added and changed entries, the setuid bit included', () => {
    const expected = new Map([
      ['bin/node', file('a', 0o100)],
      ['LICENSE', file('b')],
    ]);
    const actual = new Map([
      ['bin/node', file('a', 0o4100)],
      ['extra', file('c')],
    ]);
    expect(treeDifferences(expected, actual)).toEqual({
      count: 3,
      first: ['changed bin/node (mode)', 'missing LICENSE', 'added extra'],
    });
    expect(treeDifferences(expected, new Map(expected)).count).toBe(0);
  });
});
