/**
 * A fault-injecting HTTP reverse proxy on loopback, in front of an S3-compatible server. A test gives
 * it a rule; for every request the rule may return a fault, and the proxy then, for that request:
 *
 * - `delay`: holds the response's first byte back for `ms`;
 * - `hang`: accepts the request (reads its body) and never answers, without forwarding it (so a
 *   hung CompleteMultipartUpload commits nothing); the connection stays open until the client leaves;
 * - `stall`: forwards the headers and `afterBytes` of the body, then sends nothing more (the
 *   connection stays open); `afterBytes: 0` is "answer the headers, then stall the body";
 * - `reset`: resets the TCP connection (before the response, or after `afterBytes` of the body);
 * - `status`: answers `status` without forwarding, with an error document in the service's format
 *   (S3's `<Error>`, STS's `<ErrorResponse>`: 500 InternalError, 503 SlowDown, 403 AccessDenied ...),
 *   or with `body: 'html'` an HTML page (what a load balancer or proxy in between sends), or with
 *   `body: 'empty'` nothing (as S3 answers a HEAD);
 * - `truncate`: forwards the headers (with the full Content-Length) and `afterBytes` of the body,
 *   then closes the connection;
 * - `corrupt`: forwards everything, with one byte of the body flipped at `offset`.
 *
 * Requests without a fault are forwarded unchanged (the Host header too, so signatures stay valid).
 */
import { createServer, request as httpRequest, IncomingMessage, ServerResponse, Server } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'reset'; afterBytes?: number }
  | { kind: 'status'; status: number; code?: string; body?: 'error-document' | 'html' | 'empty' }
  | { kind: 'truncate'; afterBytes: number }
  | { kind: 'corrupt'; offset: number };

export interface ProxiedRequest {
  /** 0-based count of requests seen by the proxy. */
  index: number;
  method: string;
  /** Path and query, e.g. `/bucket/key?partNumber=2&uploadId=x`. */
  url: string;
  headers: IncomingMessage['headers'];
}

export interface FaultLogEntry extends ProxiedRequest {
  fault: Fault | undefined;
  status: number | undefined;
}

export type FaultRule = (request: ProxiedRequest) => Fault | undefined;

export interface FaultProxy {
  endpoint: string;
  /** Replaces the rule (applies to requests that arrive from now on). */
  setRule(rule: FaultRule): void;
  /** Every request seen, with the fault applied to it. */
  log: FaultLogEntry[];
  stop(): Promise<void>;
}

/** Convenience: S3 operation of a request, from its method and query (enough for rules). */
export function s3Operation(r: Pick<ProxiedRequest, 'method' | 'url' | 'headers'>): string {
  const url = new URL(r.url, 'http://x');
  const q = url.searchParams;
  const pathParts = url.pathname.split('/').filter(Boolean);
  if (r.method === 'POST' && !q.has('uploads') && !q.has('uploadId') && pathParts.length === 0) return 'STS';
  if (pathParts.length <= 1) {
    if (r.method === 'GET' && q.get('list-type') === '2') return 'ListObjectsV2';
    if (r.method === 'GET' && q.has('uploads')) return 'ListMultipartUploads';
    return `Bucket${r.method}`;
  }
  if (r.method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (r.method === 'PUT' && q.has('uploadId')) return 'UploadPart';
  if (r.method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (r.method === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (r.method === 'PUT') return 'PutObject';
  if (r.method === 'GET') return 'GetObject';
  if (r.method === 'HEAD') return 'HeadObject';
  if (r.method === 'DELETE') return 'DeleteObject';
  return r.method;
}

const ERROR_MESSAGES: Record<string, string> = {
  SlowDown: 'Please reduce your request rate.',
  AccessDenied: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
  InternalError: 'We encountered an internal error. Please try again.',
  ServiceUnavailable: 'Service is unable to handle request.',
};

function resetSocket(socket: Socket | null): void {
  if (!socket) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

export async function startFaultProxy(
  upstream: string,
  rule: FaultRule = () => undefined,
): Promise<FaultProxy> {
  const target = new URL(upstream);
  let current = rule;
  let index = 0;
  const log: FaultLogEntry[] = [];
  const open = new Set<Socket>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const request: ProxiedRequest = {
      index: index++,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
    };
    let fault: Fault | undefined;
    try {
      fault = current(request);
    } catch {
      fault = undefined;
    }
    const entry: FaultLogEntry = { ...request, fault, status: undefined };
    log.push(entry);

    if (fault?.kind === 'hang') {
      entry.status = 0;
      req.resume(); // read the request, answer nothing
      return;
    }
    if (fault?.kind === 'status') {
      const code = fault.code ?? (fault.status === 503 ? 'SlowDown' : 'InternalError');
      const message = ERROR_MESSAGES[code] ?? code;
      const sts = s3Operation(request) === 'STS';
      let body = '';
      let type = 'application/xml';
      if (fault.body === 'html') {
        type = 'text/html';
        body = `<html><head><title>${fault.status}</title></head><body><h1>${fault.status} Internal Server Error</h1></body></html>`;
      } else if (fault.body !== 'empty') {
        // STS (query protocol) wraps the error in ErrorResponse; S3 answers a bare Error.
        body = sts
          ? `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
            `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-${request.index}</RequestId></ErrorResponse>`
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
            `<Message>${message}</Message><RequestId>fault-${request.index}</RequestId></Error>`;
      }
      entry.status = fault.status;
      req.resume();
      const answer = (): void => {
        res.writeHead(fault.status, {
          ...(body ? { 'Content-Type': type } : {}),
          'Content-Length': Buffer.byteLength(body),
        });
        res.end(body);
      };
      if (req.complete) answer();
      else req.once('end', answer);
      return;
    }
    if (fault?.kind === 'reset' && !fault.afterBytes) {
      entry.status = 0;
      resetSocket(req.socket);
      return;
    }

    const headers = { ...req.headers };
    delete headers.expect; // answered by this server already; never signed
    const upstreamReq = httpRequest({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
    });
    upstreamReq.on('error', () => resetSocket(req.socket));
    req.pipe(upstreamReq);
    upstreamReq.on('response', (upRes) => {
      entry.status = upRes.statusCode;
      const start = (): void => {
        if (res.destroyed) {
          upRes.destroy();
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let sent = 0;
        const limit = fault && 'afterBytes' in fault ? (fault.afterBytes ?? 0) : Infinity;
        upRes.on('data', (chunk: Buffer) => {
          if (fault?.kind === 'corrupt' && fault.offset >= sent && fault.offset < sent + chunk.length) {
            chunk = Buffer.from(chunk);
            chunk[fault.offset - sent] ^= 0xff;
          }
          if (sent + chunk.length <= limit) {
            sent += chunk.length;
            res.write(chunk);
            return;
          }
          const head = chunk.subarray(0, Math.max(0, limit - sent));
          sent = limit;
          upRes.pause();
          upRes.removeAllListeners('data');
          upRes.removeAllListeners('end');
          res.write(head, () => {
            if (fault?.kind === 'truncate') res.socket?.end();
            else if (fault?.kind === 'reset') resetSocket(res.socket);
            // stall: keep the connection open and silent until the client gives up
          });
          if (fault?.kind !== 'stall') upRes.destroy();
        });
        upRes.on('end', () => res.end());
        upRes.on('error', () => resetSocket(res.socket));
      };
      if (fault?.kind === 'delay') setTimeout(start, fault.ms);
      else start();
    });
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setRule: (next) => {
      current = next;
    },
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
