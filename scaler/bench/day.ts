/**
 * The simulated day: the built bundles against the fake GitHub and moto with a fast clock.
 * 500 jobs in bursts over 30 simulated minutes across the seven pools, 5 % of webhooks lost (GitHub
 * logs them as failed), 2 % duplicated, a 2-minute GitHub outage (API 503, webhooks held until it
 * ends), one spot capacity shortage. The fake "runs" each started task as the image would: it reads
 * the JIT configuration from SSM, deletes it and connects; the task exits after its one job.
 * Not a timed test: it prints numbers.
 */
import { seededRandom } from '../test/support/fake-github';
import { type PoolSpec, startWorld } from '../test/helpers/scaler-world';

const SPEED = Number(process.env.SIM_SPEED ?? 20); // simulated seconds per real second
const JOBS = Number(process.env.SIM_JOBS ?? 500);
const BURST_MS = 30 * 60_000;
const random = seededRandom(Number(process.env.SIM_SEED ?? 11));

function labels(name: string): string[] {
  const [kind, arch, capacity] = name.split('-');
  return [
    'self-hosted',
    'linux',
    arch === 'arm64' ? 'ARM64' : 'X64',
    name,
    arch,
    capacity === 'spot' ? 'spot' : 'on-demand',
    kind,
  ];
}
const pool = (
  name: string,
  maxRunners: number,
  office: number,
  other: number,
  fallbackPool: string | null = null,
): PoolSpec => ({
  name,
  labels: labels(name),
  group: name.startsWith('ecs') ? 'ecs' : 'fargate',
  maxRunners,
  warm: { officeHours: office, otherHours: other },
  fallbackPool,
});
const POOLS: PoolSpec[] = [
  pool('ecs-x86_64-spot', 60, 4, 1, 'ecs-x86_64-ondemand'),
  pool('ecs-x86_64-ondemand', 40, 2, 0),
  pool('ecs-arm64-spot', 30, 2, 0, 'ecs-arm64-ondemand'),
  pool('ecs-arm64-ondemand', 20, 1, 0),
  pool('fargate-x86_64-spot', 40, 2, 0, 'fargate-x86_64-ondemand'),
  pool('fargate-x86_64-ondemand', 30, 1, 0),
  pool('fargate-arm64-ondemand', 20, 1, 0),
];
/** Share of jobs per pool; the rest ask only [self-hosted, linux, X64] (first pool, with fallback). */
const WEIGHTS = [0.25, 0.12, 0.12, 0.08, 0.12, 0.08, 0.08];

const load = (path: string): unknown => {
  // A fresh module instance = a fresh Lambda instance.
  Reflect.deleteProperty(require.cache, require.resolve(path));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path);
};

interface Arrival {
  at: number;
  labels: string[];
  durationMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  // Tuesday 2026-12-01 06:50 in Berlin (05:50 UTC): office hours begin ten minutes in.
  const start = Date.UTC(2026, 11, 1, 5, 50);
  const realLog = process.stdout.write.bind(process.stdout);
  const logLines: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logLines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  const out = (line: string): void => void realLog(line + '\n');

  const world = await startWorld({
    pools: POOLS,
    load,
    speed: SPEED,
    startMs: start,
    base64Every: 3,
    env: { MAX_RUNNERS: '220' },
  });
  const { gh, clock } = world;
  try {
    // Bursts: five waves of jobs over 30 minutes, starting 08:55 Berlin.
    const burstStart = Date.UTC(2026, 11, 1, 7, 55);
    const arrivals: Arrival[] = [];
    for (let i = 0; i < JOBS; i++) {
      const wave = Math.floor(random() * 5);
      const at = burstStart + wave * (BURST_MS / 5) + Math.floor(random() * random() * (BURST_MS / 5));
      let r = random();
      let chosen = -1;
      for (let p = 0; p < WEIGHTS.length; p++) {
        if (r < WEIGHTS[p]) {
          chosen = p;
          break;
        }
        r -= WEIGHTS[p];
      }
      arrivals.push({
        at,
        labels: chosen < 0 ? ['self-hosted', 'linux', 'X64'] : ['self-hosted', POOLS[chosen].name],
        durationMs: (2 + random() * 8) * 60_000,
      });
    }
    arrivals.sort((a, b) => a.at - b.at);
    const outageAt = burstStart + 11 * 60_000;
    const shortageFrom = burstStart + 17 * 60_000;
    const shortageTo = shortageFrom + 6 * 60_000;

    gh.dropDeliveries(0.05, { seed: 5, mode: 'failed' });
    gh.duplicateDeliveries(0.02, { seed: 7 });

    const durations = new Map<number, number>();
    const jobIds: number[] = [];
    const seen = new Map<string, number>(); // task -> first seen (sim ms)
    const peak = new Map<string, number>();
    let nextReconcile = clock.now();
    let next = 0;
    let outageSet = false;
    let shortage = false;
    const end = burstStart + BURST_MS + 45 * 60_000;
    // Before the burst nothing happens but the reconciler's warm-up: jump through it.
    while (clock.now() < end) {
      const now = clock.now();
      if (!outageSet && now >= outageAt - 60_000) {
        gh.setOutage(outageAt, outageAt + 2 * 60_000, { webhooks: 'held' });
        outageSet = true;
      }
      if (!shortage && now >= shortageFrom && now < shortageTo) {
        world.proxy.shortage(['-spot']);
        shortage = true;
      } else if (shortage && now >= shortageTo) {
        world.proxy.shortage(null);
        shortage = false;
      }
      while (next < arrivals.length && arrivals[next].at <= now) {
        const job = gh.queueJob({ repo: `dazn/app-${next % 40}`, labels: arrivals[next].labels });
        durations.set(job.id, arrivals[next].durationMs);
        jobIds.push(job.id);
        next++;
      }
      gh.tick();
      // the image: a task's runner is online 20-45 simulated seconds after the task appeared
      await world.runTasks((task) => {
        const arn = task.taskArn ?? '';
        if (!seen.has(arn)) seen.set(arn, now);
        return now - (seen.get(arn) ?? now) >= 20_000 + (arn.charCodeAt(arn.length - 1) % 26) * 1000;
      });
      for (const job of gh.jobs()) {
        if (
          job.status === 'in_progress' &&
          job.startedAtMs !== null &&
          now - job.startedAtMs >= (durations.get(job.id) ?? 0)
        ) {
          gh.completeJob(job.id);
        }
      }
      await world.exitTasks();
      const live = await world.scalerTasks();
      const perPool = new Map<string, number>();
      for (const t of live) {
        const p = t.tags?.find((g) => g.key === 'dazn:pool')?.value ?? '?';
        perPool.set(p, (perPool.get(p) ?? 0) + 1);
      }
      for (const [p, n] of perPool) peak.set(p, Math.max(peak.get(p) ?? 0, n));
      if (now >= nextReconcile) {
        nextReconcile = now + 60_000;
        const report = await world.reconcile();
        if (report.errors.length > 0)
          out(
            `  reconciler at ${new Date(now).toISOString().slice(11, 19)} UTC: ${report.errors.join('; ')}`,
          );
      }
      if (next === 0 && clock.now() < burstStart - 5 * 60_000) clock.advance(55_000); // quiet morning
      if (
        next >= arrivals.length &&
        gh.jobs().every((j) => j.status === 'completed' || !jobIds.includes(j.id))
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await gh.settled();

    const jobs = gh.jobs().filter((j) => jobIds.includes(j.id));
    const neverServed = jobs.filter((j) => j.startedAtMs === null).length;
    const waits = jobs
      .filter((j) => j.startedAtMs !== null)
      .map((j) => ((j.startedAtMs ?? 0) - j.createdAtMs) / 1000)
      .sort((a, b) => a - b);
    if (process.env.SIM_DEBUG === '1') {
      const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
      const items = await world.ddb.send(new ScanCommand({ TableName: 'dazn-scaler-state' }));
      const records = new Map((items.Items ?? []).map((i) => [i.pk?.S ?? '', i]));
      for (const j of jobs.filter((x) => x.startedAtMs === null)) {
        const r = records.get(`job#${j.id}`);
        const d = gh
          .deliveries()
          .filter((x) => x.body.includes(`"id":${j.id},`))
          .map((x) => `${x.action}:${x.statusCode}${x.dropped ? 'dropped' : ''}`);
        out(
          `  never served ${j.id} ${j.labels.join(',')} ${j.status} record=${r ? `${r.jobStatus?.S} attempts ${r.attempts?.N}` : 'none'} deliveries=${d.join(' ')}`,
        );
      }
    }
    const ranJob = new Set(jobs.map((j) => j.runnerName).filter((n): n is string => n !== null));
    const idleStarted = [...world.taskNames].filter((n) => !ranJob.has(n)).length;
    const apiCalls = gh.apiCallCount();
    const failedDeliveries = gh.deliveries().filter((d) => d.dropped).length;
    const duplicates =
      gh.deliveries().filter((d) => !d.redelivery).length - new Set(gh.deliveries().map((d) => d.guid)).size;

    out('');
    out(
      `simulated day: ${jobs.length} jobs from ${new Date(burstStart).toISOString().slice(11, 16)} UTC over 30 min, speed ${SPEED}x`,
    );
    out(
      `  injected: ${failedDeliveries} webhooks lost (logged as failed), ${duplicates} duplicated, GitHub outage 2 min at ${new Date(outageAt).toISOString().slice(11, 16)} UTC, spot shortage 6 min (${world.proxy.refusedRunTasks()} RunTask refused)`,
    );
    out('');
    out('| measure | value |');
    out('| --- | --- |');
    out(`| jobs never served | ${neverServed} |`);
    out(`| busy runners stopped | ${world.busyStopped.length} |`);
    out(
      `| runners started for nothing (no job; warm minimum included) | ${idleStarted} of ${world.taskNames.size} |`,
    );
    out(
      `| queued -> job on a runner, p50 / p95 (simulated s) | ${Math.round(percentile(waits, 50))} / ${Math.round(percentile(waits, 95))} |`,
    );
    out(
      `| GitHub API calls (all, token requests included) / per job | ${apiCalls} / ${(apiCalls / Math.max(jobs.length, 1)).toFixed(1)} |`,
    );
    out('');
    out('| pool | peak runners | max_runners |');
    out('| --- | --- | --- |');
    for (const p of POOLS) out(`| ${p.name} | ${peak.get(p.name) ?? 0} | ${p.maxRunners} |`);
    out('');
    const leaked = logLines.join('').match(/-----BEGIN [A-Z ]*PRIVATE KEY|ghs_[A-Za-z0-9]{20,}/g);
    if (leaked) out(`WARNING: ${leaked.length} secret-looking strings in the scaler's logs`);
    out(
      `scaler-sim: ${jobs.length} jobs, ${neverServed} never served, ${world.busyStopped.length} busy stopped, ${idleStarted} idle started, p50 ${Math.round(percentile(waits, 50))} s, p95 ${Math.round(percentile(waits, 95))} s, ${(apiCalls / Math.max(jobs.length, 1)).toFixed(1)} api calls/job`,
    );
  } finally {
    if (process.env.SIM_LOG) (await import('node:fs')).writeFileSync(process.env.SIM_LOG, logLines.join(''));
    process.stdout.write = realLog;
    await world.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`scaler-sim failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
