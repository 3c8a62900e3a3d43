/**
 * A repository's default branch, which decides what a job may read (the default branch's scope) and
 * whether a non-push trigger on it may write. From GitHub with the App (`GET /repos/{owner}/{repo}`
 * with an installation token), cached per repository id; without the App, guessed from a list.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { clientConfig } from './aws';
import type { BrokerConfig, GitHubAppConfig } from './config';
import { Refusal } from './refusal';
import type { VerifiedJob } from './verify';

/** A default branch changes rarely; a rename is seen after at most this long, ms. */
export const DEFAULT_BRANCH_TTL_MS = 10 * 60_000;
/** Entries kept; a Lambda instance serves a few thousand repositories at most. */
export const DEFAULT_BRANCH_CACHE_ENTRIES = 10_000;
/** One GitHub request (the installation token request included), ms. */
export const GITHUB_REQUEST_TIMEOUT_MS = 3_000;
export const USER_AGENT = 'dazn-cache-broker/1.0';
export const API_VERSION = '2022-11-28';

export interface DefaultBranchLookup {
  /** The branch name (e.g. main), or undefined when unknown. */
  defaultBranch(job: VerifiedJob): Promise<string | undefined>;
}

const branchOf = (ref: string | undefined): string | undefined =>
  ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;

/**
 * Without the App: the job's own branch when it is one of the names, else its pull request's base
 * when that is one, else the first name (broker/INTERFACE.md, "Default branch").
 */
export function guessDefaultBranch(job: VerifiedJob, names: readonly string[]): string {
  const own = branchOf(job.ref);
  if (own !== undefined && names.includes(own)) return own;
  if (job.baseRef !== undefined && names.includes(job.baseRef)) return job.baseRef;
  return names[0];
}

export function listLookup(names: readonly string[]): DefaultBranchLookup {
  return { defaultBranch: async (job) => guessDefaultBranch(job, names) };
}

interface Cached {
  branch: string | undefined;
  expiresAt: number;
}

const statusOf = (error: unknown): number | undefined => (error as { status?: number } | null)?.status;

export interface AppLookupOptions {
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
  secrets?: SecretsManagerClient;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

async function readPrivateKey(client: SecretsManagerClient, arn: string): Promise<string> {
  let value: string | undefined;
  try {
    value = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
  } catch (error) {
    throw new Refusal(
      503,
      `the broker cannot read GITHUB_APP_SECRET_ARN=${arn} (${(error as Error).name}): check the ARN and the function's secretsmanager:GetSecretValue permission`,
    );
  }
  if (!value?.includes('PRIVATE KEY')) {
    throw new Refusal(
      500,
      `GITHUB_APP_SECRET_ARN=${arn} does not hold a PEM private key: store the App's key as the secret's text`,
    );
  }
  return value;
}

export function appLookup(app: GitHubAppConfig, options: AppLookupOptions = {}): DefaultBranchLookup {
  const now = options.now ?? Date.now;
  const secrets = options.secrets ?? new SecretsManagerClient(clientConfig());
  const cache = new Map<string, Cached>();
  let key: Promise<string> | undefined;
  const installations = new Map<string, Octokit>();

  const boundedFetch: typeof fetch = (input, init) => {
    const timeout = AbortSignal.timeout(GITHUB_REQUEST_TIMEOUT_MS);
    return fetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
    });
  };
  const octokit = (privateKey: string, installationId?: number): Octokit =>
    new Octokit({
      baseUrl: app.apiUrl,
      userAgent: USER_AGENT,
      authStrategy: createAppAuth,
      auth: { appId: app.appId, privateKey, ...(installationId !== undefined ? { installationId } : {}) },
      request: { fetch: boundedFetch, headers: { 'x-github-api-version': API_VERSION } },
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });

  const privateKey = (): Promise<string> => {
    key ??= readPrivateKey(secrets, app.privateKeySecretArn).catch((error: unknown) => {
      key = undefined; // the next request tries again
      throw error;
    });
    return key;
  };

  const lookUp = async (job: VerifiedJob): Promise<string | undefined> => {
    const pem = await privateKey();
    const [owner, repo] = job.repository.split('/');
    let client = installations.get(owner.toLowerCase());
    if (!client) {
      // The App's JWT answers which installation covers the repository (the org's, for every repository).
      const { data } = await octokit(pem).request('GET /repos/{owner}/{repo}/installation', { owner, repo });
      client = octokit(pem, data.id);
      installations.set(owner.toLowerCase(), client);
    }
    const { data } = await client.request('GET /repos/{owner}/{repo}', { owner, repo });
    // A name now held by another repository (renamed, then re-created) is not this job's repository.
    if (String(data.id) !== job.repositoryId) return undefined;
    return data.default_branch;
  };

  return {
    defaultBranch: async (job) => {
      const hit = cache.get(job.repositoryId);
      if (hit && hit.expiresAt > now()) return hit.branch;
      let branch: string | undefined;
      try {
        branch = await lookUp(job);
      } catch (error) {
        if (error instanceof Refusal) throw error;
        if (statusOf(error) === 404) {
          // The App is not installed on this repository: read as "unknown", which grants less, never more.
          options.log?.('default branch unknown: the GitHub App cannot see the repository', {
            repository: job.repository,
          });
          branch = undefined;
        } else {
          throw new Refusal(
            503,
            `GitHub did not tell the default branch of ${job.repository} (${statusOf(error) ?? (error as Error).name}): try again`,
          );
        }
      }
      if (cache.size >= DEFAULT_BRANCH_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
      cache.set(job.repositoryId, { branch, expiresAt: now() + DEFAULT_BRANCH_TTL_MS });
      return branch;
    },
  };
}

export function createLookup(config: BrokerConfig, options: AppLookupOptions = {}): DefaultBranchLookup {
  return config.app ? appLookup(config.app, options) : listLookup(config.defaultBranches);
}
