/** Jobs and webhook deliveries: routing by labels, signed workflow_job payloads, the App's delivery log, failure injection. */
import { spawnSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';
import { DeliveryRecord, httpDeliver } from '../support/fake-github';
import {
  APP_ID,
  call,
  Harness,
  INSTALLATION_ID,
  jitRunner,
  ORG,
  startHarness,
  WEBHOOK_SECRET,
} from './harness';

interface Received {
  id: string;
  event: string;
  headers: Record<string, string>;
  body: string;
}

/** A webhook endpoint that records what it got and answers `status`. */
function endpoint(status = 202): {
  received: Received[];
  deliver: (d: Received) => Promise<number>;
  setStatus(s: number): void;
} {
  const received: Received[] = [];
  let answer = status;
  return {
    received,
    deliver: async (d) => {
      received.push(d);
      return answer;
    },
    setStatus: (s) => (answer = s),
  };
}

function payload(d: Received): {
  action: string;
  workflow_job: Record<string, unknown>;
  [k: string]: unknown;
} {
  return JSON.parse(d.body) as { action: string; workflow_job: Record<string, unknown> };
}

/** Checks a signature with the real @octokit/webhooks-methods (ESM-only, so in a child Node process; 20 s bound). */
function octokitVerify(secret: string, body: string, signature: string): boolean {
  const script = `
    import { verify } from '@octokit/webhooks-methods';
    let input = '';
    process.stdin.on('data', (c) => (input += c));
    process.stdin.on('end', async () => {
      const { secret, body, signature } = JSON.parse(input);
      process.stdout.write(String(await verify(secret, body, signature)));
    });`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify({ secret, body, signature }),
    encoding: 'utf8',
    timeout: 20_000,
    cwd: process.cwd(),
  });
  if (out.status !== 0) throw new Error(`webhooks-methods check failed: ${out.stderr}`);
  return out.stdout === 'true';
}

describe('fake GitHub: workflow_job deliveries', () => {
  let h: Harness;
  let hook: ReturnType<typeof endpoint>;
  let token: string;
  beforeEach(async () => {
    hook = endpoint();
    h = await startHarness({ deliver: hook.deliver });
    token = await h.installationToken();
  });
  afterEach(async () => {
    await h.gh.close();
  });

  it('sends "queued" with GitHub\'s headers and payload shape', async () => {
    const job = h.gh.queueJob({ repo: 'app', labels: ['self-hosted', 'linux', 'ecs'] });
    await h.gh.settled();
    expect(hook.received).toHaveLength(1);
    const d = hook.received[0] as Received;
    expect(d.event).toBe('workflow_job');
    expect(d.headers['x-github-event']).toBe('workflow_job');
    expect(d.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.id).toBe(d.headers['x-github-delivery']);
    expect(d.headers['x-github-hook-installation-target-id']).toBe(String(APP_ID));
    const body = payload(d);
    expect(body.action).toBe('queued');
    expect(body.workflow_job).toEqual(
      expect.objectContaining({
        id: job.id,
        run_id: job.runId,
        status: 'queued',
        labels: ['self-hosted', 'linux', 'ecs'],
        runner_name: null,
        runner_id: null,
      }),
    );
    expect(body.repository).toEqual(
      expect.objectContaining({
        full_name: `${ORG}/app`,
        name: 'app',
        owner: expect.objectContaining({ login: ORG }),
      }),
    );
    expect(body.organization).toEqual(expect.objectContaining({ login: ORG }));
    expect(body.installation).toEqual(expect.objectContaining({ id: INSTALLATION_ID }));
    expect(job.id).toBeGreaterThan(2 ** 31);
  });

  it('signs X-Hub-Signature-256 with the webhook secret: verifiable with node:crypto and @octokit/webhooks-methods', async () => {
    h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
    await h.gh.settled();
    const d = hook.received[0] as Received;
    const signature = d.headers['x-hub-signature-256'] as string;
    const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(d.body).digest('hex')}`;
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
    expect(octokitVerify(WEBHOOK_SECRET, d.body, signature)).toBe(true);
    expect(octokitVerify('another-secret', d.body, signature)).toBe(false);
    expect(octokitVerify(WEBHOOK_SECRET, d.body.replace('queued', 'complete'), signature)).toBe(false);
  });

  it('assigns a queued job to an idle online runner that has all its labels (case-insensitive) and sends in_progress, then completed', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-000000000301', ['linux', 'X64', 'ecs']);
    const job = h.gh.queueJob({ repo: 'app', labels: ['Self-Hosted', 'LINUX', 'x64'] });
    expect(h.gh.job(job.id)?.status).toBe('queued'); // the runner is registered but not started
    h.gh.connectRunner(r.encoded, '2.330.0');
    expect(h.gh.job(job.id)).toEqual(
      expect.objectContaining({ status: 'in_progress', runnerName: r.name, runnerId: r.id }),
    );
    h.gh.completeJob(job.id, 'success');
    await h.gh.settled();
    const actions = hook.received.map((d) => payload(d));
    expect(actions.map((p) => p.action)).toEqual(['queued', 'in_progress', 'completed']);
    expect(actions[1]?.workflow_job).toEqual(
      expect.objectContaining({
        status: 'in_progress',
        runner_name: r.name,
        runner_id: r.id,
        runner_group_id: 2,
        runner_group_name: 'ecs',
      }),
    );
    expect(actions[2]?.workflow_job).toEqual(
      expect.objectContaining({ status: 'completed', conclusion: 'success', runner_name: r.name }),
    );
    // Ephemeral: the runner is gone from the list after its job.
    expect(h.gh.runners().map((x) => x.id)).not.toContain(r.id);
  });

  it('does not give a job to a runner that lacks one of its labels, nor to a busy one', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-000000000302', ['linux', 'ecs']);
    h.gh.connectRunner(r.encoded, '2.330.0');
    const arm = h.gh.queueJob({ repo: 'app', labels: ['self-hosted', 'ARM64'] });
    expect(h.gh.job(arm.id)?.status).toBe('queued');
    const first = h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
    const second = h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
    expect(h.gh.job(first.id)?.status).toBe('in_progress');
    expect(h.gh.job(second.id)?.status).toBe('queued');
  });

  it('fails the job of a runner that goes away mid-job; the ephemeral runner has had its one job and is removed', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-000000000303', ['ecs']);
    h.gh.connectRunner(r.encoded, '2.330.0');
    const job = h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
    h.gh.disconnectRunner(r.name);
    expect(h.gh.job(job.id)).toEqual(expect.objectContaining({ status: 'completed', conclusion: 'failure' }));
    expect(h.gh.runners().map((x) => x.id)).not.toContain(r.id);
    expect(h.gh.allRunners().find((x) => x.id === r.id)).toEqual(
      expect.objectContaining({ status: 'offline', busy: false, deleted: true }),
    );
  });

  it("serves the jobs API: GET a job, runs?status=queued, a run's jobs; 404 for another repository", async () => {
    const job = h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
    const got = await call(h.gh, 'GET', `/repos/${ORG}/app/actions/jobs/${job.id}`, {
      auth: `token ${token}`,
    });
    expect(got.status).toBe(200);
    expect(got.json).toEqual(
      expect.objectContaining({ id: job.id, status: 'queued', labels: ['ecs'], runner_name: null }),
    );
    expect(
      (await call(h.gh, 'GET', `/repos/${ORG}/other/actions/jobs/${job.id}`, { auth: `token ${token}` }))
        .status,
    ).toBe(404);
    const runs = await call(h.gh, 'GET', `/repos/${ORG}/app/actions/runs?status=queued`, {
      auth: `token ${token}`,
    });
    expect((runs.json as { workflow_runs: { id: number }[] }).workflow_runs.map((r) => r.id)).toEqual([
      job.runId,
    ]);
    const jobs = await call(h.gh, 'GET', `/repos/${ORG}/app/actions/runs/${job.runId}/jobs`, {
      auth: `token ${token}`,
    });
    expect((jobs.json as { total_count: number }).total_count).toBe(1);
    h.gh.cancelJob(job.id);
    const after = await call(h.gh, 'GET', `/repos/${ORG}/app/actions/runs?status=queued`, {
      auth: `token ${token}`,
    });
    expect((after.json as { total_count: number }).total_count).toBe(0);
  });

  it('drives jobs over HTTP too: POST /_fake/jobs and /_fake/jobs/{id}/complete', async () => {
    const r = await jitRunner(h.gh, token, 'dazn-ecs-000000000304', ['ecs']);
    const created = await call(h.gh, 'POST', '/_fake/jobs', { body: { repo: 'app', labels: ['ecs'] } });
    expect(created.status).toBe(201);
    const id = (created.json as { id: number }).id;
    await call(h.gh, 'POST', '/_fake/runner/connect', {
      body: { jit_config: r.encoded, version: '2.330.0' },
    });
    const done = await call(h.gh, 'POST', `/_fake/jobs/${id}/complete`, { body: { conclusion: 'failure' } });
    expect(done.json).toEqual(
      expect.objectContaining({ status: 'completed', conclusion: 'failure', runner_name: r.name }),
    );
    const state = await call(h.gh, 'GET', '/_fake/state');
    expect((state.json as { jobs: unknown[] }).jobs).toHaveLength(1);
  });
});

describe('fake GitHub: the App delivery log', () => {
  let h: Harness;
  let hook: ReturnType<typeof endpoint>;
  beforeEach(async () => {
    hook = endpoint();
    h = await startHarness({ deliver: hook.deliver });
  });
  afterEach(async () => {
    await h.gh.close();
  });

  it("lists deliveries newest first with GitHub's fields, cursor pagination and a Link header", async () => {
    for (let i = 0; i < 5; i++) h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
    await h.gh.settled();
    const first = await call(h.gh, 'GET', '/app/hook/deliveries?per_page=2', { auth: `Bearer ${h.jwt()}` });
    expect(first.status).toBe(200);
    const page1 = first.json as Record<string, unknown>[];
    expect(page1).toHaveLength(2);
    expect(Object.keys(page1[0] as object).sort()).toEqual(
      expect.arrayContaining([
        'id',
        'guid',
        'delivered_at',
        'redelivery',
        'status',
        'status_code',
        'event',
        'action',
        'installation_id',
      ]),
    );
    expect(page1[0]).toEqual(
      expect.objectContaining({
        status: 'OK',
        status_code: 202,
        event: 'workflow_job',
        action: 'queued',
        redelivery: false,
      }),
    );
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] as string;
    expect(next).toContain('cursor=');
    const seen = page1.map((d) => d.id as number);
    let url: string | undefined = next;
    while (url) {
      const res = await call(h.gh, 'GET', url.replace(h.gh.url, ''), { auth: `Bearer ${h.jwt()}` });
      seen.push(...(res.json as { id: number }[]).map((d) => d.id));
      url = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    }
    expect(seen).toHaveLength(5);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it('records an endpoint failure and redelivers it with the same GUID, marked redelivery', async () => {
    hook.setStatus(500);
    h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
    await h.gh.settled();
    const failed = await call(h.gh, 'GET', '/app/hook/deliveries?status=failure', {
      auth: `Bearer ${h.jwt()}`,
    });
    const [d] = failed.json as { id: number; guid: string; status_code: number; status: string }[];
    expect(d).toEqual(expect.objectContaining({ status_code: 500, status: 'Invalid HTTP Response: 500' }));
    hook.setStatus(202);
    const again = await call(h.gh, 'POST', `/app/hook/deliveries/${d?.id}/attempts`, {
      auth: `Bearer ${h.jwt()}`,
    });
    expect(again.status).toBe(202);
    await h.gh.settled();
    expect(hook.received.map((x) => x.id)).toEqual([d?.guid, d?.guid]);
    expect(hook.received[1]?.body).toBe(hook.received[0]?.body);
    const log = h.gh.deliveries();
    expect(log[1]).toEqual(expect.objectContaining({ guid: d?.guid, redelivery: true, statusCode: 202 }));
    const detail = await call(h.gh, 'GET', `/app/hook/deliveries/${d?.id}`, { auth: `Bearer ${h.jwt()}` });
    expect((detail.json as { request: { payload: { action: string } } }).request.payload.action).toBe(
      'queued',
    );
  });

  it('refuses to redeliver after 3 days, and refuses the log to an installation token', async () => {
    h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
    await h.gh.settled();
    const id = (h.gh.deliveries()[0] as DeliveryRecord).id;
    h.clock.advance(3 * 24 * 60 * 60 * 1000 + 1000);
    expect(
      (await call(h.gh, 'POST', `/app/hook/deliveries/${id}/attempts`, { auth: `Bearer ${h.jwt()}` })).status,
    ).toBe(422);
    expect(
      (await call(h.gh, 'POST', '/app/hook/deliveries/1/attempts', { auth: `Bearer ${h.jwt()}` })).status,
    ).toBe(404);
    const token = await h.installationToken();
    expect((await call(h.gh, 'GET', '/app/hook/deliveries', { auth: `token ${token}` })).status).toBe(401);
  });
});

describe('fake GitHub: delivery failure injection', () => {
  it('drops a seeded fraction the same way every run; dropped ones are logged as failed and never POSTed', async () => {
    const runs: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const hook = endpoint();
      const h = await startHarness({ deliver: hook.deliver });
      try {
        h.gh.dropDeliveries(0.3, { seed: 7 });
        for (let i = 0; i < 40; i++) h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
        await h.gh.settled();
        const dropped = h.gh.deliveries().filter((d) => d.dropped);
        expect(dropped.length).toBeGreaterThan(4);
        expect(dropped.length).toBeLessThan(24);
        expect(hook.received).toHaveLength(40 - dropped.length);
        expect(dropped.every((d) => d.statusCode === 0 && d.status !== 'OK')).toBe(true);
        runs.push(dropped.map((d) => h.gh.deliveries().indexOf(d)));
      } finally {
        await h.gh.close();
      }
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it("drops by predicate; mode 'missing' leaves no trace in the log", async () => {
    const hook = endpoint();
    const h = await startHarness({ deliver: hook.deliver });
    try {
      h.gh.dropDeliveries((d) => d.action === 'queued', { mode: 'missing' });
      h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
      await h.gh.settled();
      expect(hook.received).toHaveLength(0);
      expect(h.gh.deliveries()).toHaveLength(0);
    } finally {
      await h.gh.close();
    }
  });

  it('duplicates deliveries: the same GUID and body twice', async () => {
    const hook = endpoint();
    const h = await startHarness({ deliver: hook.deliver });
    try {
      h.gh.duplicateDeliveries(1);
      h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
      await h.gh.settled();
      expect(hook.received).toHaveLength(2);
      expect(hook.received[0]?.id).toBe(hook.received[1]?.id);
      expect(hook.received[0]?.body).toBe(hook.received[1]?.body);
    } finally {
      await h.gh.close();
    }
  });

  it('holds deliveries during an outage when asked, and sends them on tick() after it ends', async () => {
    const hook = endpoint();
    const h = await startHarness({ deliver: hook.deliver });
    try {
      h.gh.setOutage(h.clock.now(), h.clock.now() + 120_000, { webhooks: 'held' });
      h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
      h.gh.tick();
      await h.gh.settled();
      expect(hook.received).toHaveLength(0);
      h.clock.advance(120_000);
      h.gh.tick();
      await h.gh.settled();
      expect(hook.received).toHaveLength(1);
    } finally {
      await h.gh.close();
    }
  });

  it('records a delivery whose endpoint throws as timed out', async () => {
    const h = await startHarness({ deliver: () => Promise.reject(new Error('connect ECONNREFUSED')) });
    try {
      h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
      await h.gh.settled();
      expect(h.gh.deliveries()[0]).toEqual(expect.objectContaining({ statusCode: 0, status: 'Timed out' }));
    } finally {
      await h.gh.close();
    }
  });
});

describe("fake GitHub: delivering over HTTP, within GitHub's 10 s", () => {
  it('logs a delivery as timed out when the endpoint answers after the limit, and settled() still waits for the handler', async () => {
    let finished = false;
    const h = await startHarness({
      deliveryTimeoutMs: 100,
      deliver: async () => {
        await new Promise((r) => setTimeout(r, 300));
        finished = true;
        return 200;
      },
    });
    try {
      h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
      await h.gh.settled();
      expect(finished).toBe(true);
      expect(h.gh.deliveries()[0]).toEqual(expect.objectContaining({ statusCode: 0, status: 'Timed out' }));
    } finally {
      await h.gh.close();
    }
  });

  it("httpDeliver POSTs the raw body with GitHub's headers and answers the status; 0 when nothing listens", async () => {
    const got: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
    const h = await startHarness({ deliver: httpDeliver(url) });
    try {
      h.gh.queueJob({ repo: 'app', labels: ['ecs'] });
      await h.gh.settled();
      expect(got).toHaveLength(1);
      const d = h.gh.deliveries()[0] as DeliveryRecord;
      expect(got[0]?.body).toBe(d.body);
      expect(got[0]?.headers['x-hub-signature-256']).toBe(d.headers['x-hub-signature-256']);
      expect(got[0]?.headers['x-github-event']).toBe('workflow_job');
      expect(d).toEqual(expect.objectContaining({ statusCode: 204, status: 'OK' }));
    } finally {
      await h.gh.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
    const unreachable = await httpDeliver(url, 2000)({ id: 'x', event: 'ping', headers: {}, body: '{}' });
    expect(unreachable).toBe(0);
  });
});
