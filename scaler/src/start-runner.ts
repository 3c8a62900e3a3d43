/**
 * Starting one runner: reserve a place under the pool's and the global maximum, register it with a
 * JIT configuration (unique name, the pool's group and labels), hand the configuration to exactly one
 * task through an SSM SecureString, and RunTask. Every failure after a step undoes that step, so no
 * registration, parameter or count is left behind. ECS capacity errors are retried with backoff and
 * then moved to the pool's fallback pool (when its labels still serve the job).
 */
import type { PoolConfig, ScalerConfig } from './config';
import type { Logger } from './log';
import { runnerName } from './names';
import type { Clock, EcsPort, GitHubPort, SsmPort, StatePort } from './ports';
import { canServe } from './routing';

export interface Deps {
  config: ScalerConfig;
  github: GitHubPort;
  ecs: EcsPort;
  ssm: SsmPort;
  state: StatePort;
  log: Logger;
  clock: Clock;
}

export type StartResult =
  | { started: true; runnerName: string; pool: string; taskArn: string }
  | {
      started: false;
      reason: 'pool-full' | 'global-full' | 'capacity' | 'github' | 'aws' | 'deadline';
      detail: string;
    };

/** RunTask attempts per pool before the fallback pool: capacity often returns within seconds. */
const RUN_TASK_ATTEMPTS = 3;
/** Backoff between RunTask attempts, ms (doubled each time, with jitter). */
const RUN_TASK_BACKOFF_MS = 500;
/** Longest chain of fallback pools followed. */
const MAX_FALLBACKS = 3;

export function parameterName(config: ScalerConfig, name: string): string {
  return `${config.jitParameterPrefix}/${name}`;
}

/** The pools tried in order: the pool, then its fallbacks whose labels still serve the job. */
export function candidatePools(
  config: ScalerConfig,
  pool: PoolConfig,
  jobLabels: string[] | null,
): PoolConfig[] {
  const out = [pool];
  let current = pool;
  while (current.fallbackPool && out.length <= MAX_FALLBACKS) {
    const next = config.pools.find((p) => p.name === current.fallbackPool);
    if (!next || out.includes(next)) break;
    if (jobLabels === null || canServe(next.labels, jobLabels)) out.push(next);
    current = next;
  }
  return out;
}

export async function startRunner(
  deps: Deps,
  pool: PoolConfig,
  job: { jobId: number; labels: string[] } | null,
  deadline: number,
): Promise<StartResult> {
  // A warm runner has no job: it stays in its pool (its fallback would not keep that pool warm).
  const pools = job ? candidatePools(deps.config, pool, job.labels) : [pool];
  let last: StartResult = { started: false, reason: 'capacity', detail: 'no pool tried' };
  for (const candidate of pools) {
    last = await startInPool(deps, candidate, job?.jobId ?? null, deadline);
    if (last.started) return last;
    // Only a capacity shortage or a full pool moves on to the fallback; the global maximum, GitHub
    // and AWS errors would fail the same way there.
    if (last.reason !== 'capacity' && last.reason !== 'pool-full') return last;
    if (candidate !== pools[pools.length - 1]) {
      deps.log.warn('moving to the fallback pool', {
        pool: candidate.name,
        reason: last.reason,
        detail: last.detail,
      });
    }
  }
  return last;
}

async function startInPool(
  deps: Deps,
  pool: PoolConfig,
  jobId: number | null,
  deadline: number,
): Promise<StartResult> {
  const { config, github, ecs, ssm, state, log, clock } = deps;
  const name = runnerName(config.runnerNamePrefix, pool.name);
  const reservation = await state.reserveRunner(
    {
      name,
      pool: pool.name,
      createdAt: clock.now(),
      jobId,
      runnerId: null,
      taskArn: null,
      cluster: pool.cluster,
      idleSince: null,
      busy: false,
    },
    pool.maxRunners,
    config.maxRunners,
  );
  if (!reservation.ok) {
    return {
      started: false,
      reason: reservation.full === 'pool' ? 'pool-full' : 'global-full',
      detail:
        reservation.full === 'pool'
          ? `pool ${pool.name} has ${pool.maxRunners} runners`
          : `MAX_RUNNERS ${config.maxRunners} reached`,
    };
  }
  let runnerId: number | null = null;
  const parameter = parameterName(config, name);
  let parameterWritten = false;
  const undo = async (why: string): Promise<void> => {
    // Best effort, each step on its own: one failing must not keep the others from running.
    if (parameterWritten)
      await ssm
        .deleteParameter(parameter)
        .catch((e) => log.error('could not delete the JIT parameter', { parameter, error: e }));
    if (runnerId !== null) {
      const id = runnerId;
      await github
        .deleteRunner(id)
        .catch((e) =>
          log.error('could not delete the runner registration', { runner: name, runnerId: id, error: e }),
        );
    }
    await state
      .releaseRunner(name)
      .catch((e) => log.error('could not release the runner count', { runner: name, error: e }));
    log.warn('runner start undone', { runner: name, pool: pool.name, why });
  };
  try {
    const groupId = await github.runnerGroupId(pool.runnerGroup);
    const jit = await github.generateJitConfig({
      name,
      runnerGroupId: groupId,
      labels: pool.labels.filter((l) => l.toLowerCase() !== 'self-hosted'),
      workFolder: '_work',
    });
    runnerId = jit.runnerId;
    await state.updateRunner(name, { runnerId });
    await ssm.putJitConfig(parameter, jit.encodedJitConfig, { pool: pool.name, runnerName: name });
    parameterWritten = true;
  } catch (error) {
    const aws = parameterWritten || runnerId !== null;
    await undo(`${aws ? 'AWS' : 'GitHub'}: ${(error as Error).message}`);
    return { started: false, reason: aws ? 'aws' : 'github', detail: (error as Error).message };
  }

  let outcome: Awaited<ReturnType<EcsPort['runTask']>> = { ok: false, kind: 'other', reason: 'not tried' };
  for (let attempt = 1; attempt <= RUN_TASK_ATTEMPTS; attempt++) {
    try {
      outcome = await ecs.runTask(pool, name, parameter);
    } catch (error) {
      outcome = { ok: false, kind: 'other', reason: (error as Error).message };
    }
    if (outcome.ok || outcome.kind === 'other') break;
    const wait = RUN_TASK_BACKOFF_MS * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
    if (attempt === RUN_TASK_ATTEMPTS || clock.elapsed() + wait > deadline) break;
    log.warn('RunTask refused, retrying', {
      pool: pool.name,
      kind: outcome.kind,
      reason: outcome.reason,
      attempt,
    });
    await clock.sleep(wait);
  }
  if (!outcome.ok) {
    await undo(`RunTask: ${outcome.reason}`);
    return { started: false, reason: outcome.kind === 'other' ? 'aws' : 'capacity', detail: outcome.reason };
  }
  await state
    .updateRunner(name, { taskArn: outcome.taskArn })
    .catch((e) => log.error('could not record the task of a started runner', { runner: name, error: e }));
  log.info('runner started', { runner: name, pool: pool.name, job: jobId, task: outcome.taskArn });
  return { started: true, runnerName: name, pool: pool.name, taskArn: outcome.taskArn };
}
