/**
 * What a workflow_job event means for the scaler, shared by the webhook and by the reconciler's
 * replay of lost deliveries: queued starts one runner for the first pool that serves the job's
 * labels; in_progress and completed keep the books.
 */
import { isOurs } from './names';
import type { WorkflowJob } from './ports';
import { routeJob } from './routing';
import { type Deps, startRunner } from './start-runner';

/** How long a webhook or reconciler may hold a job while it starts its runner, ms. */
export const JOB_LEASE_MS = 60_000;

export type JobOutcome = 'started' | 'pending' | 'duplicate' | 'ignored' | 'recorded';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** null when the payload is not a workflow_job event the scaler can read. */
export function parseWorkflowJob(payload: unknown): WorkflowJob | null {
  if (!isObject(payload) || typeof payload.action !== 'string') return null;
  const job = payload.workflow_job;
  const repository = payload.repository;
  if (!isObject(job) || !isObject(repository) || typeof job.id !== 'number') return null;
  const owner = isObject(repository.owner) ? repository.owner.login : undefined;
  if (typeof owner !== 'string' || typeof repository.name !== 'string') return null;
  const labels = Array.isArray(job.labels)
    ? job.labels.filter((l): l is string => typeof l === 'string')
    : [];
  return {
    action: payload.action,
    jobId: job.id,
    runId: typeof job.run_id === 'number' ? job.run_id : 0,
    owner,
    repo: repository.name,
    labels,
    runnerName: typeof job.runner_name === 'string' && job.runner_name !== '' ? job.runner_name : null,
    status: typeof job.status === 'string' ? job.status : payload.action,
  };
}

export async function processJobEvent(deps: Deps, job: WorkflowJob, deadline: number): Promise<JobOutcome> {
  const { config, state, log } = deps;
  switch (job.action) {
    case 'queued': {
      const pool = routeJob(job.labels, config.pools);
      if (!pool) {
        log.info('no pool serves the job, ignored', {
          job: job.jobId,
          repo: `${job.owner}/${job.repo}`,
          labels: job.labels,
        });
        return 'ignored';
      }
      const fresh = await state.createJob(
        { jobId: job.jobId, owner: job.owner, repo: job.repo, pool: pool.name, labels: job.labels },
        JOB_LEASE_MS,
      );
      if (!fresh) {
        log.info('job already has a runner or is being served', { job: job.jobId, pool: pool.name });
        return 'duplicate';
      }
      const result = await startRunner(deps, pool, { jobId: job.jobId, labels: job.labels }, deadline);
      if (result.started) {
        await state.setJobStatus(job.jobId, 'served');
        return 'started';
      }
      // The reconciler picks pending jobs up again each minute (after checking they are still queued).
      await state.setJobStatus(job.jobId, 'pending');
      log.warn('no runner started yet, job left for the reconciler', {
        job: job.jobId,
        pool: pool.name,
        reason: result.reason,
        detail: result.detail,
      });
      return 'pending';
    }
    case 'in_progress': {
      if (job.runnerName && isOurs(job.runnerName, config.runnerNamePrefix)) {
        // GitHub gives a job to any idle runner with its labels, not to the one started for it. When
        // a runner started for another job took this one, that job has lost its runner: it is pending
        // again, and the reconciler starts one if it is still queued.
        const runner = await state.getRunner(job.runnerName);
        if (runner?.jobId != null && runner.jobId !== job.jobId) {
          const owed = await state.getJob(runner.jobId);
          if (owed?.status === 'served') await state.setJobStatus(runner.jobId, 'pending');
        }
        await state.updateRunner(job.runnerName, { busy: true, jobId: job.jobId });
      }
      // The job runs: the scaler owes it nothing more.
      await state.deleteJob(job.jobId);
      return 'recorded';
    }
    case 'completed': {
      if (job.runnerName && isOurs(job.runnerName, config.runnerNamePrefix)) {
        if (await state.releaseRunner(job.runnerName))
          log.info('runner finished its job', { runner: job.runnerName, job: job.jobId });
      }
      await state.deleteJob(job.jobId);
      return 'recorded';
    }
    default:
      return 'ignored';
  }
}
