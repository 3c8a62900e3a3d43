/**
 * The world a resilience test runs in: moto_server (S3 and STS) with a bucket, the fake runner OIDC
 * endpoint, and the fault-injecting proxy in front of moto's S3 (STS is reached directly, so faults hit
 * only the cache transfers). Steps run the built dist bundles through the runner simulation.
 */
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FaultProxy, FaultRule, s3Operation, startFaultProxy } from '../support/fault-proxy';
import { MotoServer, startMoto, TEST_AWS_ENV } from '../support/moto';
import { FakeOidc, startOidc } from '../support/oidc';
import { Job, StepResult, describeStep } from '../support/runner';

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/dazn-cache-resilience';

export interface World {
  moto: MotoServer;
  oidc: FakeOidc;
  proxy: FaultProxy;
  s3: S3Client;
  bucket: string;
  newPrefix(): string;
  /** Settings for a step: S3 through the fault proxy, OIDC → moto STS, small ranges so ranges happen. */
  env(prefix: string, extra?: Record<string, string>): Record<string, string>;
  /** Object keys under a prefix (paginated). */
  keys(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const moto = await startMoto();
  const oidc = await startOidc();
  const proxy = await startFaultProxy(moto.endpoint);
  const bucket = `resilience-${randomBytes(4).toString('hex')}`;
  const s3 = new S3Client({
    region: 'eu-central-1',
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: {
      accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    },
  });
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' },
    }),
  );
  let prefixes = 0;
  return {
    moto,
    oidc,
    proxy,
    s3,
    bucket,
    newPrefix: () => `res${++prefixes}-${randomBytes(3).toString('hex')}`,
    env: (prefix, extra = {}) => ({
      DAZN_CACHE_BUCKET: bucket,
      DAZN_CACHE_REGION: 'eu-central-1',
      DAZN_CACHE_ENDPOINT: proxy.endpoint,
      DAZN_CACHE_STS_ENDPOINT: moto.endpoint,
      DAZN_CACHE_ROLE_ARN: ROLE_ARN,
      DAZN_CACHE_PREFIX: prefix,
      DAZN_CACHE_DOWNLOAD_PART_SIZE: String(512 * 1024),
      DAZN_CACHE_DOWNLOAD_CONCURRENCY: '4',
      SEGMENT_DOWNLOAD_TIMEOUT_MINS: '1',
      ...oidc.env(),
      ...extra,
    }),
    keys: async (prefix) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) keys.push(o.Key ?? '');
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    stop: async () => {
      s3.destroy();
      await proxy.stop();
      await oidc.stop();
      await moto.stop();
    },
  };
}

/** Deterministic pseudo-random bytes (incompressible, so the entry is as big as the data). */
export function noise(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Fills `<workspace>/cached` with one incompressible file of `size` bytes and a few small ones. */
export function fillWorkspace(workspace: string, size: number, seed: number): void {
  const dir = join(workspace, 'cached');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'big.bin'), noise(size, seed));
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, 'sub', `small-${i}.txt`), `seed ${seed} file ${i}\n`);
}

/** Relative path → content of every file under `<workspace>/cached`. */
export function readTree(workspace: string): Map<string, string> {
  const root = join(workspace, 'cached');
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e);
      try {
        files.set(relative(root, p), readFileSync(p).toString('base64'));
      } catch {
        walk(p);
      }
    }
  };
  walk(root);
  return files;
}

/** Only the object requests of the cache (not bucket-level ones). */
export const isRangedGet: (r: Parameters<FaultRule>[0]) => boolean = (r) =>
  s3Operation(r) === 'GetObject' && r.headers.range !== undefined;

export function stepLog(step: StepResult): string {
  return describeStep(step);
}

export { Job };
