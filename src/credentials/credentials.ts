/**
 * AWS credentials for the cache.
 *
 * role-to-assume (or default-branch-role on the default branch) set: a GitHub OIDC token with
 * audience sts.amazonaws.com is exchanged through STS AssumeRoleWithWebIdentity. Every secret is
 * masked; nothing is written to step state (the post step assumes the role again). No role: the
 * AWS SDK's default credential chain. No token permission: CacheUnavailableError; the token service
 * or STS failing: a ServiceError (both a warning, the cache is skipped for this run). Both requests
 * end with the step's budget.
 */
import { DEFAULT_SAVE_STEP_TIMEOUT_MINS, SESSION_DURATION_SECONDS } from '../config/constants';
import type { GitHubContext, S3Settings } from '../config/settings';
import { CacheUnavailableError, ServiceError } from '../errors/errors';
import type { Logger } from '../logging/logger';
import { DEFAULT_BOUNDS, RequestBounds, RequestScope } from '../storage/client';
import { BrokerGrant, BrokerOptions, maskGrant, requestGrant } from './broker';
import { Budget, withinBudget } from '../storage/retry';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  webIdentityToken: string;
  region: string;
  endpoint?: string;
  durationSeconds: number;
  /** Per-attempt bounds of the STS client, and the step's budget and retry reporting. */
  bounds: RequestBounds;
  scope: RequestScope;
}

/** The module's boundaries: GitHub's token service, secret masking and STS. */
export interface CredentialsDeps {
  getIDToken(audience: string): Promise<string>;
  setSecret(secret: string): void;
  assumeRoleWithWebIdentity(request: AssumeRoleRequest): Promise<AwsCredentials>;
  /** Whether the job can request a token at all (the runner sets the request variables only with
   * `permissions: id-token: write`); unknown when absent. */
  idTokenPermitted?(): boolean;
}

/** Where the requests of resolveCredentials run (a budget of its own when absent). */
export interface CredentialsContext {
  bounds: RequestBounds;
  scope: RequestScope;
}

const TOKEN_SERVICE = 'GitHub OIDC token service';

/** The token request failed: a missing permission, or the service itself (its status if it answered). */
interface TokenPurpose {
  /** "assume <role>" / "call the credential broker <url>". */
  what: string;
  /** The input that needs the token. */
  input: string;
  audience: string;
}

function rolePurpose(role: string): TokenPurpose {
  return { what: `assume ${role}`, input: 'role-to-assume', audience: OIDC_AUDIENCE };
}

function tokenFailure(error: unknown, purpose: TokenPurpose, deps: CredentialsDeps): Error {
  const message = error instanceof Error ? error.message : String(error);
  // runner/id-token.ts throws an IdTokenError with `kind` and `status`; read them without importing it.
  const facts = (typeof error === 'object' && error !== null ? error : {}) as {
    kind?: unknown;
    status?: unknown;
    statusCode?: unknown;
  };
  const statusInText = /HTTP (\d{3})\b/.exec(message);
  const raw =
    typeof facts.status === 'number'
      ? facts.status
      : typeof facts.statusCode === 'number'
        ? facts.statusCode
        : statusInText
          ? Number(statusInText[1])
          : undefined;
  // A 2xx without a token is the service's failure too, but not "failed with HTTP 200".
  const status = raw !== undefined && raw >= 300 ? raw : undefined;
  const permitted =
    facts.kind === 'no-permission'
      ? false
      : (deps.idTokenPermitted?.() ?? !/ACTIONS_ID_TOKEN_REQUEST_(URL|TOKEN)/.test(message));
  if (!permitted) {
    return new CacheUnavailableError(
      `Cannot request a GitHub OIDC token to ${purpose.what} (${message}). ` +
        `The workflow or job must grant \`permissions: id-token: write\` to use ${purpose.input} ` +
        '(fork pull requests never get a token). The cache is not used in this step.',
    );
  }
  return new ServiceError(
    {
      service: TOKEN_SERVICE,
      operation: 'token request',
      target: `ACTIONS_ID_TOKEN_REQUEST_URL (audience ${purpose.audience}, to ${purpose.what})`,
      status,
      cause: message,
    },
    { cause: error },
  );
}

export const OIDC_AUDIENCE = 'sts.amazonaws.com';

/** STS session name from repository and run id, sanitised to [\w+=,.@-] and at most 64 characters. */
export function sessionName(repository: string, runId: string, runAttempt = '1'): string {
  const raw = `dazn-cache@${repository}@${runId}-${runAttempt}`;
  const clean = raw.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return clean.length >= 2 ? clean : 'dazn-cache';
}

export async function resolveCredentials(
  s3: S3Settings,
  github: GitHubContext,
  logger: Logger,
  deps: CredentialsDeps,
  context?: CredentialsContext,
): Promise<AwsCredentials | undefined> {
  if (!s3.roleToAssume) {
    logger.debug('No role-to-assume: using the AWS SDK default credential chain');
    return undefined;
  }
  const own = context
    ? undefined
    : new Budget(DEFAULT_SAVE_STEP_TIMEOUT_MINS * 60_000, 'DAZN_CACHE_STEP_TIMEOUT_MINS');
  const { bounds, scope } = context ?? { bounds: DEFAULT_BOUNDS, scope: { budget: own as Budget } };
  try {
    return await exchange(s3.roleToAssume, s3, github, logger, deps, bounds, scope);
  } finally {
    own?.dispose();
  }
}

async function exchange(
  role: string,
  s3: S3Settings,
  github: GitHubContext,
  logger: Logger,
  deps: CredentialsDeps,
  bounds: RequestBounds,
  scope: RequestScope,
): Promise<AwsCredentials> {
  let token: string;
  try {
    // The token request bounds itself (runner/workflow.ts); the budget bounds the wait for it.
    token = await withinBudget(
      deps.getIDToken(OIDC_AUDIENCE),
      scope.budget,
      () => new Error(`no token within the step's budget (${scope.budget.setting})`),
    );
  } catch (error) {
    throw tokenFailure(error, rolePurpose(role), deps);
  }
  deps.setSecret(token);
  const name = sessionName(github.repository, github.runId, github.runAttempt);
  logger.debug(`Assuming ${role} as session ${name}`);
  let credentials: AwsCredentials;
  try {
    credentials = await deps.assumeRoleWithWebIdentity({
      roleArn: role,
      sessionName: name,
      webIdentityToken: token,
      region: s3.region,
      endpoint: s3.stsEndpoint,
      durationSeconds: SESSION_DURATION_SECONDS,
      bounds,
      scope,
    });
  } catch (error) {
    // The trust policy matches the token's subject: say which one this job has.
    if (error instanceof ServiceError) error.failure.subject = `repo:${github.repository}:ref:${github.ref}`;
    throw error;
  }
  deps.setSecret(credentials.accessKeyId);
  deps.setSecret(credentials.secretAccessKey);
  if (credentials.sessionToken) deps.setSecret(credentials.sessionToken);
  return credentials;
}

/**
 * Isolated mode (broker-url set): the job's token with the broker's audience, exchanged at the
 * broker for tagged session credentials and the scopes they allow. Every secret is masked as it
 * arrives; nothing is kept for the post step.
 */
export async function resolveBrokerGrant(
  s3: S3Settings,
  logger: Logger,
  deps: CredentialsDeps,
  context: CredentialsContext,
  options: BrokerOptions = {},
): Promise<BrokerGrant> {
  const broker = s3.broker;
  if (!broker) throw new Error('resolveBrokerGrant needs broker-url');
  const purpose: TokenPurpose = {
    what: `call the credential broker ${broker.url}`,
    input: 'broker-url',
    audience: broker.audience,
  };
  let token: string;
  try {
    token = await withinBudget(
      deps.getIDToken(broker.audience),
      context.scope.budget,
      () => new Error(`no token within the step's budget (${context.scope.budget.setting})`),
    );
  } catch (error) {
    throw tokenFailure(error, purpose, deps);
  }
  deps.setSecret(token);
  logger.debug(
    `Asking the credential broker ${broker.url} for credentials (token audience ${broker.audience})`,
  );
  const grant = await requestGrant(broker, token, logger, context.scope, options);
  maskGrant(grant, deps);
  return grant;
}
