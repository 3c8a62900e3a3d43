/**
 * GitHubPort over Octokit: @octokit/core with the retry and throttling plugins, authenticated as the
 * App's installation through @octokit/auth-app (JWT for /app routes, installation tokens cached and
 * renewed by auth-app a minute before they expire). Every request, the token requests included, goes
 * through the same hooks: X-GitHub-Api-Version, the User-Agent, a per-request timeout, a call count.
 */
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import type { Logger } from './log';
import type { DeleteResult, Delivery, GitHubPort, GitHubRunner } from './ports';

export const API_VERSION = '2022-11-28';
export const USER_AGENT = 'dazn-scaler/1.0';

export interface GitHubOptions {
  baseUrl: string;
  org: string;
  appId: string;
  installationId: number;
  privateKey: string;
  log: Logger;
  /** Per HTTP request, ms. */
  requestTimeoutMs: number;
  /** Retries of 5xx and network errors (the retry plugin) per request. */
  retries: number;
  /** Rate-limit waits longer than what is left until this instant are not waited for (monotonic ms, performance.now). */
  deadline: () => number;
}

const ScalerOctokit = Octokit.plugin(retry, throttling);
type Client = InstanceType<typeof ScalerOctokit>;

interface HttpError {
  status?: number;
}
const statusOf = (error: unknown): number | undefined => (error as HttpError | null)?.status;

/**
 * Writes are not serialised to one per second as the throttling plugin's default would (that default
 * assumes one process doing everything; each Lambda instance here sends a handful of requests).
 * GitHub's secondary limits are still answered with their retry-after.
 */
const writeGroup = new Bottleneck.Group({ maxConcurrent: 10, minTime: 50 });

export function createGitHub(options: GitHubOptions): GitHubPort {
  let requests = 0;
  const groups = new Map<string, number>();

  const boundedFetch: typeof fetch = (input, init) => {
    const timeout = AbortSignal.timeout(options.requestTimeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };

  const limitHandler =
    (kind: string) =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      const fits = performance.now() + retryAfter * 1000 < options.deadline();
      options.log.warn(`GitHub ${kind} rate limit`, {
        method: request.method,
        url: request.url,
        retryAfterSeconds: retryAfter,
        retryCount,
        retrying: fits && retryCount < 2,
      });
      return fits && retryCount < 2;
    };

  const build = (): Client => {
    const client = new ScalerOctokit({
      baseUrl: options.baseUrl,
      userAgent: USER_AGENT,
      authStrategy: createAppAuth,
      auth: { appId: options.appId, privateKey: options.privateKey, installationId: options.installationId },
      request: { fetch: boundedFetch },
      retry: { retries: options.retries },
      throttle: {
        onRateLimit: limitHandler('primary'),
        onSecondaryRateLimit: limitHandler('secondary'),
        write: writeGroup,
      },
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message: string) => options.log.warn(message, { source: 'octokit' }),
        error: (message: string) => options.log.error(message, { source: 'octokit' }),
      },
    });
    client.hook.before('request', (request) => {
      requests++;
      request.headers['x-github-api-version'] = API_VERSION;
    });
    return client;
  };

  let client = build();
  /**
   * A 401 outside auth-app's own 5-second replication retry means the cached installation token is no
   * longer accepted (revoked, or the clocks disagree about its expiry): start over with a new auth
   * instance, which mints a fresh token, once.
   */
  const call = async <T>(work: (c: Client) => Promise<T>): Promise<T> => {
    try {
      return await work(client);
    } catch (error) {
      if (statusOf(error) !== 401) throw error;
      options.log.warn('GitHub answered 401: renewing the installation token');
      client = build();
      return work(client);
    }
  };
  const org = options.org;

  const toRunner = (r: { id: number; name: string; status: string; busy: boolean }): GitHubRunner => ({
    id: r.id,
    name: r.name,
    status: r.status === 'online' ? 'online' : 'offline',
    busy: r.busy === true,
  });

  return {
    requestCount: () => requests,

    async runnerGroupId(group) {
      if (/^\d+$/.test(group)) return Number(group);
      const cached = groups.get(group.toLowerCase());
      if (cached !== undefined) return cached;
      const response = await call((c) =>
        c.request('GET /orgs/{org}/actions/runner-groups', { org, per_page: 100 }),
      );
      for (const g of response.data.runner_groups) groups.set(g.name.toLowerCase(), g.id);
      const id = groups.get(group.toLowerCase());
      if (id === undefined) {
        throw new Error(
          `runner group "${group}" does not exist in ${org}: create it (Settings, Actions, Runner groups) or fix POOLS`,
        );
      }
      return id;
    },

    async generateJitConfig(input) {
      const response = await call((c) =>
        c.request('POST /orgs/{org}/actions/runners/generate-jitconfig', {
          org,
          name: input.name,
          runner_group_id: input.runnerGroupId,
          labels: input.labels,
          work_folder: input.workFolder,
        }),
      );
      return { runnerId: response.data.runner.id, encodedJitConfig: response.data.encoded_jit_config };
    },

    async deleteRunner(id): Promise<DeleteResult> {
      try {
        await call((c) =>
          c.request('DELETE /orgs/{org}/actions/runners/{runner_id}', { org, runner_id: id }),
        );
        return 'deleted';
      } catch (error) {
        if (statusOf(error) === 422) return 'busy';
        if (statusOf(error) === 404) return 'gone';
        throw error;
      }
    },

    async listRunners(prefix) {
      const out: GitHubRunner[] = [];
      // Every page must arrive: a runner missing from a partial list would look finished.
      for (let page = 1; page <= 100; page++) {
        const response = await call((c) =>
          c.request('GET /orgs/{org}/actions/runners', { org, per_page: 100, page }),
        );
        for (const r of response.data.runners) if (r.name.startsWith(`${prefix}-`)) out.push(toRunner(r));
        if (response.data.runners.length < 100) return out;
      }
      throw new Error('more than 10,000 runners listed: stopping');
    },

    async getRunner(id) {
      try {
        const response = await call((c) =>
          c.request('GET /orgs/{org}/actions/runners/{runner_id}', { org, runner_id: id }),
        );
        return toRunner(response.data);
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },

    async jobStatus(owner, repo, jobId) {
      try {
        const response = await call((c) =>
          c.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}', { owner, repo, job_id: jobId }),
        );
        return response.data.status;
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },

    async listDeliveries(sinceMs) {
      const out: Delivery[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 50; page++) {
        const response = await call((c) =>
          c.request('GET /app/hook/deliveries', { per_page: 100, ...(cursor ? { cursor } : {}) }),
        );
        let older = false;
        for (const d of response.data) {
          const at = Date.parse(d.delivered_at);
          if (at < sinceMs) {
            older = true;
            continue;
          }
          out.push({
            id: Number(d.id),
            guid: d.guid,
            deliveredAt: at,
            event: d.event,
            action: d.action ?? null,
            statusCode: d.status_code,
            redelivery: d.redelivery,
          });
        }
        const link = response.headers.link ?? '';
        const next = /<([^>]+)>;\s*rel="next"/.exec(link);
        cursor = next ? (new URL(next[1]).searchParams.get('cursor') ?? undefined) : undefined;
        if (older || !cursor || response.data.length === 0) return out;
      }
      return out;
    },

    async deliveryPayload(id) {
      const response = await call((c) =>
        c.request('GET /app/hook/deliveries/{delivery_id}', { delivery_id: id }),
      );
      return response.data.request.payload;
    },
  };
}
