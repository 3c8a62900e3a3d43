import type { S3Client } from '@aws-sdk/client-s3';
import { once } from 'node:events';
import { PassThrough, Readable, Writable } from 'node:stream';
import { downloadToStream } from '../../../src/storage/download';
import { DownloadTimeoutError } from '../../../src/errors/errors';

const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

interface GetInput {
  Range?: string;
}

/** A fake S3 client serving `data`; `behave` decides per request whether it stalls. */
function fakeClient(behave: (range: string | undefined, call: number) => 'serve' | 'stall') {
  const calls: (string | undefined)[] = [];
  const client = {
    send: async (command: { input: GetInput }, options?: { abortSignal?: AbortSignal }) => {
      const range = command.input.Range;
      calls.push(range);
      const body = new PassThrough();
      if (behave(range, calls.length) === 'stall') {
        options?.abortSignal?.addEventListener('abort', () => body.destroy(new Error('aborted')));
        return { Body: body };
      }
      const match = range ? /bytes=(\d+)-(\d+)/.exec(range) : null;
      const slice = match ? data.subarray(Number(match[1]), Number(match[2]) + 1) : data;
      return { Body: Readable.from([slice.subarray(0, 10), slice.subarray(10)]) };
    },
  };
  return { client: client as unknown as S3Client, calls };
}

function collector(): Writable & { result(): Promise<Buffer> } {
  const parts: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      setImmediate(callback);
    },
  });
  // The download may return with its last writes still buffered in the sink (as zstd's stdin does):
  // end the sink and wait until every chunk reached it.
  const result = async (): Promise<Buffer> => {
    sink.end();
    await once(sink, 'finish');
    return Buffer.concat(parts);
  };
  return Object.assign(sink, { result });
}

const noSleep = async (): Promise<void> => undefined;

describe('download', () => {
  it('uses one GET without a range for an entry of one part', async () => {
    const { client, calls } = fakeClient(() => 'serve');
    const sink = collector();
    await downloadToStream(
      sink,
      { client, bucket: 'b', key: 'k', size: data.length },
      {
        partSize: 4096,
        concurrency: 4,
        deadlineMs: 10_000,
      },
    );
    expect(calls).toEqual([undefined]);
    expect((await sink.result()).equals(data)).toBe(true);
  });

  it('reassembles parallel ranges in order', async () => {
    const { client, calls } = fakeClient(() => 'serve');
    const sink = collector();
    await downloadToStream(
      sink,
      { client, bucket: 'b', key: 'k', size: data.length },
      {
        partSize: 64,
        concurrency: 3,
        deadlineMs: 10_000,
      },
    );
    expect(calls).toHaveLength(16);
    expect(calls[15]).toBe('bytes=960-999');
    expect((await sink.result()).equals(data)).toBe(true);
  });

  it('retries a stalled range with backoff and finishes', async () => {
    const { client, calls } = fakeClient((range, call) =>
      range === 'bytes=128-191' && call < 8 ? 'stall' : 'serve',
    );
    const sink = collector();
    const retries: string[] = [];
    const delays: number[] = [];
    await downloadToStream(
      sink,
      { client, bucket: 'b', key: 'k', size: data.length },
      {
        partSize: 64,
        concurrency: 2,
        deadlineMs: 10_000,
        stallTimeoutMs: 30,
        sleep: async (ms) => {
          delays.push(ms);
        },
        onRetry: (message) => retries.push(message),
      },
    );
    expect((await sink.result()).equals(data)).toBe(true);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toMatch(
      /bytes 128-191 \(part 3 of 16\) failed \((no data for 30 ms|aborted)\); retry 1/,
    );
    expect(delays.length).toBe(retries.length);
    expect(calls.filter((r) => r === 'bytes=128-191').length).toBe(retries.length + 1);
  });

  it('gives up at the deadline with DownloadTimeoutError instead of hanging', async () => {
    const { client } = fakeClient(() => 'stall');
    const attempt = downloadToStream(
      collector(),
      { client, bucket: 'b', key: 'k', size: data.length },
      {
        partSize: 64,
        concurrency: 2,
        deadlineMs: 200,
        stallTimeoutMs: 20,
        maxAttempts: 1_000_000,
        sleep: noSleep,
      },
    );
    await expect(attempt).rejects.toThrow(DownloadTimeoutError);
  });

  it('stops retrying a range after the last attempt', async () => {
    const { client, calls } = fakeClient(() => 'stall');
    const attempt = downloadToStream(
      collector(),
      { client, bucket: 'b', key: 'k', size: data.length },
      {
        partSize: 4096,
        concurrency: 1,
        deadlineMs: 10_000,
        stallTimeoutMs: 10,
        maxAttempts: 3,
        sleep: noSleep,
      },
    );
    await expect(attempt).rejects.toThrow(/no data for 10 ms|abort/);
    expect(calls).toHaveLength(3);
  });
});
