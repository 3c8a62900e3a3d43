/**
 * The Docker plugin protocol on a unix socket (docs.docker.com/engine/extend/plugin_api and
 * plugins_authorization): POST /Plugin.Activate answers {"Implements":["authz"]}; POST
 * /AuthZPlugin.AuthZReq carries moby's authorization.Request and is answered {"Allow","Msg"};
 * POST /AuthZPlugin.AuthZRes comes after the daemon answered and is always allowed (nothing is filtered).
 */
import http from 'node:http';
import { AuthzConfig } from './config';
import { AuthzRequest } from './request';
import { RealPath } from './paths';
import { decide } from './rules';

/**
 * The most of an AuthZReq read (bytes): the daemon passes request bodies under 1 MiB (moby
 * pkg/authorization maxBodySize), base64 makes that 1.34 MiB, plus headers and the URI.
 */
export const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
/** Time for one plugin call to arrive in full (ms); the daemon sends it in one write. */
const REQUEST_TIMEOUT_MS = 30_000;

export type Log = (line: string) => void;

const PLUGIN_CONTENT_TYPE = 'application/vnd.docker.plugins.v1.2+json';

function answer(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': PLUGIN_CONTENT_TYPE });
  response.end(JSON.stringify(body));
}

function readBounded(request: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    request.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Without the query: build arguments and such may hold secrets, and logs are readable by operators. */
function pathOf(uri: string | undefined): string {
  return (uri ?? '').split('?')[0];
}

export function createServer(config: AuthzConfig, realPath: RealPath, log: Log): http.Server {
  const server = http.createServer(async (request, response) => {
    try {
      if (request.method !== 'POST') return answer(response, 405, { Err: 'plugin calls are POST' });
      if (request.url === '/Plugin.Activate') {
        request.resume();
        return answer(response, 200, { Implements: ['authz'] });
      }
      if (request.url === '/AuthZPlugin.AuthZRes') {
        // Responses are not filtered: drain without keeping (a listing can be large).
        request.resume();
        return answer(response, 200, { Allow: true });
      }
      if (request.url !== '/AuthZPlugin.AuthZReq') {
        request.resume();
        return answer(response, 404, { Err: `no such plugin method ${request.url}` });
      }
      const raw = await readBounded(request, MAX_REQUEST_BYTES);
      if (raw === undefined) {
        log(`refused (request-size): an authorization request over ${MAX_REQUEST_BYTES} bytes`);
        return answer(response, 200, {
          Allow: false,
          Msg: `[request-size] the request is larger than the plugin reads (${MAX_REQUEST_BYTES} bytes), so it is refused: send a smaller request`,
        });
      }
      const authzRequest = JSON.parse(raw.toString('utf8')) as AuthzRequest;
      const decision = await decide(authzRequest, config, realPath);
      if (decision.allow) return answer(response, 200, { Allow: true });
      log(`refused (${decision.rule}): ${authzRequest.RequestMethod ?? '?'} ${pathOf(authzRequest.RequestUri)}`);
      return answer(response, 200, { Allow: false, Msg: `[${decision.rule}] ${decision.message}` });
    } catch (error) {
      // An error the plugin did not foresee refuses the request: the daemon reports Err as a failure.
      const message = error instanceof Error ? error.message : String(error);
      log(`error: ${message}`);
      if (!response.headersSent) answer(response, 500, { Err: `dazn-authz could not decide: ${message}` });
    }
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  return server;
}
