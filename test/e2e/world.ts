/**
 * Per-file setup of the end-to-end suites: one CacheEnv (moto + OIDC + recording proxy) per test file,
 * simulated runner jobs that are cleaned up after each test, and small helpers for the common steps.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CacheEnv, startCacheEnv } from '../support/cache-env';
import { describeStep, expectExit, Job, JobOptions, JobRun, StepResult } from '../support/runner';
import { TreeSpec, writeTree } from '../support/tree';

/** Generous per-test timeout: the machine is shared and each step is a node process. */
export const TEST_TIMEOUT_MS = 180_000;

export interface World {
  readonly env: CacheEnv;
  /** A new runner machine whose steps reach this file's S3, STS and OIDC (role-to-assume set). */
  job(prefix: string, options?: JobOptions): Job;
  /** Saves `files` under `key` with the save/ action on a fresh machine of the given ref. */
  seed(prefix: string, key: string, files: TreeSpec, options?: SeedOptions): Promise<StepResult>;
}

export interface SeedOptions extends JobOptions {
  path?: string;
  /** The folder (under the workspace) the files are written to; the default path caches it. */
  folder?: string;
  /** More inputs of the save/ step (e.g. upload-chunk-size). */
  with?: Record<string, string>;
}

export function setupWorld(): World {
  let env: CacheEnv | undefined;
  const jobs: Job[] = [];
  beforeAll(async () => {
    env = await startCacheEnv();
  }, 60_000);
  afterEach(() => {
    for (const job of jobs.splice(0)) job.cleanup();
  });
  afterAll(async () => {
    await env?.stop();
  });
  const world: World = {
    get env(): CacheEnv {
      if (!env) throw new Error('the cache environment did not start');
      return env;
    },
    job(prefix, options = {}) {
      const job = new Job({ ...options, env: { ...world.env.settings(prefix), ...options.env } });
      jobs.push(job);
      return job;
    },
    async seed(prefix, key, files, options = {}) {
      const job = world.job(prefix, options);
      const folder = options.folder ?? 'deps';
      writeTree(join(job.workspace, folder), files);
      const step = await job.step({
        action: 'save',
        with: { path: options.path ?? folder, key, ...options.with },
      });
      return expectExit(step, 0);
    },
  };
  return world;
}

/** Empties a job's workspace, so the next restore starts from nothing. */
export function clearWorkspace(job: Job): void {
  for (const name of readdirSync(job.workspace))
    rmSync(join(job.workspace, name), { recursive: true, force: true });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Output value, '' when the step did not set it (upstream leaves cache-hit unset on a miss). */
export function output(step: StepResult, name: string): string {
  return step.outputs[name] ?? '';
}

/**
 * S3 requests a step made that write entries (PUT, POST, DELETE), from the recording proxy's log
 * slice. The restore's last-access tag (PUT ?tagging, src/manage/access.ts) changes no entry and is
 * left out; test/integration/manage.test.ts checks it.
 */
export function writesIn(env: CacheEnv, from: number, to = env.proxy.requests.length): string[] {
  return env.proxy.requests
    .slice(from, to)
    .filter(
      (r) =>
        r.stsAction === '' &&
        ['PUT', 'POST', 'DELETE'].includes(r.method) &&
        !/[?&]tagging(=|&|$)/.test(r.url),
    )
    .map((r) => `${r.method} ${r.url}`);
}

/** The post step of a job run; throws with the main step's log when it did not run. */
export function postStep(run: JobRun): StepResult {
  if (!run.post) throw new Error(`the post step did not run\n${describeStep(run.main)}`);
  return run.post;
}
