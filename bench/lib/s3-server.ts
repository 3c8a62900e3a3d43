/**
 * A small, honest S3-compatible server for the benchmark: objects are files on disk, the index is in
 * memory (the server lives for one benchmark run). It implements what a cache client needs, with
 * S3's semantics:
 *
 * - buckets: PUT (create), HEAD; objects: PUT (with `If-None-Match: *`), GET (with `Range`, `If-Match`),
 *   HEAD, DELETE; user metadata (`x-amz-meta-*`) and Content-Type are kept;
 * - ListObjectsV2 with prefix, max-keys (≤ 1000), continuation tokens and start-after, in key order;
 * - multipart uploads: create, upload part, complete (with `If-None-Match: *`), abort, list parts.
 *   A completed object is served from its part files in order (no concatenating copy); an object
 *   appears only on complete, so an interrupted upload is never visible;
 * - object tagging: `GET`/`PUT ?tagging` (at most 10 tags, keys ≤ 128 and values ≤ 256 characters,
 *   as S3 limits them), which the restore uses for its last-access record;
 * - `aws-chunked` request bodies (SDK streaming with trailing checksums) are decoded.
 *
 * Any other subresource of an object (`?acl`, `?retention`, ...) is refused with 501: served as a
 * plain GET or PUT it would return or overwrite the object's bytes (a `GET ?tagging` answered with
 * the 590 MiB entry once cost the restore 2.4 GiB of memory and 6 CPU seconds of XML collection).
 *
 * What it does NOT do, on purpose, so that its CPU cost on a shared 2-core machine stays small and
 * the benchmark measures the client: it does not verify request signatures (any credentials are
 * accepted) nor checksums, and ETags are not MD5 digests but unique opaque strings (clients must
 * treat ETags as opaque anyway). Run it alone: `bash bench/run.sh server --dir /tmp/s3`.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AddressInfo } from 'node:net';
import { once } from 'node:events';

interface Segment {
  file: string;
  size: number;
}
interface StoredObject {
  segments: Segment[];
  size: number;
  etag: string;
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
  /** The object's tag set (GetObjectTagging / PutObjectTagging), in the order it was put. */
  tags: [string, string][];
}
interface Upload {
  key: string;
  bucket: string;
  parts: Map<number, Segment & { etag: string }>;
  contentType: string;
  metadata: Record<string, string>;
}

export interface S3Server {
  endpoint: string;
  port: number;
  /** Requests served so far, by operation name (for tests and the benchmark log). */
  counts: Map<string, number>;
  stop(): Promise<void>;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const xmlEscape = (s: string): string =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

/** Decodes an `aws-chunked` body: `<hex size>[;chunk-signature=..]\r\n<data>\r\n` ... `0\r\n<trailers>\r\n\r\n`. */
class AwsChunkedDecoder extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  private remaining = 0; // data bytes left in the current chunk
  private needCrlf = false;
  private done = false;

  _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      this.drain();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private drain(): void {
    while (!this.done) {
      if (this.remaining > 0) {
        if (this.buffer.length === 0) return;
        const n = Math.min(this.remaining, this.buffer.length);
        this.push(this.buffer.subarray(0, n));
        this.buffer = this.buffer.subarray(n);
        this.remaining -= n;
        if (this.remaining === 0) this.needCrlf = true;
        continue;
      }
      if (this.needCrlf) {
        if (this.buffer.length < 2) return;
        this.buffer = this.buffer.subarray(2);
        this.needCrlf = false;
      }
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) return;
      const header = this.buffer.subarray(0, eol).toString('latin1');
      this.buffer = this.buffer.subarray(eol + 2);
      const size = parseInt(header.split(';')[0], 16);
      if (!Number.isFinite(size))
        throw new S3Error(400, 'IncompleteBody', `bad aws-chunked header ${header}`);
      if (size === 0) this.done = true; // trailers follow; ignored (checksums are not verified)
      this.remaining = size;
    }
  }
}

function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // S3 ignores ranges it cannot parse
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end)
    throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
  return [start, end];
}

function metadataFrom(req: IncomingMessage): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name] = value;
  }
  return metadata;
}

export async function startS3Server(options: {
  dir: string;
  port?: number;
  host?: string;
}): Promise<S3Server> {
  await fs.mkdir(options.dir, { recursive: true });
  const buckets = new Map<string, Map<string, StoredObject>>();
  const uploads = new Map<string, Upload>();
  const counts = new Map<string, number>();
  let fileCounter = 0;
  const newFile = (): string => join(options.dir, `${process.pid}-${Date.now()}-${fileCounter++}.bin`);
  const newEtag = (): string => `"${randomBytes(16).toString('hex')}"`;

  const count = (op: string): void => {
    counts.set(op, (counts.get(op) ?? 0) + 1);
  };

  async function receiveBody(req: IncomingMessage): Promise<Segment> {
    const file = newFile();
    const chunked =
      (req.headers['content-encoding'] ?? '').includes('aws-chunked') ||
      String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
    const out = createWriteStream(file);
    if (chunked) await pipeline(req, new AwsChunkedDecoder(), out);
    else await pipeline(req, out);
    const size = (await fs.stat(file)).size;
    const declared =
      req.headers['x-amz-decoded-content-length'] ?? (chunked ? undefined : req.headers['content-length']);
    if (declared !== undefined && Number(declared) !== size) {
      await fs.rm(file, { force: true });
      throw new S3Error(400, 'IncompleteBody', `received ${size} bytes, expected ${String(declared)}`);
    }
    return { file, size };
  }

  const releaseSegments = async (segments: Segment[]): Promise<void> => {
    await Promise.all(segments.map((s) => fs.rm(s.file, { force: true })));
  };

  function bucketOf(name: string): Map<string, StoredObject> {
    const bucket = buckets.get(name);
    if (!bucket) throw new S3Error(404, 'NoSuchBucket', `The specified bucket does not exist: ${name}`);
    return bucket;
  }

  function send(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
    const payload = body ? `<?xml version="1.0" encoding="UTF-8"?>\n${body}` : '';
    res.writeHead(status, {
      ...(payload ? { 'Content-Type': 'application/xml' } : {}),
      'Content-Length': String(Buffer.byteLength(payload)),
      ...headers,
    });
    res.end(payload);
  }

  function objectHeaders(obj: StoredObject): Record<string, string> {
    return {
      ETag: obj.etag,
      'Last-Modified': obj.lastModified.toUTCString(),
      'Content-Type': obj.contentType,
      'Accept-Ranges': 'bytes',
      ...obj.metadata,
    };
  }

  async function streamObject(
    res: ServerResponse,
    obj: StoredObject,
    start: number,
    end: number,
  ): Promise<void> {
    let offset = 0;
    for (const segment of obj.segments) {
      const segStart = offset;
      const segEnd = offset + segment.size - 1;
      offset += segment.size;
      if (segEnd < start || segStart > end || segment.size === 0) continue;
      const from = Math.max(start, segStart) - segStart;
      const to = Math.min(end, segEnd) - segStart;
      for await (const chunk of createReadStream(segment.file, {
        start: from,
        end: to,
        highWaterMark: 256 * 1024,
      })) {
        if (res.destroyed) return;
        if (!res.write(chunk)) await once(res, 'drain');
      }
    }
    res.end();
  }

  function listObjects(res: ServerResponse, bucketName: string, query: URLSearchParams): void {
    const bucket = bucketOf(bucketName);
    const prefix = query.get('prefix') ?? '';
    const maxKeys = Math.min(1000, Number(query.get('max-keys') ?? '1000'));
    const token = query.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (query.get('start-after') ?? '');
    const keys = [...bucket.keys()]
      .filter((k) => k.startsWith(prefix) && Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const o = bucket.get(k) as StoredObject;
        return (
          `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified>` +
          `<ETag>${xmlEscape(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`
        );
      })
      .join('');
    const next = truncated
      ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]).toString('base64url')}</NextContinuationToken>`
      : '';
    send(
      res,
      200,
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucketName)}</Name>` +
        `<Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
        `<IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : ''}` +
        `${next}${contents}</ListBucketResult>`,
    );
  }

  /** GetObjectTagging and PutObjectTagging (the whole tag set is replaced, as in S3). */
  async function tagging(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: Map<string, StoredObject>,
    key: string,
    method: string,
  ): Promise<void> {
    const obj = bucket.get(key);
    if (!obj) {
      req.resume();
      throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    }
    if (method === 'GET') {
      count('GetObjectTagging');
      const tags = obj.tags
        .map(([k, v]) => `<Tag><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></Tag>`)
        .join('');
      return send(res, 200, `<Tagging><TagSet>${tags}</TagSet></Tagging>`);
    }
    if (method !== 'PUT') {
      req.resume();
      throw new S3Error(501, 'NotImplemented', `${method} ?tagging is not implemented`);
    }
    count('PutObjectTagging');
    let body = '';
    for await (const chunk of req) {
      body += (chunk as Buffer).toString('utf8');
      if (body.length > 64 * 1024) throw new S3Error(400, 'MalformedXML', 'the tag set is too large');
    }
    const unescape = (x: string): string =>
      x
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&');
    const tags: [string, string][] = [
      ...body.matchAll(/<Tag>\s*<Key>([^<]*)<\/Key>\s*<Value>([^<]*)<\/Value>\s*<\/Tag>/g),
    ].map((m) => [unescape(m[1]), unescape(m[2])]);
    if (!/<Tagging[\s>]/.test(body))
      throw new S3Error(400, 'MalformedXML', 'the body is not a Tagging document');
    if (tags.length > 10) throw new S3Error(400, 'BadRequest', 'Object tags cannot be greater than 10');
    if (new Set(tags.map(([k]) => k)).size !== tags.length)
      throw new S3Error(400, 'InvalidTag', 'Cannot provide multiple Tags with the same key');
    if (tags.some(([k, v]) => k.length === 0 || k.length > 128 || v.length > 256))
      throw new S3Error(400, 'InvalidTag', 'The TagKey or TagValue you have provided is invalid');
    obj.tags = tags;
    return send(res, 200);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = url.searchParams;
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const method = req.method ?? 'GET';
    // The benchmark's own question, outside S3's names (a bucket name cannot start with '_'):
    // how many requests of each operation the server has answered so far.
    if (method === 'GET' && url.pathname === '/_bench/counts') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(Object.fromEntries(counts)));
      return;
    }
    if (!bucketName) throw new S3Error(400, 'InvalidRequest', 'path-style addressing is required');

    if (!key) {
      if (method === 'PUT') {
        count('CreateBucket');
        if (!buckets.has(bucketName)) buckets.set(bucketName, new Map());
        req.resume();
        return send(res, 200, '', { Location: `/${bucketName}` });
      }
      if (method === 'HEAD') {
        count('HeadBucket');
        bucketOf(bucketName);
        return send(res, 200);
      }
      if (method === 'GET' && query.get('list-type') === '2') {
        count('ListObjectsV2');
        return listObjects(res, bucketName, query);
      }
      if (method === 'GET' && query.has('location')) {
        bucketOf(bucketName);
        return send(res, 200, '<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>');
      }
      throw new S3Error(501, 'NotImplemented', `${method} ${url.search} on a bucket is not implemented`);
    }

    const bucket = bucketOf(bucketName);
    const known = ['uploads', 'uploadId', 'partNumber', 'tagging', 'x-id'];
    const unknown = [...query.keys()].filter((name) => !known.includes(name));
    if (unknown.length > 0)
      throw new S3Error(501, 'NotImplemented', `?${unknown.join('&')} on an object is not implemented`);
    if (query.has('tagging')) return tagging(req, res, bucket, key, method);
    const uploadId = query.get('uploadId');
    const ifNoneMatch = req.headers['if-none-match'];

    if (method === 'POST' && query.has('uploads')) {
      count('CreateMultipartUpload');
      const id = randomBytes(12).toString('hex');
      uploads.set(id, {
        key,
        bucket: bucketName,
        parts: new Map(),
        contentType: req.headers['content-type'] ?? 'binary/octet-stream',
        metadata: metadataFrom(req),
      });
      req.resume();
      return send(
        res,
        200,
        `<InitiateMultipartUploadResult><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key>` +
          `<UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      );
    }

    if (uploadId !== null) {
      const upload = uploads.get(uploadId);
      if (!upload || upload.key !== key || upload.bucket !== bucketName) {
        req.resume();
        throw new S3Error(404, 'NoSuchUpload', 'The specified multipart upload does not exist');
      }
      if (method === 'PUT') {
        count('UploadPart');
        const partNumber = Number(query.get('partNumber'));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
          req.resume();
          throw new S3Error(400, 'InvalidArgument', 'partNumber must be an integer from 1 to 10000');
        }
        const segment = await receiveBody(req);
        const previous = upload.parts.get(partNumber);
        const etag = newEtag();
        upload.parts.set(partNumber, { ...segment, etag });
        if (previous) await releaseSegments([previous]);
        return send(res, 200, '', { ETag: etag });
      }
      if (method === 'DELETE') {
        count('AbortMultipartUpload');
        uploads.delete(uploadId);
        await releaseSegments([...upload.parts.values()]);
        return send(res, 204);
      }
      if (method === 'GET') {
        count('ListParts');
        const parts = [...upload.parts.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(
            ([n, p]) =>
              `<Part><PartNumber>${n}</PartNumber><ETag>${xmlEscape(p.etag)}</ETag><Size>${p.size}</Size></Part>`,
          )
          .join('');
        return send(
          res,
          200,
          `<ListPartsResult><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts}</ListPartsResult>`,
        );
      }
      if (method === 'POST') {
        count('CompleteMultipartUpload');
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const xml = Buffer.concat(chunks).toString('utf8');
        const listed = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1]),
          etag: /<ETag>([\s\S]*?)<\/ETag>/.exec(m[1])?.[1]?.replace(/&quot;/g, '"'),
        }));
        if (listed.length === 0)
          throw new S3Error(400, 'MalformedXML', 'CompleteMultipartUpload lists no parts');
        const segments: Segment[] = [];
        let last = 0;
        for (const p of listed) {
          const part = upload.parts.get(p.number);
          if (!part || (p.etag && p.etag !== part.etag))
            throw new S3Error(400, 'InvalidPart', `part ${p.number} was not uploaded`);
          if (p.number <= last)
            throw new S3Error(400, 'InvalidPartOrder', 'parts must be listed in ascending order');
          last = p.number;
          segments.push(part);
        }
        if (ifNoneMatch === '*' && bucket.has(key)) {
          throw new S3Error(
            412,
            'PreconditionFailed',
            'At least one of the pre-conditions you specified did not hold',
          );
        }
        const unused = [...upload.parts.values()].filter((p) => !segments.includes(p));
        uploads.delete(uploadId);
        await releaseSegments(unused);
        const previous = bucket.get(key);
        const etag = `"${randomBytes(16).toString('hex')}-${segments.length}"`;
        bucket.set(key, {
          segments,
          size: segments.reduce((n, s) => n + s.size, 0),
          etag,
          lastModified: new Date(),
          contentType: upload.contentType,
          metadata: upload.metadata,
          tags: [],
        });
        if (previous) await releaseSegments(previous.segments);
        return send(
          res,
          200,
          `<CompleteMultipartUploadResult><Bucket>${xmlEscape(bucketName)}</Bucket><Key>${xmlEscape(key)}</Key>` +
            `<ETag>${xmlEscape(etag)}</ETag></CompleteMultipartUploadResult>`,
        );
      }
    }

    if (method === 'PUT') {
      count('PutObject');
      if (ifNoneMatch === '*' && bucket.has(key)) {
        req.resume();
        throw new S3Error(
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      }
      const segment = await receiveBody(req);
      if (ifNoneMatch === '*' && bucket.has(key)) {
        await releaseSegments([segment]);
        throw new S3Error(
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      }
      const previous = bucket.get(key);
      const etag = newEtag();
      bucket.set(key, {
        segments: [segment],
        size: segment.size,
        etag,
        lastModified: new Date(),
        contentType: req.headers['content-type'] ?? 'binary/octet-stream',
        metadata: metadataFrom(req),
        tags: [],
      });
      if (previous) await releaseSegments(previous.segments);
      return send(res, 200, '', { ETag: etag });
    }

    if (method === 'DELETE') {
      count('DeleteObject');
      const previous = bucket.get(key);
      bucket.delete(key);
      if (previous) await releaseSegments(previous.segments);
      return send(res, 204);
    }

    if (method === 'GET' || method === 'HEAD') {
      count(method === 'GET' ? 'GetObject' : 'HeadObject');
      const obj = bucket.get(key);
      if (!obj) {
        if (method === 'HEAD') return send(res, 404);
        throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      }
      const ifMatch = req.headers['if-match'];
      if (ifMatch && ifMatch !== obj.etag && ifMatch !== '*') {
        throw new S3Error(
          412,
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
        );
      }
      const range = parseRange(req.headers.range, obj.size);
      const [start, end] = range ?? [0, obj.size - 1];
      const headers: Record<string, string> = {
        ...objectHeaders(obj),
        'Content-Length': String(obj.size === 0 ? 0 : end - start + 1),
      };
      if (range) headers['Content-Range'] = `bytes ${start}-${end}/${obj.size}`;
      res.writeHead(range ? 206 : 200, headers);
      if (method === 'HEAD' || obj.size === 0) {
        res.end();
        return;
      }
      return streamObject(res, obj, start, end);
    }
    throw new S3Error(501, 'NotImplemented', `${method} on an object is not implemented`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const e = error instanceof S3Error ? error : new S3Error(500, 'InternalError', String(error));
      if (!req.complete) req.resume();
      send(res, e.status, `<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error>`);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    counts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
