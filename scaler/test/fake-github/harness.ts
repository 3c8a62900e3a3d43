/**
 * Shared set-up for the fake GitHub's own tests: an App key pair (made once per test file), a fake
 * clock, a fake GitHub on a free loopback port, and a small fetch wrapper with a time bound.
 */
import { request } from 'node:http';
import { FakeClock } from '../support/clock';
import { FakeGitHub, FakeGitHubOptions, startFakeGitHub } from '../support/fake-github';
import { appJwt, AppKeyPair, generateAppKeyPair } from '../support/jwt';

export const ORG = 'dazn-test';
export const APP_ID = 424242;
export const INSTALLATION_ID = 5_550_001;
export const WEBHOOK_SECRET = 'test-webhook-secret-not-real';
export const API_VERSION = '2022-11-28';

let keys: AppKeyPair | undefined;
export function appKeys(): AppKeyPair {
  keys ??= generateAppKeyPair();
  return keys;
}

export interface Harness {
  gh: FakeGitHub;
  clock: FakeClock;
  keys: AppKeyPair;
  /** An App JWT valid now on the fake clock. */
  jwt(): string;
  /** Mints an installation token through the API (as @octokit/auth-app does). */
  installationToken(): Promise<string>;
}

export async function startHarness(extra: Partial<FakeGitHubOptions> = {}): Promise<Harness> {
  const clock = new FakeClock();
  const k = appKeys();
  const gh = await startFakeGitHub({
    org: ORG,
    appId: APP_ID,
    installationId: INSTALLATION_ID,
    appPublicKeyPem: k.publicKeyPem,
    webhookSecret: WEBHOOK_SECRET,
    clock,
    ...extra,
  });
  const jwt = (): string => appJwt(k.privateKeyPem, APP_ID, clock.now());
  return {
    gh,
    clock,
    keys: k,
    jwt,
    installationToken: async () => {
      const res = await call(gh, 'POST', `/app/installations/${INSTALLATION_ID}/access_tokens`, {
        auth: `Bearer ${jwt()}`,
      });
      if (res.status !== 201) throw new Error(`access_tokens answered ${res.status}: ${res.text}`);
      return (res.json as { token: string }).token;
    },
  };
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface CallOptions {
  auth?: string;
  body?: unknown;
  /** Extra or overriding headers; a value of null removes a default header. */
  headers?: Record<string, string | null>;
}

/** One HTTP request to the fake, with GitHub's usual headers unless the test removes them; 10 s bound. */
export async function call(
  gh: FakeGitHub,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<CallResult> {
  const wanted = new Map<string, string | null>([
    ['user-agent', 'fake-github-tests/1.0'],
    ['x-github-api-version', API_VERSION],
    ['accept', 'application/vnd.github+json'],
  ]);
  if (opts.auth) wanted.set('authorization', opts.auth);
  if (opts.body !== undefined) wanted.set('content-type', 'application/json');
  for (const [k, v] of Object.entries(opts.headers ?? {})) wanted.set(k, v);
  const headers: Record<string, string> = {};
  for (const [k, v] of wanted) if (v !== null) headers[k] = v;
  const res = await fetch(`${gh.url}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function message(res: CallResult): string {
  const body = res.json as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : res.text;
}

/** Creates a JIT runner through the API and returns its id, name and encoded configuration. */
export async function jitRunner(
  gh: FakeGitHub,
  token: string,
  name: string,
  labels: string[] = ['self-hosted', 'linux', 'X64', 'ecs'],
  groupId = 2,
): Promise<{ id: number; name: string; encoded: string }> {
  const res = await call(gh, 'POST', `/orgs/${ORG}/actions/runners/generate-jitconfig`, {
    auth: `token ${token}`,
    body: { name, runner_group_id: groupId, labels, work_folder: '_work' },
  });
  if (res.status !== 201) throw new Error(`generate-jitconfig answered ${res.status}: ${res.text}`);
  const body = res.json as { runner: { id: number; name: string }; encoded_jit_config: string };
  return { id: body.runner.id, name: body.runner.name, encoded: body.encoded_jit_config };
}

/**
 * A request through node:http, which (unlike fetch) adds no User-Agent of its own: for the tests of
 * what GitHub does with a request that has none. 10 s bound.
 */
export function rawCall(
  gh: FakeGitHub,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gh.url}${path}`, { method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}
