import { copyArgs, parseRsyncStats, parseRsyncVersion } from '../../src/rsync';

describe('rsync wrapper', () => {
  it('reads the version line', () => {
    expect(parseRsyncVersion('rsync  version 3.2.7  protocol version 31\n')).toEqual([3, 2, 7]);
    expect(parseRsyncVersion('rsync  version v3.4.1  protocol version 32')).toEqual([3, 4, 1]);
    expect(parseRsyncVersion('openrsync: protocol version 29')).toBeUndefined();
  });

  it('reads transferred files and bytes from --stats with either thousands separator', () => {
    const stats = [
      'Number of files: 3,012 (reg: 2,900, dir: 100, link: 12)',
      'Number of regular files transferred: 2,900',
      'Total file size: 1,234,567 bytes',
      'Total transferred file size: 1,234,567 bytes',
    ].join('\n');
    expect(parseRsyncStats(stats)).toEqual({ files: 2900, bytes: 1234567 });
    expect(parseRsyncStats(stats.replace(/,/g, '.'))).toEqual({ files: 2900, bytes: 1234567 });
  });

  it('never follows symlinks: archive mode without -L, --copy-links or --copy-unsafe-links', () => {
    const args = copyArgs('/a', '/b');
    expect(args).toContain('-a');
    expect(args.filter((a) => /^-L$|copy-links|copy-unsafe-links|copy-dirlinks/.test(a))).toEqual([]);
    expect(args.slice(-2)).toEqual(['/a/', '/b/']);
  });
});
