/** Every-request rules (User-Agent, API version, headers), outages, and primary/secondary rate limits. */
import { MESSAGES } from '../support/fake-github-rules';
import { call, Harness, ORG, rawCall, startHarness } from './harness';

describe('fake GitHub: every request', () => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = await startHarness();
    token = await h.installationToken();
  });
  afterEach(async () => {
    await h.gh.close();
  });

  it("refuses a request without User-Agent: 403 with GitHub's text", async () => {
    const headers = { authorization: `token ${token}`, 'x-github-api-version': '2022-11-28' };
    const res = await rawCall(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, headers);
    expect(res.status).toBe(403);
    expect(res.text).toBe(MESSAGES.userAgentRequired);
    const ok = await rawCall(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, {
      ...headers,
      'user-agent': 'curl/8',
    });
    expect(ok.status).toBe(200);
  });

  it('refuses an unsupported X-GitHub-Api-Version with 400; serves 2022-11-28, 2026-03-10 and no header', async () => {
    const bad = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, {
      auth: `token ${token}`,
      headers: { 'x-github-api-version': '2021-01-01' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual(
      expect.objectContaining({ documentation_url: expect.stringContaining('api-versions') }),
    );
    for (const v of ['2022-11-28', '2026-03-10']) {
      const ok = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, {
        auth: `token ${token}`,
        headers: { 'x-github-api-version': v },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-github-api-version-selected')).toBe(v);
    }
    const none = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, {
      auth: `token ${token}`,
      headers: { 'x-github-api-version': null },
    });
    expect(none.status).toBe(200);
    expect(none.headers.get('x-github-api-version-selected')).toBe('2022-11-28');
    // The request log lets the scaler's tests check that it always sends the header.
    expect(h.gh.requests().filter((r) => r.apiVersion === undefined)).toHaveLength(1);
  });

  it('answers with x-ratelimit-* headers counting down, and Date from the fake clock', async () => {
    const a = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` });
    const b = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` });
    expect(a.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(a.headers.get('x-ratelimit-resource')).toBe('core');
    expect(
      Number(a.headers.get('x-ratelimit-remaining')) - Number(b.headers.get('x-ratelimit-remaining')),
    ).toBe(1);
    expect(Number(b.headers.get('x-ratelimit-used'))).toBe(2);
    expect(Number(a.headers.get('x-ratelimit-reset'))).toBe(Math.ceil((h.clock.now() + 3600_000) / 1000));
    expect(Date.parse(a.headers.get('date') ?? '')).toBe(Math.floor(h.clock.now() / 1000) * 1000);
  });

  it('counts requests per route for "API calls per job"', async () => {
    await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` });
    await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners/7`, { auth: `token ${token}` });
    const counts = h.gh.requestCounts();
    expect(counts['GET /orgs/{org}/actions/runners']).toBe(1);
    expect(counts['GET /orgs/{org}/actions/runners/{runner_id}']).toBe(1);
    expect(counts['POST /app/installations/{installation_id}/access_tokens']).toBe(1);
    expect(h.gh.apiCallCount()).toBe(3);
  });

  it('answers 503 to every API call inside an outage window of the fake clock, and serves again after', async () => {
    const start = h.clock.now() + 60_000;
    h.gh.setOutage(start, start + 120_000);
    expect((await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).status).toBe(
      200,
    );
    h.clock.advance(60_000);
    expect((await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).status).toBe(
      503,
    );
    expect(
      (await call(h.gh, 'POST', '/app/installations/1/access_tokens', { auth: `Bearer ${h.jwt()}` })).status,
    ).toBe(503);
    h.clock.advance(119_999);
    expect((await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).status).toBe(
      503,
    );
    h.clock.advance(1);
    expect((await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).status).toBe(
      200,
    );
  });
});

describe('fake GitHub: primary rate limit', () => {
  it('refuses the request after the limit with 403, remaining 0 and the reset time; serves again after reset', async () => {
    const h = await startHarness({ rateLimit: { limit: 3, windowMs: 30 * 60 * 1000 } });
    try {
      const token = await h.installationToken();
      const get = () => call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` });
      for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
      const refused = await get();
      expect(refused.status).toBe(403);
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(refused.json).toEqual(
        expect.objectContaining({ message: MESSAGES.primaryRateLimit(5_550_001) }),
      );
      const reset = Number(refused.headers.get('x-ratelimit-reset'));
      expect(reset * 1000).toBeGreaterThan(h.clock.now());
      // A new token of the same installation shares the installation's limit.
      const other = await h.installationToken();
      expect(
        (await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${other}` })).status,
      ).toBe(403);
      h.clock.set(reset * 1000);
      const again = await get();
      expect(again.status).toBe(200);
      expect(again.headers.get('x-ratelimit-remaining')).toBe('2');
    } finally {
      await h.gh.close();
    }
  });

  it('answers 429 when configured so (GitHub uses 403 or 429)', async () => {
    const h = await startHarness({ rateLimit: { limit: 1, windowMs: 60_000 }, rateLimitStatus: 429 });
    try {
      const token = await h.installationToken();
      expect(
        (await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).status,
      ).toBe(200);
      const refused = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    } finally {
      await h.gh.close();
    }
  });
});

describe('fake GitHub: GET /rate_limit', () => {
  it("reports the installation's core limit and does not count against it", async () => {
    const h = await startHarness({ rateLimit: { limit: 2, windowMs: 30 * 60 * 1000 } });
    try {
      const token = await h.installationToken();
      expect(
        (await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).status,
      ).toBe(200);
      for (let i = 0; i < 3; i++) {
        const res = await call(h.gh, 'GET', '/rate_limit', { auth: `token ${token}` });
        expect(res.status).toBe(200);
        expect(
          (res.json as { resources: { core: { remaining: number; used: number } } }).resources.core,
        ).toEqual(expect.objectContaining({ limit: 2, remaining: 1, used: 1 }));
      }
    } finally {
      await h.gh.close();
    }
  });
});

describe('fake GitHub: secondary rate limits', () => {
  it('refuses a request beyond the concurrent limit with 403, retry-after and the secondary-limit message', async () => {
    const h = await startHarness({ maxConcurrentRequests: 2 });
    try {
      const token = await h.installationToken();
      const release = h.gh.holdResponses();
      const get = () => call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` });
      const first = get();
      const second = get();
      // Both must be admitted (and held) before the third arrives.
      while (h.gh.requests().filter((r) => r.route === 'GET /orgs/{org}/actions/runners').length < 2) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const third = await get();
      expect(third.status).toBe(403);
      expect(third.headers.get('retry-after')).toBe('60');
      expect(third.text).toMatch(/secondary rate limit/);
      expect(Number(third.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
      release();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      expect((await get()).status).toBe(200);
    } finally {
      await h.gh.close();
    }
  });

  it('refuses every call while a triggered secondary limit lasts, with retry-after counting down', async () => {
    const h = await startHarness();
    try {
      const token = await h.installationToken();
      h.gh.triggerSecondaryRateLimit(90);
      const a = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` });
      expect(a.status).toBe(403);
      expect(a.headers.get('retry-after')).toBe('90');
      expect(a.json).toEqual(expect.objectContaining({ message: MESSAGES.secondaryRateLimit }));
      h.clock.advance(60_000);
      expect(
        (await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).headers.get(
          'retry-after',
        ),
      ).toBe('30');
      h.clock.advance(30_000);
      expect(
        (await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).status,
      ).toBe(200);
    } finally {
      await h.gh.close();
    }
  });

  it('refuses writes beyond the points per minute (writes cost 5) and blocks for a minute', async () => {
    const h = await startHarness({ pointsPerMinute: 12 });
    try {
      const token = await h.installationToken();
      const post = () =>
        call(h.gh, 'POST', `/orgs/${ORG}/actions/runners/registration-token`, { auth: `token ${token}` });
      expect((await post()).status).toBe(201);
      expect((await post()).status).toBe(201);
      const refused = await post();
      expect(refused.status).toBe(403);
      expect(refused.headers.get('retry-after')).toBe('60');
      expect(
        (await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners`, { auth: `token ${token}` })).status,
      ).toBe(403);
      h.clock.advance(60_000);
      expect((await post()).status).toBe(201);
    } finally {
      await h.gh.close();
    }
  });
});
