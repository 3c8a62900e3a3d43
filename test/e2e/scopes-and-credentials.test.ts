/**
 * Where entries are written and read (the run's ref, the pull request's base branch, the default
 * branch), and which credentials each step uses (OIDC role, default-branch role, default chain).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_AWS_ENV } from '../support/moto';
import { TEST_DEFAULT_BRANCH_ROLE_ARN, TEST_ROLE_ARN } from '../support/cache-env';
import { expectExit, Job, JobOptions, runJob } from '../support/runner';
import { writeTree } from '../support/tree';
import { output, postStep, setupWorld, TEST_TIMEOUT_MS } from './world';

const world = setupWorld();

const FEATURE: JobOptions = { ref: 'refs/heads/feature/login' };
const SIBLING: JobOptions = { ref: 'refs/heads/feature/other' };
const PULL_REQUEST: JobOptions = { pullRequest: { number: 7, base: 'develop', head: 'feature/login' } };

async function restore(job: Job, key: string) {
  return expectExit(await job.step({ action: 'cache', with: { path: 'deps', key } }), 0);
}

function restoredText(job: Job): string {
  return readFileSync(join(job.workspace, 'deps', 'who.txt'), 'utf8');
}

describe('scopes', () => {
  it(
    "a feature branch reads the default branch's entry, and its own scope first",
    async () => {
      const prefix = world.env.newPrefix();
      await Promise.all([
        world.seed(prefix, 'scope-1', { 'who.txt': 'main' }),
        world.seed(prefix, 'scope-2', { 'who.txt': 'main' }),
        world.seed(prefix, 'scope-2', { 'who.txt': 'feature' }, FEATURE),
      ]);

      // scopes first, keys second: a restore key in the branch's own scope wins over an exact key on main
      const [fromDefault, own, ownScopeFirst] = [1, 2, 3].map(() => world.job(prefix, FEATURE));
      const [hit, ownHit, ordered] = await Promise.all([
        restore(fromDefault, 'scope-1'),
        restore(own, 'scope-2'),
        ownScopeFirst.step({
          action: 'cache',
          with: { path: 'deps', key: 'scope-1', 'restore-keys': 'scope-' },
        }),
      ]);
      expect(output(hit, 'cache-hit')).toBe('true');
      expect(output(hit, 'cache-matched-key')).toBe('scope-1');
      expect(restoredText(fromDefault)).toBe('main');
      expect(output(ownHit, 'cache-hit')).toBe('true');
      expect(restoredText(own)).toBe('feature');
      expectExit(ordered, 0);
      expect(output(ordered, 'cache-matched-key')).toBe('scope-2');
      expect(output(ordered, 'cache-hit')).toBe('false');
      expect(restoredText(ownScopeFirst)).toBe('feature');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "the default branch and other branches never read a feature branch's entry",
    async () => {
      const prefix = world.env.newPrefix();
      await world.seed(prefix, 'feature-only', { 'who.txt': 'feature' }, FEATURE);
      const [onDefault, onSibling, same] = await Promise.all(
        [{}, SIBLING, FEATURE].map((options) => restore(world.job(prefix, options), 'feature-only')),
      );
      for (const step of [onDefault, onSibling]) {
        expect(output(step, 'cache-hit')).toBe('');
        expect(output(step, 'cache-matched-key')).toBe('');
      }
      expect(output(same, 'cache-hit')).toBe('true');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a pull request reads its base branch's entry and writes only its own scope",
    async () => {
      const prefix = world.env.newPrefix();
      await world.seed(prefix, 'base-1', { 'who.txt': 'develop' }, { ref: 'refs/heads/develop' });
      const pr = world.job(prefix, PULL_REQUEST);
      const run = await runJob(pr, {
        with: { path: 'deps', key: 'pr-1', 'restore-keys': 'base-' },
        between: () => writeTree(join(pr.workspace, 'deps'), { 'who.txt': 'pull request' }),
      });
      expect(output(expectExit(run.main, 0), 'cache-matched-key')).toBe('base-1');
      expect(output(run.main, 'cache-hit')).toBe('false');
      expect(restoredText(pr)).toBe('pull request');
      expectExit(postStep(run), 0);

      const samePr = world.job(prefix, PULL_REQUEST);
      const [develop, again] = await Promise.all([
        restore(world.job(prefix, { ref: 'refs/heads/develop' }), 'pr-1'),
        restore(samePr, 'pr-1'),
      ]);
      expect(output(develop, 'cache-hit')).toBe('');
      expect(output(again, 'cache-hit')).toBe('true');
      expect(restoredText(samePr)).toBe('pull request');
    },
    TEST_TIMEOUT_MS,
  );
});

describe('credentials', () => {
  it(
    'assumes role-to-assume through OIDC in the main and again in the post step, the default-branch role on the default branch',
    async () => {
      const prefix = world.env.newPrefix();
      const roles = { DAZN_CACHE_DEFAULT_BRANCH_ROLE_ARN: TEST_DEFAULT_BRANCH_ROLE_ARN };
      const calls = world.env.proxy.assumeRoleCalls;
      const oidcBefore = world.env.oidc.requests.length;

      const feature = world.job(prefix, { ...FEATURE, env: roles, runId: '4711' });
      const callsBefore = calls.length;
      const run = await runJob(feature, {
        with: { path: 'deps', key: 'role-1' },
        between: () => writeTree(join(feature.workspace, 'deps'), { 'who.txt': 'feature' }),
      });
      expectExit(run.main, 0);
      expectExit(postStep(run), 0);
      const featureCalls = calls.slice(callsBefore);
      expect(featureCalls.map((c) => [c.action, c.roleArn, c.status])).toEqual([
        ['AssumeRoleWithWebIdentity', TEST_ROLE_ARN, 200],
        ['AssumeRoleWithWebIdentity', TEST_ROLE_ARN, 200],
      ]);
      const requests = world.env.oidc.requests.slice(oidcBefore);
      expect(requests.map((r) => [r.audience, r.authorized])).toEqual([
        ['sts.amazonaws.com', true],
        ['sts.amazonaws.com', true],
      ]);
      expect(featureCalls.map((c) => c.webIdentityToken)).toEqual(requests.map((r) => r.token));
      for (const call of featureCalls) {
        expect(call.roleSessionName).toMatch(/^[\w+=,.@-]{2,64}$/);
        expect(call.roleSessionName).toContain('4711');
      }

      // sts-endpoint unset: STS is reached at the S3 endpoint (here the recording proxy)
      const onDefault = world.job(prefix, { env: { ...roles, DAZN_CACHE_STS_ENDPOINT: undefined } });
      const defaultBefore = calls.length;
      expectExit(await onDefault.step({ action: 'cache', with: { path: 'deps', key: 'role-1' } }), 0);
      expect(calls.slice(defaultBefore).map((c) => c.roleArn)).toEqual([TEST_DEFAULT_BRANCH_ROLE_ARN]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "behind a proxy (https_proxy set) the token request goes through @actions/core's HTTP client, loaded on demand",
    async () => {
      const prefix = world.env.newPrefix();
      // Nothing listens on port 9; no_proxy keeps loopback (the fake token service) direct, as on a runner.
      const proxied = {
        https_proxy: 'http://127.0.0.1:9',
        http_proxy: 'http://127.0.0.1:9',
        no_proxy: '127.0.0.1,localhost',
      };
      const oidcBefore = world.env.oidc.requests.length;
      const job = world.job(prefix, { env: proxied });
      const step = expectExit(await job.step({ action: 'cache', with: { path: 'deps', key: 'proxy-1' } }), 0);
      expect(step.warnings).toEqual([]);
      const direct = world.job(prefix);
      expectExit(await direct.step({ action: 'cache', with: { path: 'deps', key: 'proxy-1' } }), 0);
      const [viaCore, own] = world.env.oidc.requests.slice(oidcBefore);
      expect(viaCore).toMatchObject({ audience: 'sts.amazonaws.com', authorized: true });
      expect(viaCore.userAgent).toBe('actions/oidc-client');
      expect(own).toMatchObject({ audience: 'sts.amazonaws.com', authorized: true });
      expect(own.userAgent).toBe('actions/oidc-client'); // ours sends core's User-Agent too
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'uses the default AWS credential chain when no role is set, and the default prefix `cache`',
    async () => {
      const prefix = world.env.newPrefix();
      const repository = `dazn/${prefix}`;
      const noRole = {
        DAZN_CACHE_PREFIX: undefined,
        DAZN_CACHE_ROLE_ARN: undefined,
        ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
        AWS_ACCESS_KEY_ID: TEST_AWS_ENV.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY,
      };
      const callsBefore = world.env.proxy.assumeRoleCalls.length;
      await world.seed(prefix, 'chain-1', { 'who.txt': 'chain' }, { env: noRole, repository });
      const stored = await world.env.list('cache/');
      expect(stored.filter((o) => o.key.includes(prefix))).toHaveLength(1);
      const job = world.job(prefix, { env: noRole, repository });
      const hit = await restore(job, 'chain-1');
      expect(output(hit, 'cache-hit')).toBe('true');
      expect(hit.warnings).toEqual([]);
      expect(world.env.proxy.assumeRoleCalls.length).toBe(callsBefore);
    },
    TEST_TIMEOUT_MS,
  );
});
