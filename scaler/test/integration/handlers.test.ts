/**
 * The built bundles (dist/webhook, dist/reconciler) called as Lambda calls them, against the fake
 * GitHub and moto (ECS behind the capacity proxy, SSM, DynamoDB, Secrets Manager) on loopback.
 */
import { GetParameterCommand, DescribeParametersCommand } from '@aws-sdk/client-ssm';
import { createHmac } from 'node:crypto';
import { type PoolSpec, type ScalerWorld, startWorld } from '../helpers/scaler-world';

const spotLabels = ['self-hosted', 'linux', 'X64', 'ecs-x64-spot', 'x86_64', 'spot', 'ecs'];
const ondemandLabels = ['self-hosted', 'linux', 'X64', 'ecs-x64-ondemand', 'x86_64', 'on-demand', 'ecs'];
const POOLS: PoolSpec[] = [
  {
    name: 'ecs-x64-spot',
    labels: spotLabels,
    group: 'ecs',
    maxRunners: 20,
    fallbackPool: 'ecs-x64-ondemand',
  },
  { name: 'ecs-x64-ondemand', labels: ondemandLabels, group: 'ecs', maxRunners: 20 },
  { name: 'small', labels: ['self-hosted', 'linux', 'ARM64', 'small'], group: 'fargate', maxRunners: 3 },
  {
    name: 'warm',
    labels: ['self-hosted', 'linux', 'ARM64', 'warm-pool'],
    group: 'fargate',
    maxRunners: 5,
    warm: { officeHours: 2, otherHours: 0 },
  },
];

const load = (path: string): unknown => {
  let loaded: unknown;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(path);
  });
  return loaded;
};

let world: ScalerWorld;
const logged: string[] = [];
const realWrite = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logged.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  // Tuesday 2026-12-01 09:00 UTC = 10:00 in Berlin: office hours.
  world = await startWorld({ pools: POOLS, load, base64Every: 2, env: { MAX_RUNNERS: '40' } });
}, 120_000);

afterAll(async () => {
  process.stdout.write = realWrite;
  await world?.close();
});

const jits = (): number => world.gh.apiCallCount('POST /orgs/{org}/actions/runners/generate-jitconfig');
const runnersNamed = (pool: string): string[] =>
  world.gh
    .allRunners()
    .filter((r) => r.name.startsWith(`dazn-${pool}-`))
    .map((r) => r.name);

async function queue(labels: string[]): Promise<number> {
  const job = world.gh.queueJob({ repo: 'dazn-test/app', labels });
  await world.gh.settled();
  return job.id;
}

describe('webhook', () => {
  it('starts one runner for a queued job: one JIT configuration, one SecureString, one RunTask without the secret', async () => {
    const before = jits();
    await queue(['self-hosted', 'linux', 'X64', 'spot']);
    expect(jits()).toBe(before + 1);
    const tasks = await world.scalerTasks();
    expect(tasks).toHaveLength(1);
    const task = tasks[0];
    const env = task.overrides?.containerOverrides?.[0]?.environment ?? [];
    expect(env.map((e) => e.name).sort()).toEqual(['RUNNER_JIT_PARAMETER', 'RUNNER_NAME']);
    const name = env.find((e) => e.name === 'RUNNER_NAME')?.value ?? '';
    expect(name).toMatch(/^dazn-ecs-x64-spot-[0-9a-f]{12}$/);
    expect(task.tags).toEqual(expect.arrayContaining([{ key: 'dazn:runner-name', value: name }]));
    const parameter = env.find((e) => e.name === 'RUNNER_JIT_PARAMETER')?.value ?? '';
    expect(parameter).toBe(`/dazn-runners/jit/${name}`);
    const described = await world.ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: [parameter] }] }),
    );
    expect(described.Parameters?.[0]?.Type).toBe('SecureString');
    const secret = await world.ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
    const jit = secret.Parameter?.Value ?? '';
    expect(jit.length).toBeGreaterThan(100);
    expect(JSON.stringify(task)).not.toContain(jit);
    expect(logged.join('')).not.toContain(jit);
    // the image's part: read, delete, connect; the job is assigned to it
    const ran = await world.runTasks();
    expect(ran.connected).toEqual([name]);
    expect(world.gh.jobs().filter((j) => j.runnerName === name)).toHaveLength(1);
    // every request carried the API version and a User-Agent, the token request included
    const requests = world.gh.requests();
    expect(requests.some((r) => r.route.includes('access_tokens'))).toBe(true);
    for (const r of requests) {
      expect(r.apiVersion).toBe('2022-11-28');
      expect(r.userAgent).toMatch(/^dazn-scaler\//);
    }
  });

  it('ignores a redelivery (same X-GitHub-Delivery), also on a fresh Lambda instance', async () => {
    const before = jits();
    const delivered = world.gh.deliveries().length;
    await queue(['self-hosted', 'linux', 'X64', 'ecs']);
    expect(jits()).toBe(before + 1);
    const record = world.gh
      .deliveries()
      .slice(delivered)
      .find((d) => d.action === 'queued');
    if (!record) throw new Error('no queued delivery recorded');
    const event = world.eventFor({ headers: record.headers, body: record.body });
    const again = await world.webhook(event);
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('duplicate');
    world.freshWebhook();
    const cold = await world.webhook(event);
    expect(cold.statusCode).toBe(200);
    expect(cold.body).toContain('duplicate');
    expect(jits()).toBe(before + 1);
  });

  it('answers 401 to a wrong or missing signature and starts nothing', async () => {
    const before = jits();
    const tasks = (await world.scalerTasks()).length;
    const body = JSON.stringify({ action: 'queued', workflow_job: { id: 999, labels: ['self-hosted'] } });
    const headers = {
      'x-github-event': 'workflow_job',
      'x-github-delivery': 'c0ffee00-0000-0000-0000-000000000001',
      'x-hub-signature-256': 'sha256=' + createHmac('sha256', 'another-secret').update(body).digest('hex'),
    };
    expect((await world.webhook(world.eventFor({ headers, body }))).statusCode).toBe(401);
    const unsigned: Record<string, string> = { ...headers };
    delete unsigned['x-hub-signature-256'];
    expect((await world.webhook(world.eventFor({ headers: unsigned, body }))).statusCode).toBe(401);
    expect(jits()).toBe(before);
    expect(await world.scalerTasks()).toHaveLength(tasks);
  });

  it('ignores a job whose labels no pool serves, with one log line', async () => {
    const before = jits();
    const mark = logged.length;
    await queue(['self-hosted', 'windows', 'X64']);
    expect(jits()).toBe(before);
    const lines = logged.slice(mark).filter((l) => l.includes('no pool serves the job'));
    expect(lines).toHaveLength(1);
    expect(world.answers[world.answers.length - 1].status).toBe(200);
  });

  it('holds max_runners under concurrent deliveries', async () => {
    const jobs = Array.from({ length: 8 }, () =>
      world.gh.queueJob({ repo: 'dazn-test/app', labels: ['small'] }),
    );
    await world.gh.settled();
    expect(jobs).toHaveLength(8);
    expect(runnersNamed('small')).toHaveLength(3);
    const small = (await world.scalerTasks()).filter((t) => t.tags?.some((g) => g.value === 'small'));
    expect(small).toHaveLength(3);
    // the other five wait as pending jobs for the reconciler
    const ids = new Set(jobs.map((j) => String(j.id)));
    const answered = world.answers.filter((a) => [...ids].some((id) => a.body.includes(id)));
    expect(answered.map((a) => JSON.parse(a.body).result).sort()).toEqual([
      ...Array(5).fill('pending'),
      ...Array(3).fill('started'),
    ]);
  });

  it('moves to the fallback pool when the spot pool has no capacity (after retrying)', async () => {
    world.proxy.shortage(['dazn-runners-ecs']);
    const refusedBefore = world.proxy.refusedRunTasks();
    const spotBefore = runnersNamed('ecs-x64-spot').length;
    const ondemandBefore = runnersNamed('ecs-x64-ondemand').length;
    // labels both pools carry: the fallback can serve it
    await queue(['self-hosted', 'linux', 'X64', 'x86_64']);
    world.proxy.shortage(null);
    expect(world.proxy.refusedRunTasks() - refusedBefore).toBeGreaterThanOrEqual(3);
    expect(runnersNamed('ecs-x64-ondemand')).toHaveLength(ondemandBefore + 1);
    // the spot registration made for the refused task was deleted again
    const spot = world.gh.allRunners().filter((r) => r.name.startsWith('dazn-ecs-x64-spot-'));
    expect(spot).toHaveLength(spotBefore + 1);
    expect(spot[spot.length - 1].deleted).toBe(true);
  });

  it('honours a secondary rate limit retry-after and then succeeds', async () => {
    const before = jits();
    world.gh.triggerSecondaryRateLimit(2);
    const started = Date.now();
    await queue(['self-hosted', 'linux', 'X64', 'spot']);
    const limited = world.gh.requests().filter((r) => r.status === 403 || r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(jits()).toBe(before + 2); // one refused, one answered
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(world.answers[world.answers.length - 1].body).toContain('started');
  });

  it('gets a fresh installation token once the old one expired (fake clock past an hour)', async () => {
    const tokens = (): number =>
      world.gh.apiCallCount('POST /app/installations/{installation_id}/access_tokens');
    const before = tokens();
    world.clock.advance(61 * 60_000);
    await queue(['self-hosted', 'linux', 'X64', 'spot']);
    expect(tokens()).toBeGreaterThan(before);
    expect(world.answers[world.answers.length - 1].body).toContain('started');
    expect(world.gh.requests().filter((r) => r.status === 401 && r.auth === 'installation')).toHaveLength(0);
  });
});

describe('reconciler', () => {
  it('replays a lost delivery of a still-queued job', async () => {
    await world.runTasks(); // earlier jobs take the runners started for them
    world.gh.dropDeliveries(() => true, { mode: 'failed' });
    const job = world.gh.queueJob({
      repo: 'dazn-test/app',
      labels: ['self-hosted', 'linux', 'X64', 'ecs-x64-ondemand'],
    });
    await world.gh.settled();
    world.gh.dropDeliveries(null);
    const before = jits();
    const report = await world.reconcile();
    expect(report.errors).toEqual([]);
    expect(report.deliveriesReplayed).toBe(1);
    expect(jits()).toBeGreaterThanOrEqual(before + 1);
    await world.runTasks();
    expect(world.gh.job(job.id)?.status).toBe('in_progress');
  });

  it('serves pending jobs once the pool has room again', async () => {
    await world.runTasks();
    const running = world.gh.jobs().filter((j) => j.labels.includes('small') && j.status === 'in_progress');
    expect(running).toHaveLength(3);
    for (const j of running) world.gh.completeJob(j.id);
    await world.gh.settled();
    await world.exitTasks();
    const report = await world.reconcile();
    expect(report.pendingServed).toBe(3);
  });

  it('keeps the warm minimum in office hours', async () => {
    await world.reconcile();
    const warm = world.gh.runners().filter((r) => r.name.startsWith('dazn-warm-'));
    expect(warm).toHaveLength(2);
    await world.reconcile();
    expect(world.gh.runners().filter((r) => r.name.startsWith('dazn-warm-'))).toHaveLength(2);
  });

  it('stops a runner that never came online and deletes its registration', async () => {
    await world.runTasks(); // every task so far connects
    await queue(['self-hosted', 'linux', 'X64', 'ecs-x64-ondemand']); // this one's task never starts its runner
    const name = runnersNamed('ecs-x64-ondemand').at(-1) ?? '';
    const task = (await world.scalerTasks()).find((t) => t.tags?.some((g) => g.value === name));
    expect(task).toBeDefined();
    world.clock.advance(11 * 60_000);
    const report = await world.reconcile();
    if (report.neverOnline === 0) {
      const runners = world.gh.allRunners().filter((r) => r.name === name);
      realWrite(JSON.stringify({ report, name, runners }) + '\n');
    }
    expect(report.neverOnline).toBeGreaterThanOrEqual(1);
    expect(world.gh.runners().some((r) => r.name === name)).toBe(false);
    const stopped = (await world.scalerTasks('STOPPED')).map((t) => t.taskArn);
    expect(stopped).toContain(task?.taskArn);
  });

  it('deletes offline runners and never stops a busy one (GitHub answers 422)', async () => {
    await world.runTasks();
    const busy = world.gh.runners().filter((r) => r.busy);
    expect(busy.length).toBeGreaterThan(0);
    const online = world.gh
      .runners()
      .find((r) => r.status === 'online' && !r.busy && r.name.startsWith('dazn-warm-'));
    if (!online) throw new Error('no idle warm runner online');
    world.gh.disconnectRunner(online.name); // its container died
    // make every idle runner old enough to be removed, and end office hours (warm minimum 0)
    world.clock.advance(12 * 3600_000);
    const busyTasks = new Set(
      (await world.scalerTasks())
        .filter((t) => busy.some((b) => t.tags?.some((g) => g.value === b.name)))
        .map((t) => t.taskArn),
    );
    await world.reconcile();
    const report = await world.reconcile();
    expect(report.errors).toEqual([]);
    expect(world.gh.runners().some((r) => r.name === online.name)).toBe(false);
    for (const b of busy) expect(world.gh.runners().find((r) => r.name === b.name)?.busy).toBe(true);
    const running = new Set((await world.scalerTasks()).map((t) => t.taskArn));
    for (const arn of busyTasks) expect(running.has(arn)).toBe(true);
  });

  it('never wrote a secret to the logs', () => {
    const text = logged.join('');
    expect(text.length).toBeGreaterThan(1000);
    expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY/);
    expect(text).not.toMatch(/\bghs_[A-Za-z0-9]{20,}/);
    expect(text).not.toContain('whsec-test-not-real');
    for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });
});
