/** Runners: generate-jitconfig's rules, single-use JIT configurations, versions, listing, deleting, tokens. */
import { MESSAGES, RUNNER_MESSAGES } from '../support/fake-github-rules';
import { RunnerConnectError } from '../support/fake-github';
import { decodeJitConfig } from '../support/jit-config';
import { call, Harness, jitRunner, message, ORG, startHarness } from './harness';

function connectError(fn: () => unknown): RunnerConnectError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RunnerConnectError) return error;
    throw error;
  }
  throw new Error('expected the runner to be refused, but it connected');
}

describe('fake GitHub: generate-jitconfig', () => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = await startHarness();
    token = await h.installationToken();
  });
  afterEach(async () => {
    await h.gh.close();
  });

  const generate = (body: unknown) =>
    call(h.gh, 'POST', `/orgs/${ORG}/actions/runners/generate-jitconfig`, { auth: `token ${token}`, body });

  it('answers 201 with the runner (offline, not busy, labels with types) and an encoded configuration', async () => {
    const res = await generate({
      name: 'dazn-ecs-0123456789ab',
      runner_group_id: 2,
      labels: ['linux', 'X64', 'ecs'],
      work_folder: '_work',
    });
    expect(res.status).toBe(201);
    const body = res.json as { runner: Record<string, unknown>; encoded_jit_config: string };
    expect(body.runner).toEqual(
      expect.objectContaining({
        name: 'dazn-ecs-0123456789ab',
        status: 'offline',
        busy: false,
        runner_group_id: 2,
        ephemeral: true,
      }),
    );
    expect(body.runner.labels).toEqual([
      expect.objectContaining({ name: 'self-hosted', type: 'read-only' }),
      expect.objectContaining({ name: 'linux', type: 'custom' }),
      expect.objectContaining({ name: 'X64', type: 'custom' }),
      expect.objectContaining({ name: 'ecs', type: 'custom' }),
    ]);
    expect(typeof body.encoded_jit_config).toBe('string');
  });

  it("encodes the configuration as actions/runner decodes it: base64 JSON of base64 '.runner', '.credentials', '.credentials_rsaparams'", async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-00000000000a');
    const outer = JSON.parse(Buffer.from(r.encoded, 'base64').toString('utf8')) as Record<string, string>;
    expect(Object.keys(outer).sort()).toEqual(['.credentials', '.credentials_rsaparams', '.runner']);
    const runnerFile = JSON.parse(
      Buffer.from(outer['.runner'] as string, 'base64').toString('utf8'),
    ) as Record<string, unknown>;
    expect(runnerFile).toEqual(
      expect.objectContaining({
        agentId: r.id,
        agentName: 'dazn-ecs-00000000000a',
        poolId: 2,
        poolName: 'ecs',
        gitHubUrl: `https://github.com/${ORG}`,
        workFolder: '_work',
        ephemeral: true,
      }),
    );
    expect(runnerFile.serverUrl).toMatch(/^https:\/\//);
    const decoded = decodeJitConfig(r.encoded);
    expect(decoded.credentials.scheme).toBe('OAuth');
    expect(Object.keys(decoded.rsaParams).sort()).toEqual([
      'd',
      'dp',
      'dq',
      'exponent',
      'inverseQ',
      'modulus',
      'p',
      'q',
    ]);
  });

  it("refuses a name that is already registered: 409 with GitHub's text", async () => {
    await jitRunner(h.gh, token, 'dazn-ecs-0000000000bb');
    const res = await generate({ name: 'dazn-ecs-0000000000bb', runner_group_id: 2, labels: ['ecs'] });
    expect(res.status).toBe(409);
    expect(message(res)).toBe(MESSAGES.runnerNameExists('dazn-ecs-0000000000bb'));
  });

  it('allows the name again once the old registration is deleted', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-0000000000cc');
    expect(
      (await call(h.gh, 'DELETE', `/orgs/${ORG}/actions/runners/${r.id}`, { auth: `token ${token}` })).status,
    ).toBe(204);
    expect(
      (await generate({ name: 'dazn-ecs-0000000000cc', runner_group_id: 2, labels: ['ecs'] })).status,
    ).toBe(201);
  });

  it.each([
    ['no name', { runner_group_id: 2, labels: ['ecs'] }],
    ['a name with a space', { name: 'dazn ecs', runner_group_id: 2, labels: ['ecs'] }],
    ['a name of 65 characters', { name: 'a'.repeat(65), runner_group_id: 2, labels: ['ecs'] }],
    ['a numeric name', { name: 12, runner_group_id: 2, labels: ['ecs'] }],
    ['no runner group', { name: 'dazn-a', labels: ['ecs'] }],
    ['an unknown runner group', { name: 'dazn-a', runner_group_id: 99, labels: ['ecs'] }],
    ['a runner group given as text', { name: 'dazn-a', runner_group_id: '2', labels: ['ecs'] }],
    ['empty labels', { name: 'dazn-a', runner_group_id: 2, labels: [] }],
    [
      '101 labels',
      { name: 'dazn-a', runner_group_id: 2, labels: Array.from({ length: 101 }, (_, i) => `l${i}`) },
    ],
    ['a blank label', { name: 'dazn-a', runner_group_id: 2, labels: ['ecs', ' '] }],
    ['labels as a string', { name: 'dazn-a', runner_group_id: 2, labels: 'ecs' }],
    ['a numeric work folder', { name: 'dazn-a', runner_group_id: 2, labels: ['ecs'], work_folder: 1 }],
  ])('refuses %s with 422', async (_what, body) => {
    const res = await generate(body);
    expect(res.status).toBe(422);
    expect(res.json).toEqual(
      expect.objectContaining({ message: expect.any(String), documentation_url: expect.any(String) }),
    );
    expect(h.gh.runners()).toHaveLength(0);
  });

  it('accepts a 64-character name and 100 labels (the limits themselves)', async () => {
    const labels = Array.from({ length: 100 }, (_, i) => `l${i}`);
    expect((await generate({ name: 'a'.repeat(64), runner_group_id: 2, labels })).status).toBe(201);
  });

  it('answers 404 for another organisation', async () => {
    const res = await call(h.gh, 'POST', '/orgs/other/actions/runners/generate-jitconfig', {
      auth: `token ${token}`,
      body: { name: 'dazn-a', runner_group_id: 2, labels: ['ecs'] },
    });
    expect(res.status).toBe(404);
  });
});

describe('fake GitHub: the runner starting with its JIT configuration', () => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = await startHarness();
    token = await h.installationToken();
  });
  afterEach(async () => {
    await h.gh.close();
  });

  it('brings the runner online and idle on first use', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-000000000001');
    expect(h.gh.connectRunner(r.encoded, '2.330.0')).toEqual({ runnerId: r.id, name: r.name });
    const res = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners/${r.id}`, { auth: `token ${token}` });
    expect(res.json).toEqual(expect.objectContaining({ status: 'online', busy: false, os: 'Linux' }));
  });

  it('refuses a second use while the first runner is online', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-000000000002');
    h.gh.connectRunner(r.encoded, '2.330.0');
    const e = connectError(() => h.gh.connectRunner(r.encoded, '2.330.0'));
    expect(e.code).toBe('session_exists');
    expect(e.message).toBe(RUNNER_MESSAGES.sessionExists);
  });

  it('refuses a second use after the first runner stopped, and after its job (registration removed)', async () => {
    const a = await jitRunner(h.gh, token, 'dazn-ecs-000000000003');
    h.gh.connectRunner(a.encoded, '2.330.0');
    h.gh.disconnectRunner(a.name);
    expect(connectError(() => h.gh.connectRunner(a.encoded, '2.330.0')).code).toBe('registration_deleted');

    const b = await jitRunner(h.gh, token, 'dazn-ecs-000000000004');
    h.gh.connectRunner(b.encoded, '2.330.0');
    const job = h.gh.queueJob({ repo: 'app', labels: ['self-hosted', 'ecs'] });
    h.gh.completeJob(job.id);
    const e = connectError(() => h.gh.connectRunner(b.encoded, '2.330.0'));
    expect(e.code).toBe('registration_deleted');
    expect(e.message).toBe(RUNNER_MESSAGES.registrationDeleted);
  });

  it("refuses a runner below the minimum version, with the runner's own line, and the configuration is spent", async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-000000000005');
    const e = connectError(() => h.gh.connectRunner(r.encoded, '2.328.0'));
    expect(e.code).toBe('version_deprecated');
    expect(e.message).toBe(
      'An error occured: Runner version v2.328.0 is deprecated and cannot receive messages.',
    );
    expect(h.gh.runners().find((x) => x.id === r.id)?.status).toBe('offline');
    expect(connectError(() => h.gh.connectRunner(r.encoded, '2.330.0')).code).toBe('registration_deleted');
  });

  it('accepts exactly the minimum version, and honours a configured minimum', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-000000000006');
    expect(() => h.gh.connectRunner(r.encoded, '2.329.0')).not.toThrow();
    await h.gh.close();
    h = await startHarness({ minimumRunnerVersion: '2.331.0' });
    token = await h.installationToken();
    const s = await jitRunner(h.gh, token, 'dazn-ecs-000000000007');
    expect(connectError(() => h.gh.connectRunner(s.encoded, '2.330.9')).code).toBe('version_deprecated');
  });

  it('refuses a garbled configuration and one edited to name another runner', async () => {
    expect(connectError(() => h.gh.connectRunner('not base64 at all!', '2.330.0')).code).toBe(
      'invalid_config',
    );
    expect(
      connectError(() => h.gh.connectRunner(Buffer.from('{"x":1}').toString('base64'), '2.330.0')).code,
    ).toBe('invalid_config');
    const a = await jitRunner(h.gh, token, 'dazn-ecs-000000000008');
    const b = await jitRunner(h.gh, token, 'dazn-ecs-000000000009');
    // Take b's .runner (its id and name) with a's credentials: the server knows these credentials are not b's.
    const outerA = JSON.parse(Buffer.from(a.encoded, 'base64').toString('utf8')) as Record<string, string>;
    const outerB = JSON.parse(Buffer.from(b.encoded, 'base64').toString('utf8')) as Record<string, string>;
    const forged = Buffer.from(JSON.stringify({ ...outerA, '.runner': outerB['.runner'] })).toString(
      'base64',
    );
    expect(connectError(() => h.gh.connectRunner(forged, '2.330.0')).code).toBe('registration_deleted');
    expect(h.gh.runners().find((x) => x.id === b.id)?.status).toBe('offline');
  });

  it('refuses a configuration whose registration was deleted before the runner started', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-00000000000a');
    expect(
      (await call(h.gh, 'DELETE', `/orgs/${ORG}/actions/runners/${r.id}`, { auth: `token ${token}` })).status,
    ).toBe(204);
    expect(connectError(() => h.gh.connectRunner(r.encoded, '2.330.0')).code).toBe('registration_deleted');
  });

  it('removes an ephemeral runner that has not connected for more than a day', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-00000000000b');
    h.clock.advance(24 * 60 * 60 * 1000);
    h.gh.tick();
    expect(h.gh.runners().map((x) => x.id)).toContain(r.id);
    h.clock.advance(1000);
    h.gh.tick();
    expect(h.gh.runners().map((x) => x.id)).not.toContain(r.id);
  });

  it('answers the same over HTTP: POST /_fake/runner/connect', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-00000000000c');
    const ok = await call(h.gh, 'POST', '/_fake/runner/connect', {
      body: { jit_config: r.encoded, version: '2.330.0' },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ runner_id: r.id, name: r.name });
    const again = await call(h.gh, 'POST', '/_fake/runner/connect', {
      body: { jit_config: r.encoded, version: '2.330.0' },
    });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ code: 'session_exists', message: RUNNER_MESSAGES.sessionExists });
    const s = await jitRunner(h.gh, token, 'dazn-ecs-00000000000d');
    const old = await call(h.gh, 'POST', '/_fake/runner/connect', {
      body: { jit_config: s.encoded, version: '2.300.0' },
    });
    expect(old.status).toBe(403);
    expect(message(old)).toBe(RUNNER_MESSAGES.versionDeprecated('2.300.0'));
  });
});

describe('fake GitHub: listing and deleting runners', () => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = await startHarness();
    token = await h.installationToken();
  });
  afterEach(async () => {
    await h.gh.close();
  });

  it('lists runners with per_page/page, total_count and a Link header; caps per_page at 100', async () => {
    for (let i = 0; i < 5; i++) await jitRunner(h.gh, token, `dazn-ecs-00000000010${i}`);
    const first = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners?per_page=2`, {
      auth: `token ${token}`,
    });
    const body = first.json as { total_count: number; runners: { name: string }[] };
    expect(body.total_count).toBe(5);
    expect(body.runners.map((r) => r.name)).toEqual(['dazn-ecs-000000000100', 'dazn-ecs-000000000101']);
    expect(first.headers.get('link')).toMatch(/page=2>; rel="next".*page=3>; rel="last"/);
    const last = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners?per_page=2&page=3`, {
      auth: `token ${token}`,
    });
    expect((last.json as { runners: unknown[] }).runners).toHaveLength(1);
    expect(last.headers.get('link')).not.toMatch(/rel="next"/);
    const capped = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners?per_page=500`, {
      auth: `token ${token}`,
    });
    expect(capped.status).toBe(200);
    const byName = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners?name=dazn-ecs-000000000103`, {
      auth: `token ${token}`,
    });
    expect((byName.json as { total_count: number }).total_count).toBe(1);
  });

  it('lists the runner groups', async () => {
    const res = await call(h.gh, 'GET', `/orgs/${ORG}/actions/runner-groups`, { auth: `token ${token}` });
    expect(
      (res.json as { runner_groups: { id: number; name: string }[] }).runner_groups.map((g) => [
        g.id,
        g.name,
      ]),
    ).toEqual([
      [1, 'Default'],
      [2, 'ecs'],
      [3, 'fargate'],
    ]);
  });

  it("deletes an idle runner (204, then 404) and refuses a busy one with 422 and GitHub's text", async () => {
    const idle = await jitRunner(h.gh, token, 'dazn-ecs-000000000201');
    expect(
      (await call(h.gh, 'DELETE', `/orgs/${ORG}/actions/runners/${idle.id}`, { auth: `token ${token}` }))
        .status,
    ).toBe(204);
    expect(
      (await call(h.gh, 'GET', `/orgs/${ORG}/actions/runners/${idle.id}`, { auth: `token ${token}` })).status,
    ).toBe(404);
    expect(
      (await call(h.gh, 'DELETE', `/orgs/${ORG}/actions/runners/${idle.id}`, { auth: `token ${token}` }))
        .status,
    ).toBe(404);

    const busy = await jitRunner(h.gh, token, 'dazn-ecs-000000000202');
    h.gh.connectRunner(busy.encoded, '2.330.0');
    const job = h.gh.queueJob({ repo: 'app', labels: ['self-hosted', 'linux', 'ecs'] });
    expect(h.gh.job(job.id)?.runnerName).toBe(busy.name);
    const res = await call(h.gh, 'DELETE', `/orgs/${ORG}/actions/runners/${busy.id}`, {
      auth: `token ${token}`,
    });
    expect(res.status).toBe(422);
    expect(message(res)).toBe(MESSAGES.runnerBusy(busy.name));
    expect(h.gh.runners().find((r) => r.id === busy.id)?.busy).toBe(true);
  });
});

describe('fake GitHub: registration and remove tokens', () => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = await startHarness();
    token = await h.installationToken();
  });
  afterEach(async () => {
    await h.gh.close();
  });

  it('mints registration and remove tokens valid one hour', async () => {
    for (const kind of ['registration-token', 'remove-token']) {
      const res = await call(h.gh, 'POST', `/orgs/${ORG}/actions/runners/${kind}`, {
        auth: `token ${token}`,
      });
      expect(res.status).toBe(201);
      const body = res.json as { token: string; expires_at: string };
      expect(body.token.length).toBeGreaterThan(20);
      expect(Date.parse(body.expires_at) - h.clock.now()).toBe(60 * 60 * 1000);
    }
  });

  it('registers a runner with a fresh registration token and refuses the token after 61 minutes', async () => {
    const res = await call(h.gh, 'POST', `/orgs/${ORG}/actions/runners/registration-token`, {
      auth: `token ${token}`,
    });
    const regToken = (res.json as { token: string }).token;
    const ok = await call(h.gh, 'POST', '/actions/runner-registration', {
      auth: `RemoteAuth ${regToken}`,
      body: { url: `https://github.com/${ORG}` },
    });
    expect(ok.status).toBe(200);
    expect(
      h.gh.registerRunnerWithToken(regToken, { name: 'manual-1', labels: ['ecs'], version: '2.330.0' }).name,
    ).toBe('manual-1');

    h.clock.advance(61 * 60 * 1000);
    const late = await call(h.gh, 'POST', '/actions/runner-registration', {
      auth: `RemoteAuth ${regToken}`,
      body: { url: `https://github.com/${ORG}` },
    });
    expect(late.status).toBe(404);
    const e = connectError(() =>
      h.gh.registerRunnerWithToken(regToken, { name: 'manual-2', labels: ['ecs'], version: '2.330.0' }),
    );
    expect(e.code).toBe('token_expired');
  });

  it('does not register with a remove token', async () => {
    const res = await call(h.gh, 'POST', `/orgs/${ORG}/actions/runners/remove-token`, {
      auth: `token ${token}`,
    });
    const removeToken = (res.json as { token: string }).token;
    expect(
      connectError(() =>
        h.gh.registerRunnerWithToken(removeToken, { name: 'm', labels: ['ecs'], version: '2.330.0' }),
      ).code,
    ).toBe('token_expired');
  });
});
