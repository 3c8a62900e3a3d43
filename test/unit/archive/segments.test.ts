import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import {
  encodeTrailer,
  FILE_WEIGHT,
  interleave,
  partition,
  readTrailer,
  segmentCount,
  SegmentIndex,
  SegmentKind,
} from '../../../src/archive/segments';
import { piecesOf } from '../../../src/storage/download';

const MiB = 1024 * 1024;

describe('segmentCount', () => {
  it('is one for small trees and one per core, at most 8, for large ones', () => {
    expect(segmentCount(1 * MiB, 4)).toBe(1);
    expect(segmentCount(127 * MiB, 4)).toBe(1);
    expect(segmentCount(128 * MiB, 4)).toBe(2);
    expect(segmentCount(1024 * MiB, 2)).toBe(2);
    expect(segmentCount(1024 * MiB, 4)).toBe(4);
    expect(segmentCount(100_000 * MiB, 64)).toBe(8);
  });
  it('follows DAZN_CACHE_SEGMENTS whatever the size', () => {
    expect(segmentCount(1, 1, 3)).toBe(3);
    expect(segmentCount(1, 1, 99)).toBe(8);
  });
});

describe('partition', () => {
  const file = (name: string, size: number, inode?: string) => ({ name, weight: size + FILE_WEIGHT, inode });
  it('cuts the walk into contiguous groups of about equal weight', () => {
    const files = Array.from({ length: 100 }, (_, i) => file(`f${String(i).padStart(3, '0')}`, 1000));
    const groups = partition(files, 4);
    expect(groups.map((g) => g.length)).toEqual([25, 25, 25, 25]);
    expect(groups.flat()).toEqual(files.map((f) => f.name));
  });
  it('balances bytes against file counts', () => {
    const files = [
      ...Array.from({ length: 64 }, (_, i) => file(`small${i}`, 0)),
      file('big', 64 * FILE_WEIGHT),
    ];
    const groups = partition(files, 2);
    expect(groups[1]).toEqual(['big']);
    expect(groups[0]).toHaveLength(64);
  });
  it('keeps every name of a hard-link group in the group of its first name', () => {
    const files = [
      file('a', 10, '1:7'),
      ...Array.from({ length: 10 }, (_, i) => file(`x${i}`, 10)),
      file('z', 10, '1:7'),
    ];
    const groups = partition(files, 3);
    const groupOf = (name: string) => groups.findIndex((g) => g.includes(name));
    expect(groupOf('z')).toBe(groupOf('a'));
    expect(groups.flat().sort()).toEqual(files.map((f) => f.name).sort());
  });
});

describe('trailer', () => {
  const body = Buffer.alloc(300, 7);
  const index = {
    segments: [
      { kind: 'files' as const, chunks: [[0, 100] as [number, number], [200, 100] as [number, number]] },
      { kind: 'folders' as const, chunks: [[100, 100] as [number, number]] },
    ],
  };
  const object = Buffer.concat([body, encodeTrailer(index)]);
  it('reads back the index that covers the object', () => {
    expect(readTrailer(object, object.length, 'e')).toEqual({ status: 'index', index });
  });
  it('asks for more when the tail read is shorter than the index', () => {
    const tail = object.subarray(object.length - 20);
    expect(readTrailer(tail, object.length, 'e')).toEqual({ status: 'more', tailBytes: object.length - 300 });
  });
  it.each([
    ['no footer', Buffer.concat([object, Buffer.from('x')])],
    ['a gap', Buffer.concat([Buffer.alloc(301), encodeTrailer(index)])],
    ['an overlap', Buffer.concat([Buffer.alloc(250), encodeTrailer(index)])],
    [
      'an unknown kind',
      Buffer.concat([body, encodeTrailer({ segments: [{ kind: 'other' as 'files', chunks: [[0, 300]] }] })]),
    ],
    ['no segments', Buffer.concat([body.subarray(0, 0), encodeTrailer({ segments: [] })])],
  ])('refuses an object with %s', (_why, broken) => {
    expect(() => readTrailer(broken, broken.length, 's3://b/k')).toThrow(
      /s3:\/\/b\/k is not a complete segmented entry/,
    );
  });
});

/** Runs `rounds` rounds of writes into interleave's sources; the object written and its index. */
async function interleaveRounds(
  sources: PassThrough[],
  kinds: SegmentKind[],
  rounds: number,
  write: (round: number) => void,
): Promise<{ object: Buffer; index: SegmentIndex }> {
  const output = interleave(sources, kinds, 100);
  const read: Buffer[] = [];
  output.on('data', (chunk: Buffer) => read.push(chunk));
  for (let round = 0; round < rounds; round++) {
    write(round);
    await new Promise((resolve) => setImmediate(resolve));
  }
  sources.forEach((source) => source.end());
  await once(output, 'end');
  const object = Buffer.concat(read);
  const trailer = readTrailer(object, object.length, 'e');
  if (trailer.status !== 'index') throw new Error('no index');
  return { object, index: trailer.index };
}

describe('interleave', () => {
  it('writes each segment as chunks whose index gives every segment back in order', async () => {
    const sources = [new PassThrough(), new PassThrough(), new PassThrough()];
    const expected = sources.map(() => [] as Buffer[]);
    const { object, index } = await interleaveRounds(sources, ['files', 'files', 'folders'], 30, (round) =>
      sources.forEach((source, s) => {
        const data = Buffer.alloc(7 + ((round * (s + 3)) % 50), `${s}${round}`);
        expected[s].push(data);
        source.write(data);
      }),
    );
    expect(index.segments.map((s) => s.chunks.length).every((n) => n > 3)).toBe(true);
    index.segments.forEach((segment, s) => {
      const got = Buffer.concat(
        segment.chunks.map(([start, length]) => object.subarray(start, start + length)),
      );
      expect(got.equals(Buffer.concat(expected[s]))).toBe(true);
    });
  });
  it('cuts chunks of exactly the chunk size, only the last of a segment shorter', async () => {
    const sources = [new PassThrough(), new PassThrough()];
    // Writes of 37 and 250 bytes: each crosses chunk boundaries at other places.
    const { index } = await interleaveRounds(sources, ['files', 'files'], 12, (round) => {
      sources[0].write(Buffer.alloc(37, round));
      sources[1].write(Buffer.alloc(250, round));
    });
    const lengths = index.segments.map((segment) => segment.chunks.map(([, length]) => length));
    expect(lengths[0]).toEqual([100, 100, 100, 100, 44]);
    expect(lengths[1]).toEqual([...Array<number>(30).fill(100)]);
  });
  it('fails the output when a segment fails', async () => {
    const sources = [Readable.from([Buffer.from('a')]), new PassThrough()];
    const output = interleave(sources, ['files', 'files'], 100);
    output.resume();
    sources[1].destroy(new Error('tar failed'));
    await expect(once(output, 'end')).rejects.toThrow('tar failed');
  });
});

describe('piecesOf', () => {
  it('cuts ranges into GETs of at most the part size, in the order given', () => {
    expect(
      piecesOf(1000, 300, [
        [500, 400],
        [0, 100],
      ]),
    ).toEqual([
      { start: 500, end: 799 },
      { start: 800, end: 899 },
      { start: 0, end: 99 },
    ]);
    expect(piecesOf(0, 300)).toEqual([{ start: 0, end: -1 }]);
    expect(() => piecesOf(100, 300, [[50, 51]])).toThrow(/outside the object's 100 bytes/);
  });
});
