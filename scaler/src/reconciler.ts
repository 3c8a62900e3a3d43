/**
 * The reconciler, run every minute by an EventBridge schedule. In order:
 *  1. lost deliveries: queued workflow_job deliveries in the App's delivery log that the webhook never
 *     processed are replayed (payload from the log; the job checked with the jobs API first);
 *  2. pending jobs (no runner yet: pool full, capacity, outage) get a runner if still queued;
 *  3. runners of this scaler (name prefix only): not online within RUNNER_START_TIMEOUT_SECONDS ->
 *     task stopped and registration deleted; offline -> deleted; finished -> count released;
 *  4. per pool, idle runners beyond the warm minimum (office hours in TIME_ZONE) and idle longer than
 *     RUNNER_IDLE_TIMEOUT_SECONDS are removed: registration DELETE first (GitHub answers 422 while the
 *     runner is busy, then it stays), StopTask only after; missing warm runners are started.
 * A busy runner is never stopped. Every step is bounded by the invocation's deadline (monotonic ms,
 * Clock.elapsed).
 */
import { JOB_LEASE_MS, parseWorkflowJob, processJobEvent } from './jobs';
import { isOurs } from './names';
import type { GitHubRunner, RunnerRecord, ScalerTask } from './ports';
import { isOfficeHours } from './schedule';
import { type Deps, parameterName, startRunner } from './start-runner';

/** A runner record younger than this may not have its registration or task yet, ms. */
export const REGISTRATION_GRACE_MS = 120_000;
/** How far back the first scan of the delivery log looks, and the overlap of later scans, ms. */
const FIRST_SCAN_MS = 60 * 60_000;
const SCAN_OVERLAP_MS = 5 * 60_000;
/** A pending job older than this is dropped (GitHub cancels jobs queued for 24 h), ms. */
const JOB_MAX_AGE_MS = 24 * 3600_000;

export interface ReconcileReport {
  deliveriesReplayed: number;
  pendingServed: number;
  pendingDropped: number;
  neverOnline: number;
  offlineDeleted: number;
  finishedReleased: number;
  idleRemoved: number;
  busyKept: number;
  warmStarted: number;
  orphanTasksStopped: number;
  errors: string[];
}

export async function reconcile(deps: Deps, deadline: number): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    deliveriesReplayed: 0,
    pendingServed: 0,
    pendingDropped: 0,
    neverOnline: 0,
    offlineDeleted: 0,
    finishedReleased: 0,
    idleRemoved: 0,
    busyKept: 0,
    warmStarted: 0,
    orphanTasksStopped: 0,
    errors: [],
  };
  const step = async (name: string, work: () => Promise<void>): Promise<void> => {
    if (deps.clock.elapsed() >= deadline) {
      report.errors.push(`${name}: no time left`);
      return;
    }
    try {
      await work();
    } catch (error) {
      report.errors.push(`${name}: ${(error as Error).message}`);
      deps.log.error(`reconciler step failed: ${name}`, { error });
    }
  };
  await step('deliveries', () => recoverDeliveries(deps, deadline, report));
  await step('pending jobs', () => servePendingJobs(deps, deadline, report));
  await step('runners', () => manageRunners(deps, deadline, report));
  deps.log.info('reconciled', { ...report });
  return report;
}

async function recoverDeliveries(deps: Deps, deadline: number, report: ReconcileReport): Promise<void> {
  const { github, state, clock, log } = deps;
  const scanStart = clock.now();
  const cursor = await state.getCursor('deliveries');
  const since = cursor === null ? scanStart - FIRST_SCAN_MS : cursor - SCAN_OVERLAP_MS;
  const deliveries = await github.listDeliveries(since);
  // queued ones start runners; in_progress ones tell which job lost its runner to another.
  const queued = deliveries.filter(
    (d) => d.event === 'workflow_job' && (d.action === 'queued' || d.action === 'in_progress'),
  );
  // A delivery the webhook answered 2xx and recorded is done. One that failed is looked at once by
  // the reconciler (marked replay:<guid>), whatever the webhook recorded: its undo may have failed too.
  const seen = await state.knownDeliveries(queued.flatMap((d) => [d.guid, `replay:${d.guid}`]));
  for (const delivery of queued) {
    const answered = delivery.statusCode >= 200 && delivery.statusCode < 300;
    if (seen.has(`replay:${delivery.guid}`) || (answered && seen.has(delivery.guid))) continue;
    seen.add(`replay:${delivery.guid}`);
    if (clock.elapsed() >= deadline) return; // cursor not moved: the rest is scanned next time
    const job = parseWorkflowJob(await github.deliveryPayload(delivery.id));
    if (!job) {
      await state.claimDelivery(`replay:${delivery.guid}`);
      continue;
    }
    if (job.action === 'in_progress') {
      await processJobEvent(deps, job, deadline);
    } else if ((await state.getJob(job.jobId)) === null) {
      const status = await github.jobStatus(job.owner, job.repo, job.jobId);
      if (status === 'queued') {
        log.info('replaying a lost delivery', {
          delivery: delivery.guid,
          job: job.jobId,
          statusCode: delivery.statusCode,
        });
        const outcome = await processJobEvent(deps, job, deadline);
        if (outcome === 'started' || outcome === 'pending') report.deliveriesReplayed++;
      }
    }
    await state.claimDelivery(`replay:${delivery.guid}`);
  }
  await state.setCursor('deliveries', scanStart);
}

async function servePendingJobs(deps: Deps, deadline: number, report: ReconcileReport): Promise<void> {
  const { config, github, state, clock, log } = deps;
  const jobs = await state.listJobs();
  const now = clock.now();
  const counts = await state.counts();
  for (const job of jobs) {
    if (job.status === 'served' || (job.status === 'starting' && job.leaseUntil > now)) continue;
    if (clock.elapsed() >= deadline) return;
    const pool = config.pools.find((p) => p.name === job.pool);
    if (!pool || now - job.createdAt > JOB_MAX_AGE_MS) {
      await state.deleteJob(job.jobId);
      report.pendingDropped++;
      continue;
    }
    // Without room in the pool (or a fallback) asking GitHub about the job would be a wasted call.
    const fallback = pool.fallbackPool ? config.pools.find((p) => p.name === pool.fallbackPool) : undefined;
    const room = (p: typeof pool): boolean => (counts.pools[p.name] ?? 0) < p.maxRunners;
    if (counts.global >= config.maxRunners || (!room(pool) && !(fallback && room(fallback)))) continue;
    if (!(await state.leaseJob(job.jobId, JOB_LEASE_MS))) continue;
    let status: string | null;
    try {
      status = await github.jobStatus(job.owner, job.repo, job.jobId);
    } catch (error) {
      await state.setJobStatus(job.jobId, 'pending');
      throw error;
    }
    if (status !== 'queued') {
      await state.deleteJob(job.jobId);
      report.pendingDropped++;
      continue;
    }
    const result = await startRunner(deps, pool, { jobId: job.jobId, labels: job.labels }, deadline);
    if (result.started) {
      await state.setJobStatus(job.jobId, 'served');
      counts.global++;
      counts.pools[result.pool] = (counts.pools[result.pool] ?? 0) + 1;
      report.pendingServed++;
    } else {
      await state.setJobStatus(job.jobId, 'pending');
      log.warn('pending job still without a runner', {
        job: job.jobId,
        pool: pool.name,
        reason: result.reason,
      });
    }
  }
}

async function manageRunners(deps: Deps, deadline: number, report: ReconcileReport): Promise<void> {
  const { config, github, ecs, ssm, state, clock, log } = deps;
  const prefix = config.runnerNamePrefix;
  // Order matters: a record is written before its registration and its task, so reading GitHub and
  // ECS first means every registration or task seen here whose record is missing is really orphaned.
  const registrations = await github.listRunners(prefix);
  const clusters = [...new Set(config.pools.map((p) => p.cluster))];
  const tasks = await ecs.listTasks(clusters);
  const records = await state.listRunners();
  const now = clock.now();
  const regByName = new Map(registrations.map((r) => [r.name, r]));
  const taskByName = new Map<string, ScalerTask>();
  for (const task of tasks)
    if (task.runnerName && isOurs(task.runnerName, prefix)) taskByName.set(task.runnerName, task);
  const recordNames = new Set(records.map((r) => r.name));

  /** Registration first (GitHub refuses while busy), then the task, then the parameter and the count. */
  const retire = async (
    record: RunnerRecord | null,
    name: string,
    reg: GitHubRunner | undefined,
  ): Promise<boolean> => {
    if (reg) {
      const deleted = await github.deleteRunner(reg.id);
      if (deleted === 'busy') {
        report.busyKept++;
        if (record) await state.updateRunner(name, { busy: true });
        return false;
      }
    }
    const task = taskByName.get(name);
    if (task) await ecs.stopTask(task.cluster, task.taskArn, `dazn-scaler: runner ${name} retired`);
    await ssm.deleteParameter(parameterName(config, name));
    if (record) await state.releaseRunner(name);
    return true;
  };

  const ready = new Map<string, RunnerRecord[]>(); // pool -> starting or idle runners
  const idle = new Map<string, { record: RunnerRecord; reg: GitHubRunner }[]>();
  for (const record of records) {
    if (clock.elapsed() >= deadline) return;
    const reg = regByName.get(record.name);
    const age = now - record.createdAt;
    try {
      if (reg?.busy) {
        if (!record.busy) await state.updateRunner(record.name, { busy: true });
        continue;
      }
      if (reg && reg.status === 'online') {
        if (record.idleSince === null) {
          record.idleSince = now;
          await state.updateRunner(record.name, { idleSince: now });
        }
        (ready.get(record.pool) ?? ready.set(record.pool, []).get(record.pool))?.push(record);
        (idle.get(record.pool) ?? idle.set(record.pool, []).get(record.pool))?.push({ record, reg });
        continue;
      }
      if (reg) {
        // offline: still starting, or failed / gone away
        const wasOnline = record.idleSince !== null || record.busy;
        if (!wasOnline && age < config.runnerStartTimeoutSeconds * 1000) {
          (ready.get(record.pool) ?? ready.set(record.pool, []).get(record.pool))?.push(record);
          continue;
        }
        if (await retire(record, record.name, reg)) {
          if (wasOnline) report.offlineDeleted++;
          else report.neverOnline++;
          log.warn(
            wasOnline
              ? 'offline runner deleted'
              : 'runner never came online: task stopped, registration deleted',
            {
              runner: record.name,
              pool: record.pool,
              ageSeconds: Math.round(age / 1000),
            },
          );
        }
        continue;
      }
      // no registration: not registered yet, or its one job is done (GitHub removes ephemeral runners)
      if (age < REGISTRATION_GRACE_MS) {
        (ready.get(record.pool) ?? ready.set(record.pool, []).get(record.pool))?.push(record);
        continue;
      }
      await retire(record, record.name, undefined);
      report.finishedReleased++;
    } catch (error) {
      report.errors.push(`runner ${record.name}: ${(error as Error).message}`);
      log.error('could not reconcile a runner', { runner: record.name, error });
    }
  }

  // Registrations and tasks of this scaler without a record: left over from a crash between steps.
  for (const reg of registrations) {
    if (recordNames.has(reg.name) || reg.busy || clock.elapsed() >= deadline) continue;
    try {
      if (await retire(null, reg.name, reg)) report.offlineDeleted++;
    } catch (error) {
      report.errors.push(`registration ${reg.name}: ${(error as Error).message}`);
    }
  }
  for (const [name, task] of taskByName) {
    if (recordNames.has(name) || regByName.has(name) || now - task.createdAt < REGISTRATION_GRACE_MS)
      continue;
    try {
      await ecs.stopTask(task.cluster, task.taskArn, `dazn-scaler: task of unknown runner ${name}`);
      report.orphanTasksStopped++;
    } catch (error) {
      report.errors.push(`task ${task.taskArn}: ${(error as Error).message}`);
    }
  }

  const office = isOfficeHours(now, config.officeHours, config.timeZone);
  for (const pool of config.pools) {
    if (clock.elapsed() >= deadline) return;
    const warm = office ? pool.warm.officeHours : pool.warm.otherHours;
    const readyCount = ready.get(pool.name)?.length ?? 0;
    const candidates = (idle.get(pool.name) ?? [])
      .filter(({ record }) => now - (record.idleSince ?? now) >= config.runnerIdleTimeoutSeconds * 1000)
      .sort((a, b) => (a.record.idleSince ?? 0) - (b.record.idleSince ?? 0));
    let excess = readyCount - warm;
    for (const { record, reg } of candidates) {
      if (excess <= 0 || clock.elapsed() >= deadline) break;
      try {
        if (await retire(record, record.name, reg)) {
          excess--;
          report.idleRemoved++;
          log.info('idle runner removed', { runner: record.name, pool: pool.name, warm });
        }
      } catch (error) {
        report.errors.push(`idle ${record.name}: ${(error as Error).message}`);
      }
    }
    for (let missing = warm - readyCount; missing > 0 && clock.elapsed() < deadline; missing--) {
      const result = await startRunner(deps, pool, null, deadline);
      if (!result.started) {
        log.warn('warm runner not started', {
          pool: pool.name,
          reason: result.reason,
          detail: result.detail,
        });
        break;
      }
      report.warmStarted++;
    }
  }
}
