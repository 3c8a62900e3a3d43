/**
 * The client factory signs the entry's bytes only where TLS does not protect them: over HTTPS an
 * UploadPart or PutObject is sent as UNSIGNED-PAYLOAD (no SHA-256 of every byte), over plain HTTP
 * the payload hash stays in the signature. The request is captured after the SDK signed it.
 */
import { GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../src/storage/client';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

class Captured extends Error {
  constructor(readonly headers: Record<string, string>) {
    super('captured');
  }
}

/** Sends `command` and returns the headers it was signed with (the request never leaves). */
async function signedHeaders(
  client: S3Client,
  send: (client: S3Client) => Promise<unknown>,
): Promise<Record<string, string>> {
  client.middlewareStack.addRelativeTo(
    () => (args: { request: unknown }) => {
      throw new Captured({ ...(args.request as { headers: Record<string, string> }).headers });
    },
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'capture' },
  );
  try {
    await send(client);
  } catch (error) {
    if (error instanceof Captured) return error.headers;
    throw error;
  } finally {
    client.destroy();
  }
  throw new Error('the request was not captured');
}

const settings = (endpoint?: string) => ({ bucket: 'b', region: 'eu-central-1', prefix: 'cache', endpoint });
const body = Buffer.alloc(1024, 1);

describe('createS3Client', () => {
  it('sends the parts of a save unsigned over HTTPS', async () => {
    const headers = await signedHeaders(
      createS3Client(settings('https://s3.example.test'), credentials),
      (c) =>
        c.send(new UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId: 'u', PartNumber: 1, Body: body })),
    );
    expect(headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(headers.authorization).toContain('x-amz-content-sha256');
  });

  it('sends a one-PUT entry unsigned to AWS itself (HTTPS)', async () => {
    const headers = await signedHeaders(createS3Client(settings(), credentials), (c) =>
      c.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body })),
    );
    expect(headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
  });

  it('keeps the payload hash in the signature over plain HTTP', async () => {
    const headers = await signedHeaders(createS3Client(settings('http://127.0.0.1:9'), credentials), (c) =>
      c.send(new UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId: 'u', PartNumber: 1, Body: body })),
    );
    expect(headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('leaves other operations as the SDK signs them', async () => {
    const headers = await signedHeaders(
      createS3Client(settings('https://s3.example.test'), credentials),
      (c) => c.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })),
    );
    expect(headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });
});
