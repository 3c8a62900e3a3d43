/**
 * Builds the real dependencies of one Lambda instance (once per cold start): configuration, secrets
 * from Secrets Manager, the GitHub client and the AWS clients, all with their time bounds.
 */
import { type ClientBounds, RECONCILER_AWS, WEBHOOK_AWS } from './aws';
import { loadConfig } from './config';
import { createEcs } from './ecs';
import { createGitHub } from './github';
import { createLogger, type Logger } from './log';
import { systemClock } from './ports';
import { readSecret, secretsClient } from './secrets';
import { createSsm } from './ssm';
import type { Deps } from './start-runner';
import { createState } from './state';

export type Kind = 'webhook' | 'reconciler';

interface Profile {
  aws: ClientBounds;
  githubTimeoutMs: number;
  githubRetries: number;
}

/** The webhook must answer GitHub within 10 s; the reconciler has its minute. */
const PROFILES: Record<Kind, Profile> = {
  webhook: { aws: WEBHOOK_AWS, githubTimeoutMs: 2_500, githubRetries: 1 },
  reconciler: { aws: RECONCILER_AWS, githubTimeoutMs: 8_000, githubRetries: 2 },
};

/** Reading both secrets at a cold start, ms. */
const SECRETS_BOUND_MS = 4_000;

export interface Instance {
  deps: Deps;
  webhookSecret: string;
  /** The current invocation's deadline (monotonic ms, performance.now); GitHub rate-limit waits must end before it. */
  setDeadline(ms: number): void;
}

function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function createInstance(
  kind: Kind,
  log: Logger = createLogger(undefined, { component: kind }),
): Promise<Instance> {
  const config = loadConfig(process.env);
  const profile = PROFILES[kind];
  const secrets = secretsClient(profile.aws);
  const [privateKey, webhookSecret] = await bounded(
    Promise.all([
      readSecret(secrets, config.appKeySecretArn, 'GITHUB_APP_KEY_SECRET_ARN'),
      kind === 'webhook'
        ? readSecret(secrets, config.webhookSecretArn, 'WEBHOOK_SECRET_ARN')
        : Promise.resolve(''),
    ]),
    SECRETS_BOUND_MS,
    'reading the secrets from Secrets Manager',
  );
  let deadline = performance.now() + 10_000;
  const github = createGitHub({
    baseUrl: config.githubApiUrl,
    org: config.org,
    appId: config.appId,
    installationId: config.installationId,
    privateKey,
    log,
    requestTimeoutMs: profile.githubTimeoutMs,
    retries: profile.githubRetries,
    deadline: () => deadline,
  });
  const deps: Deps = {
    config,
    github,
    ecs: createEcs(profile.aws),
    ssm: createSsm(profile.aws),
    state: createState(config.stateTable, profile.aws, systemClock),
    log,
    clock: systemClock,
  };
  return { deps, webhookSecret, setDeadline: (ms) => (deadline = ms) };
}
