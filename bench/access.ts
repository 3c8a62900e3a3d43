/**
 * What recording an entry's last use costs a restore (npm run bench:access): recordAccess, the
 * GetObjectTagging + PutObjectTagging pair a restore sends after its extraction, against moto on
 * loopback, plain and behind the shaping proxy's per-request latency (a stand-in for in-region S3).
 * The first restore of a day sends both requests; later ones the GET only.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { recordAccess } from '../src/manage/access';
import { startMoto, TEST_AWS_ENV } from '../test/support/moto';
import { startShapingProxy } from '../test/support/shaping-proxy';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(client: S3Client, bucket: string, label: string): Promise<void> {
  const first: number[] = [];
  const later: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const day = new Date(Date.UTC(2030, 0, 1) + run * 86_400_000);
    for (const [sink, expected] of [
      [first, 'written'],
      [later, 'already-today'],
    ] as const) {
      const started = process.hrtime.bigint();
      const result = await recordAccess(
        client,
        bucket,
        'cache/o/r/refs%2Fheads%2Fmain/v1/k',
        day,
        AbortSignal.timeout(5000),
      );
      sink.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (result !== expected) throw new Error(`expected ${expected}, got ${result}`);
    }
  }
  console.log(
    `access record, ${label}: first restore of the day p50 ${median(first).toFixed(1)} ms (2 requests), later restores p50 ${median(later).toFixed(1)} ms (1 request); ${RUNS} runs`,
  );
}

async function main(): Promise<void> {
  Object.assign(process.env, TEST_AWS_ENV);
  const moto = await startMoto();
  const port = Number(new URL(moto.endpoint).port);
  const proxy = await startShapingProxy({ upstreamPort: port, latencyMs: LATENCY_MS, bytesPerSecond: 0 });
  const bucket = 'bench-access';
  const clientFor = (endpoint: string): S3Client =>
    new S3Client({ region: 'eu-central-1', endpoint, forcePathStyle: true });
  const plain = clientFor(moto.endpoint);
  const shaped = clientFor(proxy.endpoint);
  try {
    await plain.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' },
      }),
    );
    await plain.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'cache/o/r/refs%2Fheads%2Fmain/v1/k',
        Body: Buffer.alloc(1024),
      }),
    );
    await measure(plain, bucket, 'moto on loopback');
    await measure(shaped, bucket, `moto + ${LATENCY_MS} ms per request`);
  } finally {
    plain.destroy();
    shaped.destroy();
    await proxy.stop();
    await moto.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
