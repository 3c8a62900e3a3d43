import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../src/config';
import { realPathOnDisk } from '../src/paths';
import { MAX_REQUEST_BYTES, createServer } from '../src/server';

let dir: string;
let socket: string;
let server: http.Server;
const logged: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dazn-authz-server-'));
  socket = join(dir, 'authz.sock');
  server = createServer(resolveConfig({}), realPathOnDisk, (line) => logged.push(line));
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** One plugin call the way the daemon makes it: POST, JSON body, over the unix socket. */
function call(path: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath: socket, path, method: 'POST', timeout: 5_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }),
      );
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

const authzRequest = (uri: string, body: unknown) =>
  JSON.stringify({
    User: '',
    RequestMethod: 'POST',
    RequestUri: uri,
    RequestBody: Buffer.from(JSON.stringify(body)).toString('base64'),
    RequestHeaders: { 'Content-Type': 'application/json' },
  });

it('activates as an authz plugin', async () => {
  expect(await call('/Plugin.Activate', '')).toEqual({ status: 200, json: { Implements: ['authz'] } });
});

it('answers AuthZReq with Allow, or with the rule and the fix in Msg, and logs the refusal without the query', async () => {
  expect((await call('/AuthZPlugin.AuthZReq', authzRequest('/v1.41/containers/create', { Image: 'x' }))).json).toEqual({ Allow: true });
  const refused = await call('/AuthZPlugin.AuthZReq', authzRequest('/v1.41/containers/create?name=secret-ish', { HostConfig: { Privileged: true } }));
  expect(refused.status).toBe(200);
  expect(refused.json.Allow).toBe(false);
  expect(refused.json.Msg).toMatch(/^\[privileged\] --privileged is refused/);
  expect(logged.at(-1)).toBe('refused (privileged): POST /v1.41/containers/create');
});

it('refuses a request larger than it reads, and allows every AuthZRes', async () => {
  const big = JSON.stringify({ RequestMethod: 'POST', RequestUri: '/containers/create', RequestBody: 'A'.repeat(MAX_REQUEST_BYTES) });
  const answer = await call('/AuthZPlugin.AuthZReq', big);
  expect(answer.json.Allow).toBe(false);
  expect(answer.json.Msg).toMatch(/^\[request-size\]/);
  expect((await call('/AuthZPlugin.AuthZRes', big)).json).toEqual({ Allow: true });
});

it('answers an unknown method 404 and a broken request 500 with Err (the daemon then refuses)', async () => {
  expect((await call('/VolumeDriver.Create', '{}')).status).toBe(404);
  const broken = await call('/AuthZPlugin.AuthZReq', '{not json');
  expect(broken.status).toBe(500);
  expect(broken.json.Err).toMatch(/^dazn-authz could not decide/);
});
