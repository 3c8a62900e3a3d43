/**
 * The world an end-to-end test of the cache action runs in: moto_server (S3 and STS) with a bucket,
 * the fake runner OIDC endpoint, and a recording proxy in front of moto. One per test file.
 * `settings(prefix)` gives the DAZN_CACHE_* environment that points the action at them with
 * role-to-assume set, so every step goes through GitHub OIDC → AssumeRoleWithWebIdentity → S3.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { MotoServer, startMoto, TEST_AWS_ENV } from './moto';
import { FakeOidc, startOidc } from './oidc';
import { RecordingProxy, startRecordingProxy } from './recording-proxy';

export const TEST_ROLE_ARN = 'arn:aws:iam::123456789012:role/dazn-cache-e2e';
export const TEST_DEFAULT_BRANCH_ROLE_ARN = 'arn:aws:iam::123456789012:role/dazn-cache-e2e-default-branch';

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date | undefined;
}

export interface CacheEnv {
  moto: MotoServer;
  oidc: FakeOidc;
  /** Recording proxy in front of moto: the action reaches S3 and STS only through it. */
  proxy: RecordingProxy;
  bucket: string;
  region: string;
  s3: S3Client;
  /** A prefix no other test of the file uses, so tests never see each other's entries. */
  newPrefix(): string;
  /** DAZN_CACHE_* settings plus the OIDC request variables (a job with `id-token: write`). */
  settings(prefix: string): Record<string, string>;
  /** All objects under a prefix (paginated). */
  list(prefix: string): Promise<StoredObject[]>;
  /** Multipart uploads still open under a prefix. */
  openUploads(prefix: string): Promise<number>;
  getBytes(key: string): Promise<{ body: Buffer; metadata: Record<string, string>; contentType?: string }>;
  /** Overwrites an object, keeping its metadata, so only its bytes change. */
  replaceBytes(key: string, body: Buffer): Promise<void>;
  /** Every secret handed to the action so far: OIDC tokens and STS session credentials. */
  secrets(): string[];
  stop(): Promise<void>;
}

export async function startCacheEnv(): Promise<CacheEnv> {
  const moto = await startMoto();
  const started: { stop(): Promise<void> }[] = [moto];
  try {
    const oidc = await startOidc();
    started.push(oidc);
    const proxy = await startRecordingProxy(moto.endpoint);
    started.push(proxy);
    const region = 'eu-central-1';
    const bucket = `dazn-cache-e2e-${randomBytes(4).toString('hex')}`;
    const s3 = new S3Client({
      region,
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: {
        accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY,
      },
    });
    await s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region } }),
    );
    let prefixes = 0;

    const getBytes = async (key: string) => {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!answer.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      const body = Buffer.from(await answer.Body.transformToByteArray());
      return { body, metadata: answer.Metadata ?? {}, contentType: answer.ContentType };
    };

    return {
      moto,
      oidc,
      proxy,
      bucket,
      region,
      s3,
      newPrefix: () => `e2e${++prefixes}-${randomBytes(3).toString('hex')}`,
      settings: (prefix) => ({
        DAZN_CACHE_BUCKET: bucket,
        DAZN_CACHE_REGION: region,
        DAZN_CACHE_ENDPOINT: proxy.endpoint,
        DAZN_CACHE_STS_ENDPOINT: proxy.endpoint,
        DAZN_CACHE_ROLE_ARN: TEST_ROLE_ARN,
        DAZN_CACHE_PREFIX: prefix,
        ...oidc.env(),
      }),
      list: async (prefix) => {
        const objects: StoredObject[] = [];
        let token: string | undefined;
        do {
          const page = await s3.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
          for (const o of page.Contents ?? []) {
            objects.push({ key: o.Key ?? '', size: o.Size ?? 0, lastModified: o.LastModified });
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return objects;
      },
      openUploads: async (prefix) => {
        const answer = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
        return (answer.Uploads ?? []).length;
      },
      getBytes,
      replaceBytes: async (key, body) => {
        const { metadata, contentType } = await getBytes(key);
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            Metadata: metadata,
            ContentType: contentType,
          }),
        );
      },
      secrets: () => [...new Set([...oidc.tokens(), ...proxy.secrets()])],
      stop: async () => {
        s3.destroy();
        await Promise.all(started.map((s) => s.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    throw error;
  }
}
