/**
 * The REST endpoints of the fake GitHub the scaler calls, with GitHub's shapes, status codes and
 * error texts (the page behind each: fake-github-rules.ts DOCS). Authentication, rate limits and
 * permissions are checked before a handler runs (fake-github.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Clock } from './clock';
import {
  DOCS,
  INSTALLATION_TOKEN_TTL_MS,
  JIT_LABELS_MAX,
  JIT_LABELS_MIN,
  MESSAGES,
  REGISTRATION_TOKEN_TTL_MS,
  RUNNER_NAME_PATTERN,
} from './fake-github-rules';
import {
  Ctx,
  error,
  isoSeconds,
  LEVELS,
  linkHeader,
  paginate,
  PermissionLevel,
  Reply,
  Route,
  route,
  validation,
} from './fake-github-http';
import { FakeJob, FakeRunner, GitHubWorld } from './fake-github-world';
import { isRecord } from './jwt';

export interface TokenInfo {
  expiresAtMs: number;
  permissions: Record<string, PermissionLevel>;
}

export interface RouteDeps {
  org: string;
  orgId: number;
  appId: number;
  installationId: number;
  granted: Record<string, PermissionLevel>;
  runnerGroups: { id: number; name: string }[];
  clock: Clock;
  world: GitHubWorld;
  installationTokens: Map<string, TokenInfo>;
  registrationTokens: Map<string, { expiresAtMs: number; kind: 'registration' | 'remove' }>;
  rateSnapshot(key: string): Record<string, number | string>;
  baseUrl(): string;
}

export function buildRoutes(deps: RouteDeps): {
  routes: Route[];
  runnerJson(r: FakeRunner): Record<string, unknown>;
  jobJson(j: FakeJob): Record<string, unknown>;
} {
  const { orgId, granted, runnerGroups, clock, world, installationTokens, registrationTokens, rateSnapshot } =
    deps;
  const options = { appId: deps.appId, installationId: deps.installationId };
  const org = deps.org;
  const orgMatches = (ctx: Ctx): boolean => ctx.params.org?.toLowerCase() === org.toLowerCase();

  const runnerJson = (r: FakeRunner): Record<string, unknown> => ({
    id: r.id,
    name: r.name,
    os: r.os,
    status: r.status,
    busy: r.busy,
    ephemeral: r.ephemeral,
    labels: r.labels,
    runner_group_id: r.runnerGroupId,
  });

  const jobJson = (j: FakeJob): Record<string, unknown> => world.jobPayload(j);

  const runJson = (runId: number, jobs: FakeJob[]): Record<string, unknown> => {
    const first = jobs[0] as FakeJob;
    const status = jobs.every((j) => j.status === 'completed')
      ? 'completed'
      : jobs.every((j) => j.status === 'queued')
        ? 'queued'
        : 'in_progress';
    return {
      id: runId,
      name: first.workflowName,
      run_attempt: 1,
      status,
      conclusion:
        status === 'completed'
          ? jobs.some((j) => j.conclusion === 'failure')
            ? 'failure'
            : 'success'
          : null,
      head_branch: first.headBranch,
      head_sha: first.headSha,
      created_at: isoSeconds(first.createdAtMs),
      updated_at: isoSeconds(clock.now()),
      jobs_url: `${deps.baseUrl()}/repos/${first.repo}/actions/runs/${runId}/jobs`,
      repository: { full_name: first.repo },
    };
  };

  const mintRegistrationToken = (kind: 'registration' | 'remove'): Reply => {
    const token = randomBytes(20).toString('hex').toUpperCase().slice(0, 29);
    const expiresAtMs = clock.now() + REGISTRATION_TOKEN_TTL_MS;
    registrationTokens.set(token, { expiresAtMs, kind });
    return { status: 201, body: { token, expires_at: isoSeconds(expiresAtMs) } };
  };

  const routes: Route[] = [
    route('GET', '/app', 'jwt', () => ({
      status: 200,
      body: {
        id: options.appId,
        slug: 'dazn-runner-scaler',
        name: 'dazn runner scaler',
        owner: { login: org, id: orgId, type: 'Organization' },
        permissions: granted,
        events: ['workflow_job'],
        installations_count: 1,
      },
    })),
    route('GET', '/orgs/{org}/installation', 'jwt', (ctx) =>
      orgMatches(ctx)
        ? {
            status: 200,
            body: {
              id: options.installationId,
              app_id: options.appId,
              target_type: 'Organization',
              account: { login: org, id: orgId, type: 'Organization' },
              permissions: granted,
              events: ['workflow_job'],
              repository_selection: 'all',
            },
          }
        : error(404, MESSAGES.notFound, DOCS.installationToken),
    ),
    route('POST', '/app/installations/{installation_id}/access_tokens', 'jwt', (ctx) => {
      if (ctx.params.installation_id !== String(options.installationId))
        return error(404, MESSAGES.notFound, DOCS.installationToken);
      let permissions = granted;
      if (isRecord(ctx.body) && isRecord(ctx.body.permissions)) {
        const asked: Record<string, PermissionLevel> = {};
        for (const [name, level] of Object.entries(ctx.body.permissions)) {
          const have = granted[name];
          if (
            typeof level !== 'string' ||
            !(level in LEVELS) ||
            !have ||
            LEVELS[level as PermissionLevel] > LEVELS[have]
          ) {
            return error(
              422,
              'The permissions requested are not granted to this installation.',
              DOCS.installationToken,
            );
          }
          asked[name] = level as PermissionLevel;
        }
        permissions = asked;
      }
      const token = `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
      const expiresAtMs = clock.now() + INSTALLATION_TOKEN_TTL_MS;
      installationTokens.set(token, { expiresAtMs, permissions });
      return {
        status: 201,
        body: { token, expires_at: isoSeconds(expiresAtMs), permissions, repository_selection: 'all' },
      };
    }),
    route('GET', '/app/hook/deliveries', 'jwt', (ctx) => {
      const perPage = Math.min(
        100,
        Math.max(1, Number.parseInt(ctx.query.get('per_page') ?? '30', 10) || 30),
      );
      const statusFilter = ctx.query.get('status');
      let list = [...world.deliveries].reverse(); // newest first, as GitHub lists them
      if (statusFilter === 'success') list = list.filter((d) => d.statusCode >= 200 && d.statusCode < 300);
      if (statusFilter === 'failure') list = list.filter((d) => !(d.statusCode >= 200 && d.statusCode < 300));
      const cursor = ctx.query.get('cursor');
      if (cursor) {
        const before = Number.parseInt(Buffer.from(cursor, 'base64url').toString('utf8'), 10);
        if (!Number.isFinite(before)) return validation(`"cursor" is not valid.`, DOCS.appWebhookDeliveries);
        list = list.filter((d) => d.id < before);
      }
      const page = list.slice(0, perPage);
      const headers: Record<string, string> = {};
      const last = page[page.length - 1];
      if (list.length > perPage && last) {
        const q = new URLSearchParams(ctx.query);
        q.set('per_page', String(perPage));
        q.set('cursor', Buffer.from(String(last.id)).toString('base64url'));
        headers.link = `<${ctx.baseUrl}${ctx.path}?${q.toString()}>; rel="next"`;
      }
      return { status: 200, body: page.map((d) => world.deliveryJson(d)), headers };
    }),
    route('GET', '/app/hook/deliveries/{delivery_id}', 'jwt', (ctx) => {
      const d = world.deliveries.find((x) => String(x.id) === ctx.params.delivery_id);
      if (!d) return error(404, MESSAGES.notFound, DOCS.appWebhookDeliveries);
      return {
        status: 200,
        body: {
          ...world.deliveryJson(d),
          url: '',
          request: { headers: d.headers, payload: JSON.parse(d.body) as unknown },
          response: { headers: {}, payload: null },
        },
      };
    }),
    route('POST', '/app/hook/deliveries/{delivery_id}/attempts', 'jwt', (ctx) => {
      const outcome = world.redeliver(Number.parseInt(ctx.params.delivery_id ?? '', 10));
      if (outcome === 'missing') return error(404, MESSAGES.notFound, DOCS.appWebhookDeliveries);
      if (outcome === 'too_old') return error(422, MESSAGES.validationFailed, DOCS.handlingFailedDeliveries);
      return { status: 202, body: {} };
    }),
    route(
      'GET',
      '/orgs/{org}/actions/runner-groups',
      'installation',
      (ctx) => {
        if (!orgMatches(ctx)) return error(404, MESSAGES.notFound, DOCS.runnerGroups);
        const groups = runnerGroups.map((g) => ({
          id: g.id,
          name: g.name,
          visibility: 'all',
          default: g.id === 1,
          runners_url: `${ctx.baseUrl}/orgs/${org}/actions/runner-groups/${g.id}/runners`,
          inherited: false,
          allows_public_repositories: false,
          restricted_to_workflows: false,
          selected_workflows: [],
        }));
        const { page, link } = paginate(groups, ctx);
        return {
          status: 200,
          body: { total_count: groups.length, runner_groups: page },
          headers: linkHeader(link),
        };
      },
      ['organization_self_hosted_runners', 'read'],
    ),
    route(
      'GET',
      '/orgs/{org}/actions/runners',
      'installation',
      (ctx) => {
        if (!orgMatches(ctx)) return error(404, MESSAGES.notFound, DOCS.selfHostedRunners);
        const name = ctx.query.get('name');
        const all = world.liveRunners().filter((r) => name === null || r.name === name);
        const { page, link } = paginate(all, ctx);
        return {
          status: 200,
          body: { total_count: all.length, runners: page.map(runnerJson) },
          headers: linkHeader(link),
        };
      },
      ['organization_self_hosted_runners', 'read'],
    ),
    route(
      'GET',
      '/orgs/{org}/actions/runners/{runner_id}',
      'installation',
      (ctx) => {
        const runner = world.runners.get(Number(ctx.params.runner_id));
        if (!orgMatches(ctx) || !runner || runner.deleted)
          return error(404, MESSAGES.notFound, DOCS.selfHostedRunners);
        return { status: 200, body: runnerJson(runner) };
      },
      ['organization_self_hosted_runners', 'read'],
    ),
    route(
      'DELETE',
      '/orgs/{org}/actions/runners/{runner_id}',
      'installation',
      (ctx) => {
        if (!orgMatches(ctx)) return error(404, MESSAGES.notFound, DOCS.selfHostedRunners);
        const id = Number(ctx.params.runner_id);
        const outcome = world.deleteRunner(id);
        if (outcome === 'missing') return error(404, MESSAGES.notFound, DOCS.selfHostedRunners);
        if (outcome === 'busy')
          return error(422, MESSAGES.runnerBusy(world.runners.get(id)?.name ?? ''), DOCS.selfHostedRunners);
        return { status: 204 };
      },
      ['organization_self_hosted_runners', 'write'],
    ),
    route(
      'POST',
      '/orgs/{org}/actions/runners/generate-jitconfig',
      'installation',
      (ctx) => {
        if (!orgMatches(ctx)) return error(404, MESSAGES.notFound, DOCS.selfHostedRunners);
        const body = ctx.body;
        if (!isRecord(body))
          return validation('The request body must be a JSON object.', DOCS.selfHostedRunners);
        for (const key of ['name', 'runner_group_id', 'labels']) {
          if (!(key in body)) return validation(`"${key}" wasn't supplied.`, DOCS.selfHostedRunners);
        }
        const { name, runner_group_id: groupId, labels } = body;
        const workFolder = body.work_folder ?? '_work';
        if (typeof name !== 'string')
          return validation(
            `For 'properties/name', ${JSON.stringify(name)} is not a string.`,
            DOCS.selfHostedRunners,
          );
        if (!RUNNER_NAME_PATTERN.test(name)) {
          return error(
            422,
            `Invalid runner name "${name}": use 1 to 64 characters of A-Z a-z 0-9 . _ -`,
            DOCS.selfHostedRunners,
          );
        }
        if (typeof groupId !== 'number' || !Number.isInteger(groupId)) {
          return validation(
            `For 'properties/runner_group_id', ${JSON.stringify(groupId)} is not an integer.`,
            DOCS.selfHostedRunners,
          );
        }
        if (!runnerGroups.some((g) => g.id === groupId))
          return error(422, `Runner group ${groupId} does not exist.`, DOCS.runnerGroups);
        if (!Array.isArray(labels))
          return validation(
            `For 'properties/labels', ${JSON.stringify(labels)} is not an array.`,
            DOCS.selfHostedRunners,
          );
        if (labels.length < JIT_LABELS_MIN) {
          return validation(
            `For 'properties/labels', [] has fewer items than the minimum of ${JIT_LABELS_MIN}.`,
            DOCS.selfHostedRunners,
          );
        }
        if (labels.length > JIT_LABELS_MAX) {
          return validation(
            `For 'properties/labels', the array has more items than the maximum of ${JIT_LABELS_MAX}.`,
            DOCS.selfHostedRunners,
          );
        }
        for (const label of labels) {
          if (typeof label !== 'string' || label.trim() === '') {
            return validation(
              `For 'items', ${JSON.stringify(label)} is not a non-empty string.`,
              DOCS.selfHostedRunners,
            );
          }
        }
        if (typeof workFolder !== 'string')
          return validation(
            `For 'properties/work_folder', ${JSON.stringify(workFolder)} is not a string.`,
            DOCS.selfHostedRunners,
          );
        if (world.runnerByName(name))
          return error(409, MESSAGES.runnerNameExists(name), DOCS.selfHostedRunners);
        const { runner, encoded } = world.createJitRunner(name, groupId, labels as string[], workFolder);
        return { status: 201, body: { runner: runnerJson(runner), encoded_jit_config: encoded } };
      },
      ['organization_self_hosted_runners', 'write'],
    ),
    route(
      'POST',
      '/orgs/{org}/actions/runners/registration-token',
      'installation',
      (ctx) =>
        orgMatches(ctx)
          ? mintRegistrationToken('registration')
          : error(404, MESSAGES.notFound, DOCS.selfHostedRunners),
      ['organization_self_hosted_runners', 'write'],
    ),
    route(
      'POST',
      '/orgs/{org}/actions/runners/remove-token',
      'installation',
      (ctx) =>
        orgMatches(ctx)
          ? mintRegistrationToken('remove')
          : error(404, MESSAGES.notFound, DOCS.selfHostedRunners),
      ['organization_self_hosted_runners', 'write'],
    ),
    route(
      'GET',
      '/repos/{owner}/{repo}/actions/jobs/{job_id}',
      'installation',
      (ctx) => {
        const job = world.jobs.get(Number(ctx.params.job_id));
        if (!job || job.repo.toLowerCase() !== `${ctx.params.owner}/${ctx.params.repo}`.toLowerCase()) {
          return error(404, MESSAGES.notFound, DOCS.workflowJobs);
        }
        return { status: 200, body: jobJson(job) };
      },
      ['actions', 'read'],
    ),
    route(
      'GET',
      '/repos/{owner}/{repo}/actions/runs',
      'installation',
      (ctx) => {
        const full = `${ctx.params.owner}/${ctx.params.repo}`.toLowerCase();
        const byRun = new Map<number, FakeJob[]>();
        for (const job of world.jobs.values()) {
          if (job.repo.toLowerCase() !== full) continue;
          byRun.set(job.runId, [...(byRun.get(job.runId) ?? []), job]);
        }
        const status = ctx.query.get('status');
        const runs = [...byRun.entries()]
          .sort((a, b) => b[0] - a[0])
          .map(([id, jobs]) => runJson(id, jobs))
          .filter((r) => status === null || r.status === status);
        const { page, link } = paginate(runs, ctx);
        return {
          status: 200,
          body: { total_count: runs.length, workflow_runs: page },
          headers: linkHeader(link),
        };
      },
      ['actions', 'read'],
    ),
    route(
      'GET',
      '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
      'installation',
      (ctx) => {
        const full = `${ctx.params.owner}/${ctx.params.repo}`.toLowerCase();
        const jobs = [...world.jobs.values()].filter(
          (j) => j.runId === Number(ctx.params.run_id) && j.repo.toLowerCase() === full,
        );
        if (jobs.length === 0) return error(404, MESSAGES.notFound, DOCS.workflowJobs);
        const { page, link } = paginate(jobs, ctx);
        return {
          status: 200,
          body: { total_count: jobs.length, jobs: page.map(jobJson) },
          headers: linkHeader(link),
        };
      },
      ['actions', 'read'],
    ),
    route('GET', '/rate_limit', 'installation', (ctx) => ({
      status: 200,
      body: { resources: { core: rateSnapshot(ctx.rateKey) }, rate: rateSnapshot(ctx.rateKey) },
    })),
    // What config.sh calls with a registration token ("RemoteAuth <token>") before it registers.
    route('POST', '/actions/runner-registration', 'registration', () => ({
      status: 200,
      body: {
        url: `https://pipelinesghubeus1.actions.githubusercontent.com/${orgId}`,
        token: randomUUID(),
        token_schema: 'OAuthAccessToken',
      },
    })),
  ];
  return { routes, runnerJson, jobJson };
}
