/**
 * The fake against the real client libraries the scaler uses: @octokit/auth-app signs the App JWT and
 * mints installation tokens, @octokit/core sends the requests, the throttling plugin reads the fake's
 * rate-limit answers. Octokit is ESM-only, so it runs in a child Node process (octokit-client.mjs),
 * bounded to 60 s. The fake runs on the real clock here, because Octokit waits in real time.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FakeClock, systemClock } from '../support/clock';
import { FakeGitHub, startFakeGitHub } from '../support/fake-github';
import { APP_ID, appKeys, INSTALLATION_ID, ORG, WEBHOOK_SECRET } from './harness';

type Step =
  { route: string; params?: Record<string, unknown> } | { fake: string; body?: Record<string, unknown> };
interface Outcome {
  results: { step: string; status: number; data?: unknown; message?: string }[];
  events: string[];
}

function runOctokit(gh: FakeGitHub, steps: Step[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'octokit-client.mjs')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`octokit-client exited ${code}: ${err}`));
      resolve(JSON.parse(out) as Outcome);
    });
    child.stdin.end(
      JSON.stringify({
        url: gh.url,
        appId: APP_ID,
        installationId: INSTALLATION_ID,
        privateKey: appKeys().privateKeyPem,
        org: ORG,
        steps,
      }),
    );
  });
}

async function start(
  extra: Parameters<typeof startFakeGitHub>[0] extends infer O ? Partial<O> : never,
): Promise<FakeGitHub> {
  return startFakeGitHub({
    org: ORG,
    appId: APP_ID,
    installationId: INSTALLATION_ID,
    appPublicKeyPem: appKeys().publicKeyPem,
    webhookSecret: WEBHOOK_SECRET,
    clock: systemClock,
    ...extra,
  });
}

describe('fake GitHub with the official Octokit libraries', () => {
  it("accepts @octokit/auth-app's JWT and installation token, and serves generate-jitconfig and the runner list", async () => {
    const gh = await start({});
    try {
      const out = await runOctokit(gh, [
        {
          route: 'POST /orgs/{org}/actions/runners/generate-jitconfig',
          params: {
            name: 'dazn-ecs-abcdefabcdef',
            runner_group_id: 2,
            labels: ['ecs'],
            work_folder: '_work',
          },
        },
        { route: 'GET /orgs/{org}/actions/runners' },
      ]);
      expect(out.results.map((r) => r.status)).toEqual([201, 200]);
      expect((out.results[1]?.data as { runners: { name: string }[] }).runners.map((r) => r.name)).toEqual([
        'dazn-ecs-abcdefabcdef',
      ]);
      const routes = gh.requests().map((r) => `${r.route} ${r.status}`);
      expect(routes).toEqual([
        'POST /app/installations/{installation_id}/access_tokens 201',
        'POST /orgs/{org}/actions/runners/generate-jitconfig 201',
        'GET /orgs/{org}/actions/runners 200',
      ]);
      expect(
        gh
          .requests()
          .every((r) => r.apiVersion === '2022-11-28' && r.userAgent?.startsWith('dazn-scaler-octokit-test')),
      ).toBe(true);
    } finally {
      await gh.close();
    }
  });

  it('makes the throttling plugin see a secondary rate limit (retry-after) and retry once it is over', async () => {
    const gh = await start({});
    try {
      const out = await runOctokit(gh, [
        { route: 'GET /orgs/{org}/actions/runners' },
        { fake: '/_fake/secondary-limit', body: { seconds: 2 } },
        { route: 'GET /orgs/{org}/actions/runners' },
      ]);
      expect(out.events).toEqual(['secondary:2']);
      expect(out.results.map((r) => r.status)).toEqual([200, 204, 200]);
      // (@octokit/plugin-retry may try the 403 once more before the throttling plugin waits.)
      const statuses = gh.requests().map((r) => r.status);
      expect(statuses.slice(0, 3)).toEqual([201, 200, 403]);
      expect(statuses[statuses.length - 1]).toBe(200);
      expect(statuses.slice(2, -1).every((s) => s === 403)).toBe(true);
    } finally {
      await gh.close();
    }
  });

  it('makes the throttling plugin see the primary rate limit (remaining 0, reset) and give up when told to', async () => {
    const gh = await start({ rateLimit: { limit: 1, windowMs: 2000 } });
    try {
      const out = await runOctokit(gh, [
        { route: 'GET /orgs/{org}/actions/runners' },
        { route: 'GET /orgs/{org}/actions/runners' },
      ]);
      expect(out.results[0]?.status).toBe(200);
      expect(out.events.some((e) => e.startsWith('primary:'))).toBe(true);
      // The plugin waited for the reset once and retried: after the window the request succeeds.
      expect(out.results[1]?.status).toBe(200);
    } finally {
      await gh.close();
    }
  });

  it('lets @octokit/auth-app correct a clock difference from the Date header (one refused JWT, then a token)', async () => {
    const gh = await start({ clock: new FakeClock(Date.now() - 3 * 60 * 60 * 1000) });
    try {
      const out = await runOctokit(gh, [{ route: 'GET /orgs/{org}/actions/runners' }]);
      expect(out.results[0]?.status).toBe(200);
      expect(gh.requests().map((r) => `${r.route} ${r.status}`)).toEqual([
        'POST /app/installations/{installation_id}/access_tokens 401',
        'POST /app/installations/{installation_id}/access_tokens 201',
        'GET /orgs/{org}/actions/runners 200',
      ]);
    } finally {
      await gh.close();
    }
  });

  it('refuses the token @octokit/auth-app still has cached after an hour of the fake clock (its cache counts real time)', async () => {
    const gh = await start({ clock: new FakeClock(Date.now()) });
    try {
      const out = await runOctokit(gh, [
        { route: 'GET /orgs/{org}/actions/runners' },
        { fake: '/_fake/clock/advance', body: { ms: 61 * 60 * 1000 } },
        { route: 'GET /orgs/{org}/actions/runners' },
      ]);
      expect(out.results.map((r) => r.status)).toEqual([200, 200, 401]);
      expect(out.results[2]?.message).toContain('Bad credentials');
    } finally {
      await gh.close();
    }
  });

  it("answers the JWT of a wrong key so that @octokit/auth-app fails with GitHub's message", async () => {
    const gh = await startFakeGitHub({
      org: ORG,
      appId: APP_ID,
      installationId: INSTALLATION_ID,
      appPublicKeyPem: (await import('../support/jwt')).generateAppKeyPair().publicKeyPem,
      webhookSecret: WEBHOOK_SECRET,
      clock: systemClock,
    });
    try {
      const out = await runOctokit(gh, [{ route: 'GET /orgs/{org}/actions/runners' }]);
      expect(out.results[0]?.status).toBe(401);
      expect(out.results[0]?.message).toContain('A JSON web token could not be decoded');
    } finally {
      await gh.close();
    }
  });
});
