/**
 * Isolated mode end to end: the built action bundles with broker-url set, the built broker bundle
 * behind a loopback HTTP server (its own process), a fake GitHub OIDC provider that signs real RS256
 * job tokens with each job's claims and serves its JWKS, and moto (STS behind a proxy that refuses
 * what STS refuses, S3 behind the recording proxy).
 *
 * moto does not evaluate IAM policies, so these tests prove the layout and the wiring: which
 * repo-<id>/ref-<hash> folders each job reads and writes, that a read-only trigger writes nothing
 * and says why, that no secret leaks. That AWS refuses everything else for the same session tags is
 * proved by the IAM policy matrix over stack 02's rendered policies.
 */
import { scopeSegment } from '../../src/matching/isolation';
import { startBroker, type BrokerProcess } from '../support/broker';
import { startGitHubOidc, type GitHubJob, type GitHubOidc } from '../support/github-oidc';
import { TEST_AWS_ENV } from '../support/moto';
import { expectExit, Job, JobOptions, runJob, StepResult } from '../support/runner';
import { startStrictSts, type StrictSts } from '../support/strict-sts';
import { writeTree } from '../support/tree';
import { output, postStep, setupWorld, TEST_TIMEOUT_MS, writesIn } from './world';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const world = setupWorld();
const ROLE_ARN = 'arn:aws:iam::123456789012:role/dazn-cache-isolated';

let oidc: GitHubOidc;
let sts: StrictSts;
let broker: BrokerProcess;
const steps: StepResult[] = [];

beforeAll(async () => {
  oidc = await startGitHubOidc();
  sts = await startStrictSts(world.env.moto.endpoint);
  broker = await startBroker({
    ...TEST_AWS_ENV,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    CACHE_ROLE_ARN: ROLE_ARN,
    ALLOWED_OWNERS: 'dazn',
    OIDC_ISSUER: oidc.issuer,
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([broker?.stop(), sts?.stop(), oidc?.stop()]);
});

const REPO_A = { repository: 'dazn/app-a', repositoryId: '101' };
const REPO_B = { repository: 'dazn/app-b', repositoryId: '202' };

/** A runner job whose token (from the fake issuer) carries `claims`, with broker-url set. */
function brokerJob(prefix: string, claims: GitHubJob, options: JobOptions = {}): Job {
  return world.job(prefix, {
    repository: claims.repository,
    ref: claims.ref,
    ...options,
    env: {
      ...oidc.jobEnv(claims),
      DAZN_CACHE_BROKER_URL: broker.url,
      // Set at runner level in many setups: the broker must win over it.
      DAZN_CACHE_ROLE_ARN: 'arn:aws:iam::123456789012:role/must-not-be-assumed',
      GITHUB_EVENT_NAME: claims.eventName,
      ...options.env,
    },
  });
}

function record(step: StepResult): StepResult {
  steps.push(step);
  return step;
}

async function save(job: Job, key: string, text: string): Promise<StepResult> {
  writeTree(join(job.workspace, 'deps'), { 'who.txt': text });
  return record(expectExit(await job.step({ action: 'save', with: { path: 'deps', key } }), 0));
}

async function restore(job: Job, key: string, restoreKeys = ''): Promise<StepResult> {
  return record(
    expectExit(
      await job.step({ action: 'restore', with: { path: 'deps', key, 'restore-keys': restoreKeys } }),
      0,
    ),
  );
}

const restoredText = (job: Job): string | undefined => {
  const file = join(job.workspace, 'deps', 'who.txt');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};

async function keysUnder(prefix: string): Promise<string[]> {
  return (await world.env.list(`${prefix}/`)).map((o) => o.key.slice(prefix.length + 1));
}

describe('isolated mode (broker-url)', () => {
  it(
    "repository A's save is invisible to repository B's restore, and A reads it back",
    async () => {
      const prefix = world.env.newPrefix();
      const from = sts.calls.length;
      const pushA: GitHubJob = { ...REPO_A, ref: 'refs/heads/main', eventName: 'push' };
      const pushB: GitHubJob = { ...REPO_B, ref: 'refs/heads/main', eventName: 'push' };
      const saved = await save(brokerJob(prefix, pushA), 'deps-1', 'A');
      expect(saved.lines.join('\n')).toContain('Cache saved with key: deps-1');

      // The layout: the repository's id and the ref's hash, never the names.
      const keys = await keysUnder(prefix);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(new RegExp(`^repo-101/${scopeSegment('refs/heads/main')}/[0-9a-f]+/deps-1$`));

      const b = brokerJob(prefix, pushB);
      const missB = await restore(b, 'deps-1', 'deps-');
      expect(output(missB, 'cache-hit')).toBe('');
      expect(missB.lines.join('\n')).toContain('Cache not found for input keys: deps-1, deps-');
      expect(missB.lines.join('\n')).toContain(`s3://${world.env.bucket}/${prefix}/repo-202/`);
      expect(restoredText(b)).toBeUndefined();

      // The same name under another id (a deleted and re-created repository) is another repository.
      const recreated = brokerJob(prefix, { ...pushA, repositoryId: '303' });
      expect(output(await restore(recreated, 'deps-1'), 'cache-hit')).toBe('');

      const a = brokerJob(prefix, pushA);
      const hitA = await restore(a, 'deps-1');
      expect(output(hitA, 'cache-hit')).toBe('true');
      expect(restoredText(a)).toBe('A');

      // Each step asked the broker itself; the broker assumed the cache role with A's and B's tags.
      const calls = sts.calls.slice(from).filter((c) => c.status === 200);
      expect(calls.map((c) => c.tags['cache-repo'])).toEqual([
        'repo-101',
        'repo-202',
        'repo-303',
        'repo-101',
      ]);
      expect(calls.every((c) => c.roleArn === ROLE_ARN)).toBe(true);
      expect(world.env.proxy.assumeRoleCalls).toHaveLength(0); // role-to-assume was not used
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a feature branch restores the default branch's entry and saves into its own scope",
    async () => {
      const prefix = world.env.newPrefix();
      await save(
        brokerJob(prefix, { ...REPO_A, ref: 'refs/heads/main', eventName: 'push' }),
        'deps-1',
        'main',
      );
      const feature: GitHubJob = { ...REPO_A, ref: 'refs/heads/feature/login', eventName: 'push' };
      const job = brokerJob(prefix, feature);
      const callsBefore = sts.calls.length;
      const run = await runJob(job, {
        with: { path: 'deps', key: 'deps-2', 'restore-keys': 'deps-' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'who.txt': 'feature' }),
      });
      record(expectExit(run.main, 0));
      record(expectExit(postStep(run), 0));
      expect(output(run.main, 'cache-hit')).toBe('false');
      expect(output(run.main, 'cache-matched-key')).toBe('deps-1');
      expect(run.main.lines.join('\n')).toContain('Cache restored from key: deps-1');
      expect(postStep(run).lines.join('\n')).toContain('Cache saved with key: deps-2');
      // The post step asked the broker again (no credentials in step state): two sessions, one per step.
      expect(sts.calls.slice(callsBefore).map((c) => c.tags['cache-write'])).toEqual([
        scopeSegment('refs/heads/feature/login'),
        scopeSegment('refs/heads/feature/login'),
      ]);
      expect(JSON.stringify(run.main.state)).not.toMatch(/ASIA|secret|session/i);
      const keys = await keysUnder(prefix);
      expect(
        keys.filter((k) => k.startsWith(`repo-101/${scopeSegment('refs/heads/feature/login')}/`)),
      ).toHaveLength(1);
      expect(keys.filter((k) => k.startsWith(`repo-101/${scopeSegment('refs/heads/main')}/`))).toHaveLength(
        1,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a pull_request_target run restores but does not save, and the warning says why',
    async () => {
      const prefix = world.env.newPrefix();
      await save(
        brokerJob(prefix, { ...REPO_A, ref: 'refs/heads/main', eventName: 'push' }),
        'deps-1',
        'main',
      );
      const target: GitHubJob = {
        ...REPO_A,
        ref: 'refs/heads/main',
        eventName: 'pull_request_target',
        baseRef: 'main',
        headRef: 'contributor/patch',
      };
      const job = brokerJob(prefix, target);
      const before = world.env.proxy.requests.length;
      const run = await runJob(job, {
        with: { path: 'deps', key: 'deps-2', 'restore-keys': 'deps-' },
        between: () => writeTree(join(job.workspace, 'deps'), { 'who.txt': 'poisoned' }),
      });
      record(expectExit(run.main, 0));
      const post = record(expectExit(postStep(run), 0));
      expect(output(run.main, 'cache-matched-key')).toBe('deps-1');
      expect(post.warnings).toEqual([
        expect.stringMatching(
          /^Not saving the cache: the pull_request_target trigger can be set off by people without write access/,
        ),
      ]);
      expect(writesIn(world.env, before)).toEqual([]);
      expect(await keysUnder(prefix)).toHaveLength(1);
      expect(sts.calls[sts.calls.length - 1].tags['cache-write']).toBe('none');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a repository of another organisation is refused with a warning naming the broker and the fix',
    async () => {
      const prefix = world.env.newPrefix();
      const job = brokerJob(prefix, {
        repository: 'stranger/app',
        repositoryId: '404',
        ref: 'refs/heads/main',
        eventName: 'push',
      });
      const step = await restore(job, 'deps-1');
      expect(step.warnings.join('\n')).toContain(
        `The credential broker ${broker.url} refused this job (HTTP 403): repositories of stranger may not use this cache: add stranger to the broker's ALLOWED_OWNERS`,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it('never prints the job tokens or the broker-issued credentials, and masks them', () => {
    const issued = sts.calls.filter((c) => c.status === 200).map((c) => c.credentials);
    expect(issued.length).toBeGreaterThanOrEqual(8);
    const secrets = [...oidc.tokens(), ...issued.flatMap((c) => [c.secretAccessKey, c.sessionToken])].filter(
      (s) => s !== '',
    );
    const accessKeys = issued.map((c) => c.accessKeyId).filter((k) => k !== '');
    expect(steps.length).toBeGreaterThanOrEqual(8);
    for (const step of steps) {
      const log = step.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      for (const secret of secrets) {
        expect(log.includes(secret) ? `stdout has ${secret.slice(0, 6)}…` : 'clean').toBe('clean');
        expect(step.stderr.includes(secret) ? `stderr has ${secret.slice(0, 6)}…` : 'clean').toBe('clean');
      }
      for (const secret of [...secrets, ...accessKeys]) {
        expect(step.stateFile.includes(secret) ? `GITHUB_STATE has ${secret.slice(0, 6)}…` : 'clean').toBe(
          'clean',
        );
        expect(step.outputFile.includes(secret) ? `GITHUB_OUTPUT has ${secret.slice(0, 6)}…` : 'clean').toBe(
          'clean',
        );
      }
    }
    // Each step that got credentials masked the secret key and session token it was given.
    const masked = new Set(steps.flatMap((s) => s.masks));
    for (const c of issued) {
      if (c.secretAccessKey) expect(masked.has(c.secretAccessKey)).toBe(true);
    }
    // The broker's logs hold no token either.
    for (const token of oidc.tokens()) expect(broker.logs().includes(token)).toBe(false);
  });
});
