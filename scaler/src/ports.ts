/**
 * The boundaries of the scaler's logic. webhook.ts, reconciler.ts and start-runner.ts only see these
 * interfaces; github.ts (Octokit), ecs.ts, ssm.ts and state.ts implement them. Unit tests fake them;
 * the integration tests run the bundles against the fake GitHub and moto.
 */
import type { PoolConfig } from './config';

export interface GitHubRunner {
  id: number;
  name: string;
  status: 'online' | 'offline';
  busy: boolean;
}

export interface Delivery {
  id: number;
  guid: string;
  deliveredAt: number;
  event: string;
  action: string | null;
  statusCode: number;
  redelivery: boolean;
}

/** The part of a workflow_job payload the scaler uses. */
export interface WorkflowJob {
  action: string;
  jobId: number;
  runId: number;
  owner: string;
  repo: string;
  labels: string[];
  runnerName: string | null;
  status: string;
}

export type DeleteResult = 'deleted' | 'busy' | 'gone';

export interface GitHubPort {
  runnerGroupId(group: string): Promise<number>;
  generateJitConfig(input: {
    name: string;
    runnerGroupId: number;
    labels: string[];
    workFolder: string;
  }): Promise<{ runnerId: number; encodedJitConfig: string }>;
  /** 422 (runner busy) is 'busy', 404 is 'gone'. */
  deleteRunner(id: number): Promise<DeleteResult>;
  /** Every registration of the organisation whose name starts with `${prefix}-` (all pages). */
  listRunners(prefix: string): Promise<GitHubRunner[]>;
  getRunner(id: number): Promise<GitHubRunner | null>;
  /** null when the job no longer exists. */
  jobStatus(owner: string, repo: string, jobId: number): Promise<string | null>;
  /** The App's delivery log, newest first, back to `sinceMs`. */
  listDeliveries(sinceMs: number): Promise<Delivery[]>;
  deliveryPayload(id: number): Promise<unknown>;
  /** Requests this client sent (for the simulated day's API calls per job). */
  requestCount(): number;
}

export type RunTaskOutcome =
  { ok: true; taskArn: string } | { ok: false; kind: 'capacity' | 'throttled' | 'other'; reason: string };

export interface ScalerTask {
  taskArn: string;
  cluster: string;
  runnerName: string | null;
  pool: string | null;
  lastStatus: string;
  createdAt: number;
}

export interface EcsPort {
  runTask(pool: PoolConfig, runnerName: string, parameterName: string): Promise<RunTaskOutcome>;
  stopTask(cluster: string, taskArn: string, reason: string): Promise<void>;
  /** Tasks started by the scaler (startedBy) that have not stopped, in the given clusters. */
  listTasks(clusters: string[]): Promise<ScalerTask[]>;
}

export interface SsmPort {
  putJitConfig(
    parameterName: string,
    value: string,
    tags: { pool: string; runnerName: string },
  ): Promise<void>;
  /** Ignores a parameter that is already gone (the task read and deleted it). */
  deleteParameter(parameterName: string): Promise<void>;
}

export interface RunnerRecord {
  name: string;
  pool: string;
  createdAt: number;
  jobId: number | null;
  runnerId: number | null;
  taskArn: string | null;
  cluster: string | null;
  /** First time the reconciler saw it online and idle. */
  idleSince: number | null;
  busy: boolean;
}

export interface JobRecord {
  jobId: number;
  owner: string;
  repo: string;
  pool: string;
  labels: string[];
  status: 'starting' | 'pending' | 'served';
  leaseUntil: number;
  createdAt: number;
  attempts: number;
}

export type Reservation = { ok: true } | { ok: false; full: 'pool' | 'global' };

export interface StatePort {
  /** true the first time a delivery id is seen; false for a redelivery. */
  claimDelivery(guid: string): Promise<boolean>;
  forgetDelivery(guid: string): Promise<void>;
  /** The ones among these delivery ids already processed. */
  knownDeliveries(guids: string[]): Promise<Set<string>>;
  /** Creates the job's record in state 'starting' with a lease; false when it already exists. */
  createJob(
    job: Omit<JobRecord, 'status' | 'leaseUntil' | 'createdAt' | 'attempts'>,
    leaseMs: number,
  ): Promise<boolean>;
  /** pending (or an expired lease) -> starting; false when someone else holds it. */
  leaseJob(jobId: number, leaseMs: number): Promise<boolean>;
  setJobStatus(jobId: number, status: 'pending' | 'served'): Promise<void>;
  deleteJob(jobId: number): Promise<void>;
  getJob(jobId: number): Promise<JobRecord | null>;
  listJobs(): Promise<JobRecord[]>;
  /** Atomically counts the runner against its pool's and the global maximum and records it. */
  reserveRunner(record: RunnerRecord, poolMax: number, globalMax: number): Promise<Reservation>;
  updateRunner(
    name: string,
    fields: Partial<Omit<RunnerRecord, 'name' | 'pool' | 'createdAt'>>,
  ): Promise<void>;
  /** Removes the record and releases its count exactly once; false when it was already released. */
  releaseRunner(name: string): Promise<boolean>;
  listRunners(): Promise<RunnerRecord[]>;
  getRunner(name: string): Promise<RunnerRecord | null>;
  counts(): Promise<{ global: number; pools: Record<string, number> }>;
  getCursor(name: string): Promise<number | null>;
  setCursor(name: string, value: number): Promise<void>;
}

/**
 * now(): wall-clock ms since the epoch, for what GitHub and the office hours mean by time (ages,
 * leases, idle since). elapsed(): monotonic ms, for budgets and deadlines of one invocation, which must
 * not move when the wall clock is set or, in the simulated day, runs fast.
 */
export interface Clock {
  now(): number;
  elapsed(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  elapsed: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
